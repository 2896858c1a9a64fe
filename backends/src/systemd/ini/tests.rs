use super::*;

fn command(argv: &[&str]) -> IniValue {
    IniValue::Command(argv.iter().map(|s| (*s).to_owned()).collect())
}

fn one_entry(section: &str, key: &str, value: IniValue) -> UnitFile {
    let mut s = Section::new(section);
    s.push(key, value);
    UnitFile {
        header_comment: Vec::new(),
        sections: vec![s],
    }
}

/// Renders one entry and returns its raw value as read back by [`parse`].
fn render_raw(section: &str, key: &str, value: IniValue) -> Result<String, IniError> {
    let text = one_entry(section, key, value).render()?;
    let entries = parse(&text).expect("rendered text parses");
    assert_eq!(entries.len(), 1, "one entry in {text:?}");
    let (s, k, raw) = &entries[0];
    assert_eq!((s.as_str(), k.as_str()), (section, key));
    Ok(raw.clone())
}

/// What the hostile corpus expects for one value kind.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    RoundTrip,
    /// `ControlCharacter` at this byte index.
    Control(usize),
    Unrepresentable,
}
use Expect::{Control, RoundTrip, Unrepresentable as Unrep};

/// `(value, as Command argument / Assignment value, as Text)`.
const HOSTILE: &[(&str, Expect, Expect)] = &[
    ("plain", RoundTrip, RoundTrip),
    ("", RoundTrip, RoundTrip),
    (" ", RoundTrip, Unrep),
    ("  leading spaces", RoundTrip, Unrep),
    ("trailing spaces  ", RoundTrip, Unrep),
    ("two words", RoundTrip, RoundTrip),
    ("tab\there", RoundTrip, Control(3)),
    ("\ttab first", RoundTrip, Control(0)),
    ("line\nbreak", Control(4), Control(4)),
    ("\nExecStartPre=/bin/evil", Control(0), Control(0)),
    ("x\n[Install]\nWantedBy=evil.target", Control(1), Control(1)),
    ("carriage\rreturn", Control(8), Control(8)),
    ("nul\0byte", Control(3), Control(3)),
    ("del\x7f", Control(3), Control(3)),
    ("\x1b[31mred", Control(0), Control(0)),
    ("double \" quote", RoundTrip, RoundTrip),
    ("single ' quote", RoundTrip, RoundTrip),
    ("'single-wrapped'", RoundTrip, RoundTrip),
    ("\"double-wrapped\"", RoundTrip, Unrep),
    ("\"", RoundTrip, RoundTrip),
    ("'", RoundTrip, RoundTrip),
    ("back\\slash", RoundTrip, RoundTrip),
    ("trailing\\", RoundTrip, Unrep),
    ("\\\\", RoundTrip, Unrep),
    ("\\", RoundTrip, Unrep),
    ("literal \\x00 escape", RoundTrip, RoundTrip),
    ("\\n is not a newline", RoundTrip, RoundTrip),
    ("\\s\\t\\u00e9", RoundTrip, RoundTrip),
    ("%", RoundTrip, RoundTrip),
    ("%n", RoundTrip, RoundTrip),
    ("100%% sure %i%%", RoundTrip, RoundTrip),
    ("$", RoundTrip, RoundTrip),
    ("${X}", RoundTrip, RoundTrip),
    ("$HOME", RoundTrip, RoundTrip),
    ("$$", RoundTrip, RoundTrip),
    ("a$b$", RoundTrip, RoundTrip),
    (";", RoundTrip, RoundTrip),
    (" ; ", RoundTrip, Unrep),
    ("a;b", RoundTrip, RoundTrip),
    ("\\;", RoundTrip, RoundTrip),
    ("# not a comment", RoundTrip, RoundTrip),
    ("; not a comment", RoundTrip, RoundTrip),
    ("[Install]", RoundTrip, RoundTrip),
    ("Key=Value", RoundTrip, RoundTrip),
    ("=", RoundTrip, RoundTrip),
    ("-dash", RoundTrip, RoundTrip),
    ("ünïcödé ✓ 日本語", RoundTrip, RoundTrip),
    ("\u{a0}nbsp", RoundTrip, Unrep),
    ("emoji 🦀", RoundTrip, RoundTrip),
    ("*?[glob] | & > < `cmd` $(sub)", RoundTrip, RoundTrip),
];

