//! A [`Sink`] that keeps everything the flow tracker hands out, for tests.

use swyx_classify::Classifier;
use swyx_flow::{Config, FlowRecord, PacketVerdict, Sink, Tracker};

/// Every packet verdict and flow row the tracker handed out, in the order it did.
///
/// ```
/// use swyx_classify::classify;
/// use swyx_flow::Tracker;
/// use swyx_testkit::{payload, Collect, FrameSpec};
///
/// let frame = FrameSpec::udp([10, 1, 1, 20], [10, 1, 1, 10], 5070, 5060, payload::sip_invite()).ethernet();
/// let mut tracker = Tracker::swyxware_2013();
/// let mut out = Collect::default();
/// tracker.push(0, 0, frame.len() as u32, &classify(&frame), &mut out);
/// tracker.finish(&mut out);
/// assert_eq!((out.packets.len(), out.flows.len()), (1, 1));
/// ```
#[derive(Debug, Default, Clone)]
pub struct Collect {
    /// The packets, in the order handed out.
    pub packets: Vec<PacketVerdict>,
    /// The flow rows, in the order handed out.
    pub flows: Vec<FlowRecord>,
}

impl Sink for Collect {
    fn packet(&mut self, packet: &PacketVerdict) {
        self.packets.push(*packet);
    }

    fn flow(&mut self, flow: &FlowRecord) {
        self.flows.push(*flow);
    }
}

impl Collect {
    /// `frames` (Ethernet, one every `step_ns` of capture time) through a tracker with
    /// `config`, to its end; checks that every packet came out once, in capture order.
    pub fn track(config: Config, frames: &[Vec<u8>], step_ns: u64) -> Collect {
        Collect::run(
            Tracker::new(Classifier::swyxware_2013(), config),
            frames,
            step_ns,
        )
    }

    /// As [`Collect::track`], through `tracker` (one with a site inventory, another table).
    pub fn run(mut tracker: Tracker<'_>, frames: &[Vec<u8>], step_ns: u64) -> Collect {
        let classifier = *tracker.classifier();
        let mut out = Collect::default();
        for (i, frame) in frames.iter().enumerate() {
            let time = i as u64 * step_ns;
            tracker.push(
                i as u64,
                time,
                frame.len() as u32,
                &classifier.classify(frame),
                &mut out,
            );
        }
        tracker.finish(&mut out);
        assert_eq!(
            out.packets.len(),
            frames.len(),
            "every packet handed out once"
        );
        for (i, packet) in out.packets.iter().enumerate() {
            assert_eq!(packet.index, i as u64, "in capture order");
        }
        out
    }
}
