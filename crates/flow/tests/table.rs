//! The flow table with more flows than a cache holds, where the tracker fetches entries and
//! flows ahead of time: the hints change nothing it hands out.

use swyx_classify::{classify, Classification};
use swyx_flow::{Config, Tracker};
use swyx_testkit::mix::distinct_flow_frame;
use swyx_testkit::Collect;

/// `frames` through a tracker with `config`, each packet preceded (when `ahead` is some) by
/// a prefetch of the packet that many places later.
fn run(config: Config, frames: &[Vec<u8>], ahead: Option<usize>) -> (Collect, u64) {
    let classified: Vec<Classification<'_>> = frames.iter().map(|f| classify(f)).collect();
    let mut tracker = Tracker::new(swyx_classify::Classifier::swyxware_2013(), config);
    let mut out = Collect::default();
    for (i, classification) in classified.iter().enumerate() {
        if let Some(later) = ahead.and_then(|ahead| classified.get(i + ahead)) {
            tracker.prefetch(later);
        }
        let len = frames[i].len() as u32;
        tracker.push(i as u64, i as u64 * 10_000, len, classification, &mut out);
    }
    tracker.finish(&mut out);
    (out, tracker.stats().evicted)
}

#[test]
fn fetching_ahead_changes_nothing_on_a_full_table() {
    // A scan of 40,000 flows: past the 16,384 flows from which `prefetch` works, and, in a
    // 16 MiB budget, past what the table holds, so that flows are evicted (and their entries
    // and flows fetched ahead) while the lookahead runs.
    let frames: Vec<Vec<u8>> = (0..40_000).map(distinct_flow_frame).collect();
    let mut small = Config::default();
    small.memory_budget = 16 << 20;
    assert!(
        Tracker::new(swyx_classify::Classifier::swyxware_2013(), small)
            .stats()
            .max_flows
            > 16_384
    );
    for config in [Config::default(), small] {
        let (plain, evicted) = run(config, &frames, None);
        let (fetched, evicted_too) = run(config, &frames, Some(8));
        assert_eq!(plain.packets.len(), frames.len());
        assert_eq!(plain.packets, fetched.packets);
        assert_eq!(plain.flows, fetched.flows);
        assert_eq!(evicted, evicted_too);
        if config.memory_budget == 16 << 20 {
            assert!(evicted > 20_000, "{evicted} evicted");
        }
    }
}