/// A command argument also carries newlines (written `\n`): a value whose only control
/// characters are newlines and tabs round-trips there, whatever the other kinds expect.
fn as_command(value: &str, expect: Expect) -> Expect {
    let only_newlines_and_tabs = value
        .chars()
        .filter(char::is_ascii_control)
        .all(|c| c == '\n' || c == '\t');
    if only_newlines_and_tabs {
        RoundTrip
    } else {
        expect
    }
}

fn check_result(kind: &str, value: &str, expect: Expect, result: Result<(), IniError>) {
    match (expect, result) {
        (RoundTrip, Ok(())) | (Unrep, Err(IniError::Unrepresentable { .. })) => {}
        (Control(index), Err(IniError::ControlCharacter { index: got, ch, .. })) => {
            assert_eq!(got, index, "{kind} {value:?}: wrong index");
            assert_eq!(value[index..].chars().next(), Some(ch), "{kind} {value:?}");
        }
        (expect, result) => panic!("{kind} {value:?}: expected {expect:?}, got {result:?}"),
    }
}

#[test]
fn hostile_corpus_round_trips_as_command_arguments() {
    assert!(HOSTILE.len() >= 25);
    for &(value, expect, _) in HOSTILE {
        let expect = as_command(value, expect);
        let argv = vec![
            "/usr/bin/printf".to_owned(),
            value.to_owned(),
            "end".to_owned(),
        ];
        let result =
            render_raw("Service", "ExecStart", IniValue::Command(argv.clone())).map(|raw| {
                let words =
                    unquote_words(&raw, true).unwrap_or_else(|e| panic!("{value:?}: {raw:?}: {e}"));
                assert_eq!(words, argv, "raw {raw:?}");
            });
        check_result("Command", value, expect, result);
    }
}

#[test]
fn hostile_corpus_round_trips_as_quadlet_exec_first_argument() {
    // Quadlet's Exec= has no executable prefixes, so any first argument works.
    for &(value, expect, _) in HOSTILE {
        // A lone `;` is refused in Quadlet sections (see `quadlet_refuses_lone_semicolon`).
        let expect = if value == ";" {
            Unrep
        } else {
            as_command(value, expect)
        };
        let result = render_raw("Container", "Exec", command(&[value])).map(|raw| {
            assert_eq!(
                unquote_words(&raw, true),
                Ok(vec![value.to_owned()]),
                "{raw:?}"
            );
        });
        check_result("Exec", value, expect, result);
    }
}

#[test]
fn hostile_corpus_round_trips_as_assignment_values() {
    for &(value, expect, _) in HOSTILE {
        let assignment = IniValue::Assignment {
            name: "HOSTILE_1".to_owned(),
            value: value.to_owned(),
        };
        let result = render_raw("Service", "Environment", assignment).map(|raw| {
            let words =
                unquote_words(&raw, false).unwrap_or_else(|e| panic!("{value:?}: {raw:?}: {e}"));
            assert_eq!(words, vec![format!("HOSTILE_1={value}")], "raw {raw:?}");
        });
        check_result("Assignment", value, expect, result);
    }
}

#[test]
fn hostile_corpus_round_trips_as_text() {
    for &(value, _, expect) in HOSTILE {
        let result = render_raw("Unit", "Description", IniValue::Text(value.to_owned()))
            .map(|raw| assert_eq!(unquote_text(&raw), Ok(value.to_owned()), "{raw:?}"));
        check_result("Text", value, expect, result);
    }
}

#[test]
fn whole_hostile_argv_on_one_line() {
    let argv: Vec<String> = HOSTILE
        .iter()
        .filter(|(value, expect, _)| as_command(value, *expect) == RoundTrip)
        .map(|(value, _, _)| (*value).to_owned())
        .collect();
    let mut full = vec!["/usr/bin/podman".to_owned(), "run".to_owned()];
    full.extend(argv);
    let raw = render_raw("Service", "ExecStart", IniValue::Command(full.clone())).unwrap();
    assert_eq!(unquote_words(&raw, true).unwrap(), full);
}

