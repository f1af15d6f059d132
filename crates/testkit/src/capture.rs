//! Capture files written in memory, for the reader's tests and the shipped capture.
//!
//! ```
//! use swyx_testkit::capture::PcapWriter;
//! let mut writer = PcapWriter::new(1); // Ethernet
//! writer.record(1_000_000, &[0; 60]);
//! assert_eq!(writer.into_bytes().len(), 24 + 16 + 60);
//! ```

/// A legacy pcap writer (microsecond, little-endian) into a `Vec<u8>`.
#[derive(Debug, Clone)]
pub struct PcapWriter {
    bytes: Vec<u8>,
}

impl PcapWriter {
    /// A file with link type `linktype` and snapshot length 262144.
    pub fn new(linktype: u32) -> PcapWriter {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&262_144u32.to_le_bytes());
        bytes.extend_from_slice(&linktype.to_le_bytes());
        PcapWriter { bytes }
    }

    /// Appends a record at `micros` microseconds since the epoch.
    pub fn record(&mut self, micros: u64, data: &[u8]) {
        self.bytes
            .extend_from_slice(&((micros / 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&((micros % 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(data);
    }

    /// The file's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}
