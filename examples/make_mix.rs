//! Writes a large capture of the SwyxWare traffic mix, for throughput and memory measurements.
//!
//! ```text
//! cargo run --release --example make_mix -- /tmp/mix.pcap 1000000
//! cargo run --release --example make_mix -- /tmp/scan.pcap 5000000 distinct   # a flow per packet
//! ```

use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(packets)) =
        (args.next(), args.next().and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: make_mix FILE PACKETS [distinct]");
        return ExitCode::from(2);
    };
    let distinct = args.next().as_deref() == Some("distinct");
    let result = File::create(&path).and_then(|file| {
        if distinct {
            swyx_testkit::mix::write_distinct_flows_capture(file, packets)
        } else {
            swyx_testkit::mix::write_mix_capture(file, packets)
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{path}: {error}");
            ExitCode::FAILURE
        }
    }
}
