#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| swyx_testkit::fuzz::flow_tracker(data));
