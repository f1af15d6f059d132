//! What the benches print after criterion's summary: the speed ratios their targets are
//! stated in, from the estimates criterion wrote in the same run.

use std::path::PathBuf;
use std::time::SystemTime;

/// Prints, for each `(fast, slow, target)` of criterion group `group`, how many times faster
/// `fast` ran than `slow` in this run (estimates written since `started`), and whether
/// `target` (0 for none) was met. Functions without a fresh estimate are skipped.
pub fn report_ratios(group: &str, pairs: &[(&str, &str, f64)], started: SystemTime) {
    let home = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()))
                .join("criterion")
        });
    let estimate = |function: &str| -> Option<f64> {
        let path = home.join(group).join(function).join("new/estimates.json");
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= started);
        if !fresh {
            return None;
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
        // The estimate criterion prints: the slope of the linear sampling, else the mean.
        json["slope"]["point_estimate"]
            .as_f64()
            .or_else(|| json["mean"]["point_estimate"].as_f64())
    };
    println!("\n{group}: speed ratios in this run (how many times faster the first runs)");
    for &(fast, slow, target) in pairs {
        let (Some(fast_time), Some(slow_time)) = (estimate(fast), estimate(slow)) else {
            continue;
        };
        let ratio = slow_time / fast_time;
        let verdict = if target == 0.0 {
            String::new()
        } else if ratio >= target {
            format!(" (target {target}x: met)")
        } else {
            format!(" (target {target}x: not met)")
        };
        println!("  {ratio:6.2}x  {fast} against {slow}{verdict}");
    }
}
