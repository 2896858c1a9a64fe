//! `stackc explain` knows every `STK0xx` code of the table. That every code used has an entry
//! needs no test: diagnostics take an `ErrorCode`, so an unknown code does not compile.

mod common;

use common::stackc;
use stackc_compiler::diag::ErrorCode;

#[test]
fn explain_prints_every_error_code_from_the_table() {
    assert!(ErrorCode::ALL.len() >= 60, "{}", ErrorCode::ALL.len());
    for code in ErrorCode::ALL {
        let out = stackc(&["explain", code.code()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{code}: {out:?}");
        let header = format!("# {} ({})\n\n", code.code(), code.stage());
        assert!(text.starts_with(&header), "{code}:\n{text}");
        assert!(
            text.contains(&format!("What to do: {}.", code.fix())),
            "{code}:\n{text}"
        );
    }
    let compose = String::from_utf8_lossy(&stackc(&["explain", "stk073"]).stdout).to_string();
    assert!(
        compose.starts_with(
            "# STK073 (compose frontend)\n\nAn invalid volume or mount in a compose file.\n"
        ),
        "{compose}"
    );
}

#[test]
fn explain_refuses_a_code_the_table_does_not_have() {
    let out = stackc(&["explain", "STK008"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown rule or code `STK008`"),
        "{out:?}"
    );
}
