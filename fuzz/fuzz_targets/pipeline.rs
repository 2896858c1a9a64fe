//! Bytes → parse → resolve → validate → every backend: diagnostics or files, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stackc_backends::fuzzing::pipeline(data);
});
