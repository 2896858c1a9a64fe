//! Bytes → spec parser: diagnostics or a spec, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stackc_backends::fuzzing::parse_spec(data);
});
