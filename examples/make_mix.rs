//! Writes a large capture of the SwyxWare traffic mix, for throughput and memory measurements.
//!
//! ```text
//! cargo run --release --example make_mix -- /tmp/mix.pcap 1000000
//! ```

use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(packets)) =
        (args.next(), args.next().and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: make_mix FILE PACKETS");
        return ExitCode::from(2);
    };
    let result =
        File::create(&path).and_then(|file| swyx_testkit::mix::write_mix_capture(file, packets));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{path}: {error}");
            ExitCode::FAILURE
        }
    }
}
