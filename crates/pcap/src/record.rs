//! What the reader hands out: packet records, their timestamps and the file format.

/// One captured packet, borrowed from the reader's buffer (zero-copy).
///
/// The record stays valid until the next call to
/// [`CaptureReader::next_record`](crate::CaptureReader::next_record).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// 0-based packet number in the file (counts packet records only, not other blocks).
    pub index: u64,
    /// Capture time; `None` for pcapng Simple Packet Blocks, which carry none.
    pub timestamp: Option<Timestamp>,
    /// `LINKTYPE_` number as written in the file (1 Ethernet, 101 raw IP, 113 Linux SLL, ...);
    /// per interface for pcapng. For legacy pcap only the low 16 bits of the header's link-type
    /// field are kept; the upper bits carry FCS information, not the link type.
    pub link_type: u32,
    /// pcapng interface id; 0 for legacy pcap and for Simple Packet Blocks.
    pub interface: u32,
    /// Length of the packet on the wire.
    pub original_len: u32,
    /// Captured bytes (may be shorter than `original_len` when the capture was cut by a
    /// snapshot length).
    pub data: &'a [u8],
}

/// A point in time, as seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Whole seconds since the Unix epoch.
    pub secs: u64,
    /// Nanoseconds within the second, always below 1 000 000 000 when built by this crate.
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp, carrying whole seconds out of `nanos` (saturating at `u64::MAX`).
    ///
    /// ```
    /// use swyx_pcap::Timestamp;
    /// let t = Timestamp::new(1, 2_500_000_000);
    /// assert_eq!(t, Timestamp { secs: 3, nanos: 500_000_000 });
    /// ```
    pub fn new(secs: u64, nanos: u32) -> Self {
        Timestamp {
            secs: secs.saturating_add(u64::from(nanos / NANOS_PER_SEC)),
            nanos: nanos % NANOS_PER_SEC,
        }
    }

    /// Nanoseconds since the Unix epoch.
    ///
    /// ```
    /// use swyx_pcap::Timestamp;
    /// assert_eq!(Timestamp { secs: 2, nanos: 5 }.as_nanos(), 2_000_000_005);
    /// ```
    pub fn as_nanos(&self) -> u128 {
        u128::from(self.secs) * u128::from(NANOS_PER_SEC) + u128::from(self.nanos)
    }

    /// Seconds since the Unix epoch as a floating-point number (loses precision below the
    /// microsecond for present-day dates).
    ///
    /// ```
    /// use swyx_pcap::Timestamp;
    /// assert_eq!(Timestamp { secs: 2, nanos: 500_000_000 }.as_secs_f64(), 2.5);
    /// ```
    pub fn as_secs_f64(&self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / f64::from(NANOS_PER_SEC)
    }
}

pub(crate) const NANOS_PER_SEC: u32 = 1_000_000_000;

/// The container format of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Legacy libpcap format. The rare "modified" (Kuznetsov) variant is reported as
    /// microsecond pcap of its byte order.
    Pcap {
        /// The file was written in big-endian byte order.
        big_endian: bool,
        /// Timestamps carry nanoseconds (magic `a1b23c4d`) rather than microseconds.
        nanosecond: bool,
    },
    /// pcapng (byte order and time resolution may vary per section and per interface).
    PcapNg,
}
