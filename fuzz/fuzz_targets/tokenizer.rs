#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nunchi_fuzzing::tokenizer(data));