#[test]
fn quoting_spelling() {
    let raw = |argv: &[&str]| render_raw("Service", "ExecStart", command(argv)).unwrap();
    assert_eq!(
        raw(&["/bin/echo", "a", "--x=1", "a:b@c+d"]),
        "/bin/echo a --x=1 a:b@c+d"
    );
    assert_eq!(raw(&["/bin/echo", ""]), r#"/bin/echo """#);
    assert_eq!(raw(&["/bin/echo", ";"]), r#"/bin/echo ";""#);
    assert_eq!(raw(&["/bin/echo", " ; "]), r#"/bin/echo " ; ""#);
    assert_eq!(raw(&["/bin/echo", "%n", "$X"]), "/bin/echo %%n $$X");
    assert_eq!(raw(&["/bin/echo", "${X}"]), r#"/bin/echo "$${X}""#);
    assert_eq!(
        raw(&["/bin/echo", "a\"b\\c\td'e"]),
        r#"/bin/echo "a\"b\\c\td'e""#
    );
    assert_eq!(raw(&["/bin/echo", "#x"]), "/bin/echo \"#x\"");
    assert_eq!(
        raw(&["/bin/sh", "-c", "set -e\nexec app"]),
        r#"/bin/sh -c "set -e\nexec app""#
    );
    assert_eq!(raw(&["/bin/echo", "é"]), "/bin/echo \"é\"");
    let env = IniValue::Assignment {
        name: "A".into(),
        value: "x $y %z".into(),
    };
    assert_eq!(
        render_raw("Service", "Environment", env).unwrap(),
        r#""A=x $y %%z""#
    );
    let env = IniValue::Assignment {
        name: "B".into(),
        value: String::new(),
    };
    assert_eq!(render_raw("Service", "Environment", env).unwrap(), "B=");
    assert_eq!(
        render_raw(
            "Unit",
            "Description",
            IniValue::Text("50% \"q\" \\ x".into())
        )
        .unwrap(),
        r#"50%% "q" \ x"#
    );
}

#[test]
fn deterministic_layout() {
    let mut unit = Section::new("Unit");
    unit.push("Description", IniValue::Text("Web app".into()))
        .push(
            "After",
            IniValue::Words(vec!["network-online.target".into(), "db.service".into()]),
        );
    let mut service = Section::new("Service");
    service
        .push(
            "Environment",
            IniValue::Assignment {
                name: "PORT".into(),
                value: "80".into(),
            },
        )
        .push(
            "ExecStart",
            command(&["/usr/bin/podman", "run", "--rm", "img"]),
        );
    let mut install = Section::new("Install");
    install.push(
        "WantedBy",
        IniValue::Words(vec!["multi-user.target".into()]),
    );
    let file = UnitFile {
        header_comment: vec![
            "Generated by stackc.".into(),
            String::new(),
            "Do not edit.".into(),
        ],
        sections: vec![unit, service, install],
    };
    let expected = "# Generated by stackc.\n#\n# Do not edit.\n\n\
        [Unit]\nDescription=Web app\nAfter=network-online.target db.service\n\n\
        [Service]\nEnvironment=PORT=80\nExecStart=/usr/bin/podman run --rm img\n\n\
        [Install]\nWantedBy=multi-user.target\n";
    let text = file.render().unwrap();
    assert_eq!(text, expected);
    assert_eq!(file.render().unwrap(), text, "deterministic");
    assert!(text.ends_with(".target\n") && !text.ends_with("\n\n"));
    assert!(
        text.lines().all(|l| l == l.trim_end()),
        "no trailing whitespace"
    );
    assert_eq!(
        parse(&text).unwrap(),
        [
            ("Unit", "Description", "Web app"),
            ("Unit", "After", "network-online.target db.service"),
            ("Service", "Environment", "PORT=80"),
            ("Service", "ExecStart", "/usr/bin/podman run --rm img"),
            ("Install", "WantedBy", "multi-user.target"),
        ]
        .map(|(s, k, v)| (s.to_owned(), k.to_owned(), v.to_owned()))
    );
}

#[test]
fn layout_edge_cases() {
    assert_eq!(UnitFile::default().render().unwrap(), "");
    let header_only = UnitFile {
        header_comment: vec!["only".into()],
        sections: Vec::new(),
    };
    assert_eq!(header_only.render().unwrap(), "# only\n");
    let empty_section = UnitFile {
        header_comment: Vec::new(),
        sections: vec![Section::new("Unit"), Section::new("X-Extra")],
    };
    assert_eq!(empty_section.render().unwrap(), "[Unit]\n\n[X-Extra]\n");
}

#[test]
fn empty_lists_render_as_reset() {
    assert_eq!(
        render_raw("Service", "ExecStart", command(&[])).unwrap(),
        ""
    );
    assert_eq!(
        render_raw("Unit", "After", IniValue::Words(Vec::new())).unwrap(),
        ""
    );
    assert_eq!(unquote_words("", true), Ok(Vec::new()));
}

#[test]
fn words_are_quoted_only_when_needed() {
    let words = |w: &[&str]| IniValue::Words(w.iter().map(|s| (*s).to_owned()).collect());
    let raw = render_raw(
        "Unit",
        "Documentation",
        words(&["man:podman(1)", "a b", "", "50%"]),
    )
    .unwrap();
    assert_eq!(raw, r#""man:podman(1)" "a b" "" 50%%"#);
    assert_eq!(
        unquote_words(&raw, false).unwrap(),
        ["man:podman(1)", "a b", "", "50%"]
    );
    let raw = render_raw("Unit", "After", words(&["a.service", "b@x.service"])).unwrap();
    assert_eq!(raw, "a.service b@x.service");
    assert!(matches!(
        render_raw("Unit", "After", words(&["mnt-a\\x2db.mount"])),
        Err(IniError::Unrepresentable { ref key, .. }) if key == "After"
    ));
    assert_eq!(
        render_raw("Unit", "After", words(&["a", "b\nc"])),
        Err(IniError::ControlCharacter {
            key: "After".into(),
            index: 1,
            ch: '\n'
        })
    );
}

#[test]
fn invalid_keys() {
    for key in [
        "",
        "Exec Start",
        "Key=",
        "Ключ",
        "A_B",
        "a.b",
        "#x",
        "[Unit]",
        "K\n",
    ] {
        assert_eq!(
            one_entry("Service", key, IniValue::Text("x".into())).render(),
            Err(IniError::InvalidKey(key.to_owned()))
        );
    }
    for key in ["ExecStart", "X-Custom-1", "a"] {
        assert!(
            one_entry("Service", key, IniValue::Text("x".into()))
                .render()
                .is_ok()
        );
    }
}

#[test]
fn invalid_section_names() {
    for name in ["", "A]B", "[A", "A\nB", "A\tB", "A\0"] {
        assert_eq!(
            one_entry(name, "K", IniValue::Text("x".into())).render(),
            Err(IniError::InvalidSectionName(name.to_owned()))
        );
    }
    assert!(
        one_entry("X-Section With Space", "K", IniValue::Text("x".into()))
            .render()
            .is_ok()
    );
}

#[test]
fn invalid_assignment_names() {
    for name in ["", "1X", "A-B", "A=B", "A B", "É", "A\n"] {
        let value = IniValue::Assignment {
            name: name.to_owned(),
            value: "v".into(),
        };
        assert_eq!(
            one_entry("Service", "Environment", value).render(),
            Err(IniError::InvalidAssignmentName(name.to_owned()))
        );
    }
    for name in ["_", "A", "a_1", "PATH"] {
        let value = IniValue::Assignment {
            name: name.to_owned(),
            value: "v".into(),
        };
        assert!(one_entry("Service", "Environment", value).render().is_ok());
    }
}

#[test]
fn control_characters_report_key_index_and_char() {
    let argv = command(&["/bin/echo", "ok", "a\u{7f}"]);
    assert_eq!(
        one_entry("Service", "ExecStart", argv).render(),
        Err(IniError::ControlCharacter {
            key: "ExecStart".into(),
            index: 1,
            ch: '\u{7f}'
        })
    );
    let header = UnitFile {
        header_comment: vec!["fine".into(), "bad\n[Service]".into()],
        sections: Vec::new(),
    };
    assert_eq!(
        header.render(),
        Err(IniError::ControlCharacter {
            key: "#".into(),
            index: 3,
            ch: '\n'
        })
    );
    let header = UnitFile {
        header_comment: vec!["tab\t".into()],
        sections: Vec::new(),
    };
    assert!(matches!(
        header.render(),
        Err(IniError::ControlCharacter { ch: '\t', .. })
    ));
}

#[test]
fn exec_executable_checks() {
    for exe in [
        "",
        "-/bin/true",
        "@/bin/true",
        ":/bin/true",
        "+/bin/true",
        "!/bin/true",
        "!!/bin/true",
        "|/bin/true",
        ";",
        "/bin/a\"b",
        "/bin/a'b",
        "/bin/a\\b",
        "/bin/a\tb",
    ] {
        for key in EXEC_COMMAND_KEYS {
            assert!(
                matches!(
                    one_entry("Service", key, command(&[exe, "x"])).render(),
                    Err(IniError::Unrepresentable { key: ref k, .. }) if k == key
                ),
                "{key}={exe:?}"
            );
        }
        // Not a systemd Exec key: no executable rules (e.g. Quadlet Exec=).
        if !exe.contains('\t') && exe != ";" {
            assert!(
                one_entry("Container", "Exec", command(&[exe]))
                    .render()
                    .is_ok(),
                "{exe:?}"
            );
        }
    }
    let raw = render_raw("Service", "ExecStart", command(&["/usr/bin/my prog", "x"])).unwrap();
    assert_eq!(raw, r#""/usr/bin/my prog" x"#);
    assert_eq!(
        unquote_words(&raw, true).unwrap(),
        ["/usr/bin/my prog", "x"]
    );
}

#[test]
fn quadlet_refuses_lone_semicolon() {
    for section in QUADLET_SECTIONS {
        for key in ["Exec", "PodmanArgs", "GlobalArgs"] {
            assert!(matches!(
                one_entry(section, key, command(&["--flag", ";", "rm"])).render(),
                Err(IniError::Unrepresentable { key: ref k, .. }) if k == key
            ));
            // Anything else containing ';' is quoted by Quadlet too (it has spaces)
            // or is not a separator (not a whole word).
            assert!(
                one_entry(section, key, command(&["a;b", " ; ", ";x"]))
                    .render()
                    .is_ok()
            );
        }
    }
    // Plain systemd sections quote it and systemd keeps it an argument.
    let raw = render_raw("Service", "ExecStart", command(&["/bin/echo", ";", "rm"])).unwrap();
    assert_eq!(raw, r#"/bin/echo ";" rm"#);
}

#[test]
fn parse_follows_systemd_line_rules() {
    let text = "# comment\n; also comment\n  \n[Unit]\n  Description = spaced value  \n\
        [Service]\nExecStart=/bin/echo a \\\n# ignored comment inside continuation\n  b\n\
        Key=ends with escaped backslash \\\\\nOther=x\n[Empty]\n";
    assert_eq!(
        parse(text).unwrap(),
        [
            ("Unit", "Description", "spaced value"),
            ("Service", "ExecStart", "/bin/echo a    b"),
            ("Service", "Key", "ends with escaped backslash \\\\"),
            ("Service", "Other", "x"),
        ]
        .map(|(s, k, v)| (s.to_owned(), k.to_owned(), v.to_owned()))
    );
    assert!(parse("Key=outside\n").is_err());
    assert!(parse("[Unit\n").is_err());
    assert!(parse("[Unit]\nno equals sign\n").is_err());
    assert!(parse("[Unit]\n=value\n").is_err());
    assert_eq!(
        parse("[A]\nK=v \\").unwrap(),
        [("A".to_owned(), "K".to_owned(), "v".to_owned())]
    );
}

#[test]
fn unquote_words_follows_systemd() {
    let ok = |raw: &str| unquote_words(raw, false).unwrap();
    // systemd.exec(5) Environment= example.
    assert_eq!(
        ok(r#""VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6""#),
        ["VAR1=word1 word2", "VAR2=word3", "VAR3=$word 5 6"]
    );
    // systemd.service(5): `\;` is a literal semicolon argument.
    assert_eq!(
        ok(r"echo / >/dev/null & \; ls"),
        ["echo", "/", ">/dev/null", "&", ";", "ls"]
    );
    assert_eq!(ok(r#"'two two' "" a"b c"d"#), ["two two", "", "ab cd"]);
    assert_eq!(
        ok(r"a\sb \x41\101\u00e9\U0001F980 'x\ty'"),
        ["a b", "AAé🦀", "x\ty"]
    );
    assert_eq!(ok(r"\xc3\xa9 \303\251"), ["é", "é"]);
    assert_eq!(ok(" \t lead  trail \t "), ["lead", "trail"]);
    assert_eq!(ok(r#"'a\'b' "c\"d""#), ["a'b", "c\"d"]);
    assert_eq!(unquote_words("%%n $$X", true).unwrap(), ["%n", "$X"]);
    assert_eq!(unquote_words("$X", false).unwrap(), ["$X"]);
    for bad in [
        r"\q",
        r"\x4",
        r"\x00",
        r"\000",
        r"\400",
        r"\u0000",
        r"\UFFFFFFFF",
        r"\ud800",
        "a\\",
        "\"open",
        "'open",
        "; x",
        "a ;",
        r"\xff",
        "%n",
        "%",
    ] {
        assert!(unquote_words(bad, false).is_err(), "{bad:?}");
    }
    assert!(unquote_words("$X", true).is_err());
    assert!(unquote_words("a $", true).is_err());
    assert_eq!(unquote_words("\";\" x", true).unwrap(), [";", "x"]);
    assert_eq!(unquote_words("x \";\"", true).unwrap(), ["x", ";"]);
}

#[test]
fn quadlet_sections_double_dollars_in_every_value_kind() {
    let text = IniValue::Text("a ${X} $Y 5%".into());
    let raw = render_raw("Container", "HealthCmd", text.clone()).unwrap();
    assert_eq!(raw, "a $${X} $$Y 5%%");
    assert_eq!(unquote_quadlet_text(&raw).unwrap(), "a ${X} $Y 5%");
    assert!(unquote_quadlet_text("$X").is_err());
    // Outside Quadlet sections Text keeps `$`.
    assert_eq!(
        render_raw("Unit", "Description", text).unwrap(),
        "a ${X} $Y 5%%"
    );
    let env = IniValue::Assignment {
        name: "A".into(),
        value: "p${W}d".into(),
    };
    let raw = render_raw("Container", "Environment", env.clone()).unwrap();
    assert_eq!(raw, r#""A=p$${W}d""#);
    assert_eq!(unquote_words(&raw, true).unwrap(), ["A=p${W}d"]);
    assert_eq!(
        render_raw("Service", "Environment", env).unwrap(),
        r#""A=p${W}d""#
    );
    let words = IniValue::Words(vec!["k=$v".into()]);
    let raw = render_raw("Container", "Label", words).unwrap();
    assert_eq!(unquote_words(&raw, true).unwrap(), ["k=$v"]);
}

#[test]
fn unquote_text_undoes_percent_only() {
    assert_eq!(
        unquote_text(r#"100%% "q" \n $x"#).unwrap(),
        r#"100% "q" \n $x"#
    );
    assert!(unquote_text("%n").is_err());
    assert!(unquote_text("50%").is_err());
}

#[test]
fn errors_display() {
    let e = IniError::ControlCharacter {
        key: "K".into(),
        index: 2,
        ch: '\n',
    };
    assert_eq!(
        e.to_string(),
        "value of K= contains control character '\\n' at byte 2"
    );
    assert!(
        IniError::InvalidKey("a b".into())
            .to_string()
            .contains("\"a b\"")
    );
}

/// Manual check against real systemd (not run by default):
/// `cargo test -p stackc-backends systemd::ini::tests::systemd_analyze_verify -- --ignored --nocapture`.
/// Needs `systemd-analyze` and `/usr/bin/podman` (verify checks the executable exists).
#[test]
#[ignore = "manual: runs systemd-analyze verify on a rendered unit"]
fn systemd_analyze_verify() {
    let argv: Vec<String> = ["/usr/bin/podman", "run", "--rm", "--name", "hostile"]
        .into_iter()
        .map(str::to_owned)
        .chain(
            HOSTILE
                .iter()
                .filter(|(_, expect, _)| *expect == RoundTrip)
                .map(|(value, _, _)| (*value).to_owned()),
        )
        .collect();
    let mut unit = Section::new("Unit");
    unit.push(
        "Description",
        IniValue::Text("stackc hostile 100% \"quoted\" ; # test".into()),
    )
    .push(
        "After",
        IniValue::Words(vec!["network-online.target".into()]),
    );
    let mut service = Section::new("Service");
    service.push("Type", IniValue::Text("oneshot".into()));
    for (index, &(value, expect, _)) in HOSTILE.iter().enumerate() {
        if expect == RoundTrip {
            service.push(
                "Environment",
                IniValue::Assignment {
                    name: format!("HOSTILE_{index}"),
                    value: value.to_owned(),
                },
            );
        }
    }
    service.push("ExecStart", IniValue::Command(argv));
    let mut install = Section::new("Install");
    install.push(
        "WantedBy",
        IniValue::Words(vec!["multi-user.target".into()]),
    );
    let file = UnitFile {
        header_comment: vec!["stackc hostile-value check".into()],
        sections: vec![unit, service, install],
    };
    let dir = std::env::temp_dir().join("stackc-ini-verify");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stackc-hostile.service");
    std::fs::write(&path, file.render().unwrap()).unwrap();
    let output = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!(
        "unit: {}\nstatus: {}\nstderr:\n{stderr}",
        path.display(),
        output.status
    );
    assert!(output.status.success(), "systemd-analyze failed: {stderr}");
    assert!(!stderr.contains("Unknown key"), "{stderr}");
    assert!(!stderr.contains("Invalid"), "{stderr}");
}

/// A multi-line `sh -c` script as compose files write it: newlines, a tab, both
/// quotes, a backslash, `$` and `%`.
const SCRIPT: &str = "set -e\nif [ -n \"$X\" ]; then\n\techo 'it''s' 100% \\\\\nfi\n";

#[test]
fn newline_stays_refused_outside_command_arguments() {
    let assignment = IniValue::Assignment {
        name: "A".into(),
        value: "a\nb".into(),
    };
    assert!(matches!(
        render_raw("Service", "Environment", assignment),
        Err(IniError::ControlCharacter {
            index: 1,
            ch: '\n',
            ..
        })
    ));
    assert!(matches!(
        render_raw("Unit", "Description", IniValue::Text("a\nb".into())),
        Err(IniError::ControlCharacter {
            index: 1,
            ch: '\n',
            ..
        })
    ));
    // systemd refuses control characters in the executable itself.
    assert!(matches!(
        render_raw("Service", "ExecStart", command(&["/bin/a\nb"])),
        Err(IniError::Unrepresentable { .. })
    ));
    // A carriage return is still refused inside an argument.
    assert!(matches!(
        render_raw("Service", "ExecStart", command(&["/bin/sh", "a\r\nb"])),
        Err(IniError::ControlCharacter {
            index: 1,
            ch: '\r',
            ..
        })
    ));
}

#[test]
fn multi_line_argument_passes_systemd_analyze_verify() {
    let argv = command(&["/usr/bin/podman", "run", "--rm", "img", "sh", "-c", SCRIPT]);
    let mut service = Section::new("Service");
    service.push("ExecStart", argv.clone());
    let file = UnitFile {
        header_comment: Vec::new(),
        sections: vec![service],
    };
    let text = file.render().unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let entries = parse(&text).unwrap();
    let IniValue::Command(expected) = argv else {
        unreachable!()
    };
    assert_eq!(unquote_words(&entries[0].2, true).unwrap(), expected);
    let dir = std::env::temp_dir().join(format!("stackc-ini-newline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stackc-newline.service");
    std::fs::write(&path, &text).unwrap();
    let output = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}\n{stderr}");
    assert!(stderr.trim().is_empty(), "{text}\n{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Podman 5.4's Quadlet generator, installed by `cargo xtask` beside the other validators.
fn quadlet_generator() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/validators/quadlet/usr/libexec/podman/quadlet")
}

#[test]
fn multi_line_argument_reaches_podman_through_quadlet() {
    let exec = ["sh", "-c", SCRIPT, "arg\ntwo"];
    let mut container = Section::new("Container");
    container
        .push("Image", IniValue::Text("docker.io/library/alpine:3".into()))
        .push("Exec", command(&exec));
    let file = UnitFile {
        header_comment: Vec::new(),
        sections: vec![container],
    };
    let dir = std::env::temp_dir().join(format!("stackc-quadlet-newline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nl.container"), file.render().unwrap()).unwrap();
    let output = std::process::Command::new(quadlet_generator())
        .arg("-dryrun")
        .env("QUADLET_UNIT_DIRS", &dir)
        .output()
        .expect("the Quadlet generator runs (target/validators/quadlet)");
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let generated = stdout
        .split_once("---nl.service---\n")
        .map(|(_, unit)| unit)
        .unwrap_or_else(|| panic!("no nl.service in {stdout}"));
    let entries = parse(generated).unwrap();
    let exec_start: Vec<_> = entries
        .iter()
        .filter(|(section, key, _)| section == "Service" && key == "ExecStart")
        .collect();
    assert_eq!(exec_start.len(), 1, "{generated}");
    // Podman's own options carry specifiers (`%N`, `%t`): read the words after the image.
    let raw = &exec_start[0].2;
    let (_, after_image) = raw
        .split_once(" docker.io/library/alpine:3 ")
        .unwrap_or_else(|| panic!("{raw}"));
    assert_eq!(unquote_words(after_image, true).unwrap(), exec, "{raw}");
}
