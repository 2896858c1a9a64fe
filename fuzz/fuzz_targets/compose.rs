//! Bytes as a compose file → compose frontend → every backend: diagnostics or files, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stackc_backends::fuzzing::compose(data);
});
