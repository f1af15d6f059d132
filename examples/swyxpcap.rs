//! `swyxpcap`: labels every packet of pcap / pcapng captures with its SwyxWare protocol and
//! component, and sums them up.
//!
//! ```text
//! cargo run --release --example swyxpcap                       # the shipped capture
//! cargo run --release --example swyxpcap -- site.pcapng        # a summary a person reads
//! cargo run --release --example swyxpcap -- --format json site.pcap
//! cargo run --release --example swyxpcap -- --packets site.pcap | head
//! cargo run --release --example swyxpcap -- --flows --format csv site.pcap
//! ```
//!
//! Memory stays bounded by the reader's buffer, one batch buffer per thread and the flow
//! tables, which grow with the number of flows, not with the file: each thread counts into its
//! own table until they are merged, so a capture of many flows takes up to one table per
//! thread (`--threads 1` for the least memory). A truncated or corrupt file gives the summary of every
//! complete packet before the damage, then the error (byte offset and record number) on
//! stderr, and exit status 1.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ahash::RandomState;
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use swyx_traffic::classify::{
    Classification, Classifier, Component, Label, LinkType, Outcome, Packet, Reason, Transport,
};
use swyx_traffic::pcap::{CaptureError, CaptureReader, Format, ReaderOptions, Timestamp};

/// Files above this size get a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 64 * 1024 * 1024;

/// The progress bar moves every this many packets.
const PROGRESS_EVERY: u64 = 8192;

/// The reader's buffer: each read of the file fills it.
const READ_BUFFER: usize = 1024 * 1024;

/// Most threads used without `--threads`.
const MAX_DEFAULT_THREADS: usize = 4;

/// Packet bytes copied into one batch before it is classified (a record that does not fit
/// still goes in whole: the batch buffer grows for it, and shrinks back afterwards).
const BATCH_BYTES: usize = 1024 * 1024;

/// Most packets in one batch (bounds the per-packet table of a batch of tiny packets).
const BATCH_RECORDS: usize = 16 * 1024;

/// Label SwyxWare traffic in pcap and pcapng captures.
#[derive(Debug, Parser)]
#[command(name = "swyxpcap", version)]
struct Args {
    /// Capture files (pcap or pcapng); without one, the capture shipped with the project.
    files: Vec<PathBuf>,
    /// One JSON line per packet, in file order, instead of the summary.
    #[arg(long, conflicts_with = "flows")]
    packets: bool,
    /// One row per flow (bidirectional 5-tuple) instead of the summary.
    #[arg(long)]
    flows: bool,
    /// Machine output: JSON lines or CSV (for the summary, the packets and the flows).
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Threads that classify the packets (default: one per core, at most 4; 1 reads and
    /// classifies on the main thread alone). The output is the same whatever the number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Json,
    Csv,
}

/// What went wrong with one file.
enum Failure {
    /// The output could not be written: stop everything.
    Output(io::Error),
    /// The file could not be read (to its end); reported, and the exit status is 1.
    Input,
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure {
        Failure::Output(error)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let files = if args.files.is_empty() {
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/swyx-office.pcap")]
    } else {
        args.files.clone()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut status = ExitCode::SUCCESS;
    let mut first = true;
    for path in &files {
        let result = analyse_file(path, &args, first, &mut out).and_then(|()| Ok(out.flush()?));
        first = false;
        match result {
            Ok(()) => {}
            Err(Failure::Input) => status = ExitCode::FAILURE,
            Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
                // The reader of our output went away (`| head`): nothing left to do.
                return status;
            }
            Err(Failure::Output(error)) => {
                eprintln!("swyxpcap: writing the output failed: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    status
}

/// Reads one file to its end (or its first error) and writes what the options ask for.
fn analyse_file(
    path: &Path,
    args: &Args,
    first: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let shown = path.display().to_string();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => {
            out.flush()?;
            eprintln!("swyxpcap: cannot open {shown}: {error}");
            return Err(Failure::Input);
        }
    };
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Reads of 1 MiB: fewer system calls than the default 64 KiB, for a MiB of memory.
    let options = ReaderOptions {
        initial_buffer: READ_BUFFER,
        ..ReaderOptions::default()
    };
    let mut reader = match CaptureReader::with_options(file, options) {
        Ok(reader) => reader,
        Err(error) => {
            out.flush()?;
            eprintln!("swyxpcap: {shown}: {error}");
            return Err(Failure::Input);
        }
    };
    let progress = (io::stderr().is_terminal() && file_len > PROGRESS_THRESHOLD).then(|| {
        let bar = ProgressBar::new(file_len);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    });

    let mut analysis = Analysis::new(shown.clone(), format_name(reader.format()));
    let started = Instant::now();
    let threads = args.threads.map_or_else(default_threads, usize::from);
    let error = if args.packets || threads <= 1 {
        read_sequential(
            &mut reader,
            &mut analysis,
            args.packets
                .then(|| args.format.unwrap_or(OutputFormat::Json)),
            first,
            progress.as_ref(),
            out,
        )?
    } else {
        read_parallel(&mut reader, &mut analysis, threads, progress.as_ref())
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    analysis.elapsed = started.elapsed();
    analysis.bytes_read = reader.bytes_consumed();
    analysis.error = error.as_ref().map(CaptureError::to_string);

    if args.flows {
        analysis.write_flows(out, args.format.unwrap_or(OutputFormat::Json), first)?;
    } else if !args.packets {
        match args.format {
            None => analysis.write_human(out, first)?,
            Some(OutputFormat::Json) => analysis.write_summary_json(out)?,
            Some(OutputFormat::Csv) => analysis.write_summary_csv(out, first)?,
        }
    }
    match error {
        None => Ok(()),
        Some(error) => {
            out.flush()?;
            eprintln!("swyxpcap: {shown}: {error}");
            Err(Failure::Input)
        }
    }
}

/// One thread per core, at most [`MAX_DEFAULT_THREADS`].
fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_DEFAULT_THREADS)
}

/// Reads, classifies and counts every record on this thread; with `packet_lines`, writes one
/// line per packet as it goes. Returns the error that stopped the reading, if any.
fn read_sequential<R: Read>(
    reader: &mut CaptureReader<R>,
    analysis: &mut Analysis,
    packet_lines: Option<OutputFormat>,
    first: bool,
    progress: Option<&ProgressBar>,
    out: &mut impl Write,
) -> Result<Option<CaptureError>, Failure> {
    let classifier = Classifier::swyxware_2013();
    if packet_lines == Some(OutputFormat::Csv) && first {
        writeln!(out, "{}", PacketLine::CSV_HEADER)?;
    }
    let mut line = String::with_capacity(512);
    loop {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(None),
            Err(error) => return Ok(Some(error)),
        };
        let result = classify_record(&classifier, record.link_type, record.data);
        analysis.add(record.index, record.timestamp, record.original_len, &result);
        match packet_lines {
            Some(OutputFormat::Json) => {
                serde_json::to_writer(
                    &mut *out,
                    &PacketLine::new(record.index, record.timestamp, record.original_len, &result),
                )
                .map_err(io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Some(OutputFormat::Csv) => {
                line.clear();
                PacketLine::new(record.index, record.timestamp, record.original_len, &result)
                    .csv(&mut line);
                out.write_all(line.as_bytes())?;
            }
            None => {}
        }
        if let Some(bar) = progress {
            if record.index % PROGRESS_EVERY == 0 {
                bar.set_position(reader.bytes_consumed());
            }
        }
    }
}

#[inline]
fn classify_record<'a>(
    classifier: &Classifier<'_>,
    link_type: u32,
    data: &'a [u8],
) -> Classification<'a> {
    match LinkType::from_linktype(link_type) {
        Some(link) => classifier.classify_link(link, data),
        None => Classification {
            packet: None,
            outcome: Outcome::Unclassified(Reason::NotIp),
        },
    }
}

/// Reads on the threads in turn, each classifying and counting the batch it read into its own
/// [`Analysis`], then merges the counts in. Returns the error that stopped the reading, if any.
///
/// Each thread takes the reader, copies the next [`BATCH_BYTES`] of packets into its own batch
/// buffer, hands the reader on and classifies the batch while another thread reads the next
/// one: reading (a third of the work) overlaps classification, every thread does both, and
/// memory stays at one batch buffer per thread. Batches are numbered by the reader, so a
/// thread sees its packets in file order and the merge can restore the file order of every
/// flow (see [`Analysis::merge`]).
fn read_parallel<R: Read + Send>(
    reader: &mut CaptureReader<R>,
    analysis: &mut Analysis,
    threads: usize,
    progress: Option<&ProgressBar>,
) -> Option<CaptureError> {
    struct Shared<'r, R: Read> {
        reader: &'r mut CaptureReader<R>,
        done: bool,
        error: Option<CaptureError>,
    }
    let shared = Mutex::new(Shared {
        reader,
        done: false,
        error: None,
    });
    let classifier = Classifier::swyxware_2013();
    let work = |analysis: &mut Analysis| {
        let mut batch = Batch::new();
        loop {
            {
                let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
                let shared = &mut *guard;
                if shared.done {
                    return;
                }
                match batch.fill(shared.reader, progress) {
                    Ok(true) => {}
                    Ok(false) => shared.done = true,
                    Err(error) => {
                        shared.done = true;
                        shared.error = Some(error);
                    }
                }
            }
            batch.classify(&classifier, analysis);
        }
    };
    let partials: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut partial = Analysis::new(String::new(), String::new());
                    work(&mut partial);
                    partial
                })
            })
            .collect();
        work(analysis);
        handles.into_iter().map(|handle| handle.join()).collect()
    });
    for partial in partials {
        match partial {
            Ok(partial) => analysis.merge(partial),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    shared
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .error
}

/// Consecutive packets of the file, copied out of the reader's buffer.
struct Batch {
    /// Index of the first packet in the file.
    first_index: u64,
    /// The packets' captured bytes, one after the other.
    data: Vec<u8>,
    records: Vec<BatchRecord>,
}

/// One packet of a [`Batch`].
struct BatchRecord {
    timestamp: Timestamp,
    original_len: u32,
    link_type: u32,
    /// End of the packet's bytes in [`Batch::data`] (it starts where the previous one ends).
    end: usize,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            first_index: 0,
            data: Vec::with_capacity(BATCH_BYTES + 64 * 1024),
            records: Vec::with_capacity(BATCH_RECORDS),
        }
    }

    /// Replaces the contents with the next packets of `reader`. `Ok(false)` at the end of the
    /// file. The packets read before an end or an error stay in the batch.
    fn fill<R: Read>(
        &mut self,
        reader: &mut CaptureReader<R>,
        progress: Option<&ProgressBar>,
    ) -> Result<bool, CaptureError> {
        self.data.clear();
        self.records.clear();
        if self.data.capacity() > 4 * BATCH_BYTES {
            // A huge record passed through: give the memory back.
            self.data.shrink_to(BATCH_BYTES + 64 * 1024);
        }
        while self.data.len() < BATCH_BYTES && self.records.len() < BATCH_RECORDS {
            let Some(record) = reader.next_record()? else {
                return Ok(false);
            };
            if self.records.is_empty() {
                self.first_index = record.index;
            }
            self.data.extend_from_slice(record.data);
            self.records.push(BatchRecord {
                timestamp: record.timestamp,
                original_len: record.original_len,
                link_type: record.link_type,
                end: self.data.len(),
            });
            if let Some(bar) = progress {
                if record.index % PROGRESS_EVERY == 0 {
                    bar.set_position(reader.bytes_consumed());
                }
            }
        }
        Ok(true)
    }

    /// Classifies and counts every packet of the batch, in order.
    fn classify(&self, classifier: &Classifier<'_>, analysis: &mut Analysis) {
        let mut start = 0;
        for (index, record) in (self.first_index..).zip(&self.records) {
            let data = self.data.get(start..record.end).unwrap_or_default();
            start = record.end;
            let result = classify_record(classifier, record.link_type, data);
            analysis.add(index, record.timestamp, record.original_len, &result);
        }
    }
}

fn format_name(format: Format) -> String {
    match format {
        Format::Pcap {
            big_endian,
            nanosecond,
        } => format!(
            "pcap ({}, {} timestamps)",
            if big_endian {
                "big-endian"
            } else {
                "little-endian"
            },
            if nanosecond {
                "nanosecond"
            } else {
                "microsecond"
            }
        ),
        Format::PcapNg => "pcapng".to_owned(),
    }
}

/// Packets and bytes (on the wire).
#[derive(Debug, Default, Clone, Copy)]
struct Count {
    packets: u64,
    bytes: u64,
}

impl Count {
    #[inline]
    fn add(&mut self, bytes: u32) {
        self.packets += 1;
        self.bytes += u64::from(bytes);
    }

    fn merge(&mut self, other: Count) {
        self.packets += other.packets;
        self.bytes += other.bytes;
    }
}

/// A bidirectional 5-tuple: both endpoints in a canonical order, packed into five words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FlowKey {
    low: [u64; 2],
    high: [u64; 2],
    /// The low endpoint's port, the high endpoint's port, TCP, IPv6.
    rest: u64,
}

impl Hash for FlowKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.low[0]);
        state.write_u64(self.low[1]);
        state.write_u64(self.high[0]);
        state.write_u64(self.high[1]);
        state.write_u64(self.rest);
    }
}

impl FlowKey {
    /// The key of a packet from `src` to `dst`, and whether `src` is the low endpoint.
    #[inline]
    fn new(tcp: bool, src: Endpoint, dst: Endpoint) -> (FlowKey, bool) {
        let src_is_low = (src.address, src.port) <= (dst.address, dst.port);
        let (low, high) = if src_is_low { (src, dst) } else { (dst, src) };
        let split = |address: u128| [(address >> 64) as u64, address as u64];
        let key = FlowKey {
            low: split(low.address),
            high: split(high.address),
            rest: u64::from(low.port) << 32
                | u64::from(high.port) << 16
                | u64::from(tcp) << 1
                | u64::from(src.v6),
        };
        (key, src_is_low)
    }

    /// The key of `packet`'s flow, and whether its source is the low endpoint.
    fn of(packet: &Packet<'_>) -> (FlowKey, bool) {
        let src = Endpoint::new(packet.src_addr, packet.src_port);
        let dst = Endpoint::new(packet.dst_addr, packet.dst_port);
        FlowKey::new(packet.transport == Transport::Tcp, src, dst)
    }

    /// The same key in two words, for an IPv4 flow (the common case: a smaller table is a
    /// table that stays in the cache).
    #[inline]
    fn compact(&self) -> Option<CompactKey> {
        let v4 = self.rest & 1 == 0
            && self.low[0] == 0
            && self.high[0] == 0
            && self.low[1] >> 32 == 0
            && self.high[1] >> 32 == 0;
        v4.then_some(CompactKey {
            addresses: self.low[1] << 32 | self.high[1],
            rest: self.rest,
        })
    }

    fn tcp(&self) -> bool {
        self.rest & 2 != 0
    }

    fn endpoint(&self, low: bool) -> Endpoint {
        let (words, port) = if low {
            (self.low, self.rest >> 32)
        } else {
            (self.high, self.rest >> 16)
        };
        Endpoint {
            v6: self.rest & 1 != 0,
            address: u128::from(words[0]) << 64 | u128::from(words[1]),
            port: port as u16,
        }
    }
}

/// A [`FlowKey`] of IPv4 endpoints: both addresses in one word, the same `rest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CompactKey {
    addresses: u64,
    rest: u64,
}

impl CompactKey {
    /// `rest` of an empty table slot: no key has it (bits 2 to 15 and 48 to 63 of a key's
    /// `rest` are 0).
    const EMPTY: u64 = u64::MAX;
    /// `rest` of an IPv6 flow's key, whose `addresses` is the flow's number.
    const V6: u64 = 1 << 2;
}

impl CompactKey {
    /// The key of an IPv4 packet from `src` to `dst` (what [`FlowKey::new`] then
    /// [`FlowKey::compact`] give, without the detour), and whether `src` is the low endpoint.
    #[inline]
    fn v4(tcp: bool, src: (u32, u16), dst: (u32, u16)) -> (CompactKey, bool) {
        let src_is_low = src <= dst;
        let (low, high) = if src_is_low { (src, dst) } else { (dst, src) };
        let key = CompactKey {
            addresses: u64::from(low.0) << 32 | u64::from(high.0),
            rest: u64::from(low.1) << 32 | u64::from(high.1) << 16 | u64::from(tcp) << 1,
        };
        (key, src_is_low)
    }
}

/// An address (IPv4 in the low 32 bits) and a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Endpoint {
    v6: bool,
    address: u128,
    port: u16,
}

impl Endpoint {
    #[inline]
    fn new(address: &[u8], port: u16) -> Endpoint {
        let (v6, address) = if let Ok(v4) = <[u8; 4]>::try_from(address) {
            (false, u128::from(u32::from_be_bytes(v4)))
        } else if let Ok(v6) = <[u8; 16]>::try_from(address) {
            (true, u128::from_be_bytes(v6))
        } else {
            (false, 0)
        };
        Endpoint { v6, address, port }
    }

    fn ip(&self) -> IpAddr {
        if self.v6 {
            IpAddr::from(self.address.to_be_bytes())
        } else {
            IpAddr::from((self.address as u32).to_be_bytes())
        }
    }
}

/// Everything known about one flow. Every field is defined by the file order of the flow's
/// packets, so that counts made over parts of the file merge exactly.
#[derive(Debug, Clone, Copy)]
struct Flow {
    to_server: Count,
    to_client: Count,
    /// Capture times of the first and last packets, nanoseconds since the epoch.
    first: u64,
    last: u64,
    /// Index of the first packet, and of the first labelled one (`u64::MAX` when none).
    first_index: u64,
    decided_index: u64,
    /// Label, component and peer of the first labelled packet.
    decided: Option<Decided>,
    /// Why the first packet was unclassified, when it was.
    first_reason: Option<Reason>,
    /// Whether the first packet came from the key's low endpoint (the client).
    client_is_low: bool,
}

/// Label, component and peer of a labelled packet.
type Decided = (Label, Component, Option<Component>);

impl Flow {
    /// Adds `later`, the same flow counted over other packets of the file, all of which come
    /// after this one's first packet.
    fn merge_later(&mut self, later: &Flow) {
        let (to_server, to_client) = if later.client_is_low == self.client_is_low {
            (later.to_server, later.to_client)
        } else {
            (later.to_client, later.to_server)
        };
        self.to_server.merge(to_server);
        self.to_client.merge(to_client);
        self.last = self.last.max(later.last);
        if later.decided_index < self.decided_index {
            self.decided_index = later.decided_index;
            self.decided = later.decided;
        }
    }
}

/// The part of a flow that its packets update, with its key: one cache line, so that
/// counting a packet touches one line of the table (the table is the tool's main cache load).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    key: CompactKey,
    to_server: Count,
    to_client: Count,
    last: u64,
    /// Index of the rest of the flow in [`FlowTable::cold`].
    cold: u32,
    decided: Option<Decided>,
    client_is_low: bool,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

impl Slot {
    const EMPTY: Slot = Slot {
        key: CompactKey {
            addresses: 0,
            rest: CompactKey::EMPTY,
        },
        to_server: Count {
            packets: 0,
            bytes: 0,
        },
        to_client: Count {
            packets: 0,
            bytes: 0,
        },
        last: 0,
        cold: 0,
        decided: None,
        client_is_low: false,
    };
}

/// The part of a flow that its later packets do not change (but for `decided_index`, set
/// once).
#[derive(Debug, Clone, Copy)]
struct Cold {
    key: FlowKey,
    first: u64,
    first_index: u64,
    decided_index: u64,
    first_reason: Option<Reason>,
}

/// The flows of a file: an open-addressing table (linear probing, at most half full) of
/// [`Slot`]s keyed by [`CompactKey`] (IPv6 flows get a number from a side table), and the
/// rest of every flow in an array, in the order the flows were first seen.
struct FlowTable {
    slots: Vec<Slot>,
    used: usize,
    /// Random keys of the slot hash (a flooded table must not be predictable).
    seeds: [u64; 3],
    v6: HashMap<FlowKey, u64, RandomState>,
    cold: Vec<Cold>,
}

impl FlowTable {
    const INITIAL_SLOTS: usize = 1024;

    fn new() -> FlowTable {
        FlowTable {
            slots: vec![Slot::EMPTY; Self::INITIAL_SLOTS],
            used: 0,
            seeds: {
                let random = RandomState::new();
                [
                    random.hash_one(1u8),
                    random.hash_one(2u8),
                    random.hash_one(3u8) | 1,
                ]
            },
            v6: HashMap::with_hasher(RandomState::new()),
            cold: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.cold.len()
    }

    /// The table key of `key`: itself packed for IPv4, a number for IPv6.
    #[inline]
    fn compact(&mut self, key: &FlowKey) -> CompactKey {
        match key.compact() {
            Some(compact) => compact,
            None => {
                let next = self.v6.len() as u64;
                CompactKey {
                    addresses: *self.v6.entry(*key).or_insert(next),
                    rest: CompactKey::V6,
                }
            }
        }
    }

    /// Where the search for `key` starts, in a table of `mask + 1` slots.
    #[inline]
    fn home(&self, key: CompactKey, mask: usize) -> usize {
        /// The folded multiply of aHash's fallback hasher.
        fn fold(a: u64, b: u64) -> u64 {
            let product = u128::from(a) * u128::from(b);
            product as u64 ^ (product >> 64) as u64
        }
        let hash = fold(
            fold(key.addresses ^ self.seeds[0], key.rest ^ self.seeds[1]),
            self.seeds[2],
        );
        hash as usize & mask
    }

    /// The slot holding `key`, or the empty slot where it goes (`false`), with room for it.
    #[inline]
    fn find(&mut self, key: CompactKey) -> (usize, bool) {
        loop {
            let mask = self.slots.len() - 1;
            let mut at = self.home(key, mask);
            loop {
                let slot = &self.slots[at];
                if slot.key == key {
                    return (at, true);
                }
                if slot.key.rest == CompactKey::EMPTY {
                    break;
                }
                at = (at + 1) & mask;
            }
            if (self.used + 1) * 2 <= self.slots.len() {
                return (at, false);
            }
            self.grow();
        }
    }

    fn grow(&mut self) {
        let doubled = vec![Slot::EMPTY; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for slot in old {
            if slot.key.rest == CompactKey::EMPTY {
                continue;
            }
            let mut at = self.home(slot.key, mask);
            while self.slots[at].key.rest != CompactKey::EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// Puts the new flow `flow` of `key` into the empty slot `at` that [`find`] gave.
    fn insert(&mut self, at: usize, compact: CompactKey, key: &FlowKey, flow: &Flow) {
        // Flows are counted in u32: memory runs out long before 2^32 flows.
        let cold = u32::try_from(self.cold.len()).unwrap_or(u32::MAX);
        self.cold.push(Cold {
            key: *key,
            first: flow.first,
            first_index: flow.first_index,
            decided_index: flow.decided_index,
            first_reason: flow.first_reason,
        });
        self.slots[at] = Slot {
            key: compact,
            to_server: flow.to_server,
            to_client: flow.to_client,
            last: flow.last,
            cold,
            decided: flow.decided,
            client_is_low: flow.client_is_low,
        };
        self.used += 1;
    }

    /// Counts one packet of its flow.
    #[inline]
    fn count(
        &mut self,
        packet: &Packet<'_>,
        index: u64,
        nanos: u64,
        wire_len: u32,
        decided: Option<Decided>,
        reason: Option<Reason>,
    ) {
        let tcp = packet.transport == Transport::Tcp;
        let v4 = (
            <[u8; 4]>::try_from(packet.src_addr),
            <[u8; 4]>::try_from(packet.dst_addr),
        );
        let (compact, src_is_low) = match v4 {
            (Ok(src), Ok(dst)) => CompactKey::v4(
                tcp,
                (u32::from_be_bytes(src), packet.src_port),
                (u32::from_be_bytes(dst), packet.dst_port),
            ),
            _ => {
                let (key, src_is_low) = FlowKey::of(packet);
                (self.compact(&key), src_is_low)
            }
        };
        let (at, found) = self.find(compact);
        if !found {
            let mut to_server = Count::default();
            to_server.add(wire_len);
            let flow = Flow {
                to_server,
                to_client: Count::default(),
                first: nanos,
                last: nanos,
                first_index: index,
                decided_index: if decided.is_some() { index } else { u64::MAX },
                decided,
                first_reason: reason,
                client_is_low: src_is_low,
            };
            self.insert(at, compact, &FlowKey::of(packet).0, &flow);
            return;
        }
        let slot = &mut self.slots[at];
        if src_is_low == slot.client_is_low {
            slot.to_server.add(wire_len);
        } else {
            slot.to_client.add(wire_len);
        }
        slot.last = slot.last.max(nanos);
        if slot.decided.is_none() && decided.is_some() {
            slot.decided = decided;
            if let Some(cold) = self.cold.get_mut(slot.cold as usize) {
                cold.decided_index = index;
            }
        }
    }

    /// Adds `theirs`, the flow `key` counted over other packets of the same file.
    fn merge(&mut self, key: &FlowKey, theirs: &Flow) {
        let compact = self.compact(key);
        let (at, found) = self.find(compact);
        if !found {
            self.insert(at, compact, key, theirs);
            return;
        }
        let slot = &mut self.slots[at];
        let Some(cold) = self.cold.get_mut(slot.cold as usize) else {
            return;
        };
        let mine = flow_of(slot, cold);
        let merged = if theirs.first_index < mine.first_index {
            let mut merged = *theirs;
            merged.merge_later(&mine);
            merged
        } else {
            let mut merged = mine;
            merged.merge_later(theirs);
            merged
        };
        slot.to_server = merged.to_server;
        slot.to_client = merged.to_client;
        slot.last = merged.last;
        slot.decided = merged.decided;
        slot.client_is_low = merged.client_is_low;
        cold.first = merged.first;
        cold.first_index = merged.first_index;
        cold.decided_index = merged.decided_index;
        cold.first_reason = merged.first_reason;
    }

    /// Every flow with its key, in no particular order.
    fn iter(&self) -> impl Iterator<Item = (&FlowKey, Flow)> {
        self.slots
            .iter()
            .filter(|slot| slot.key.rest != CompactKey::EMPTY)
            .filter_map(|slot| {
                let cold = self.cold.get(slot.cold as usize)?;
                Some((&cold.key, flow_of(slot, cold)))
            })
    }
}

fn flow_of(slot: &Slot, cold: &Cold) -> Flow {
    Flow {
        to_server: slot.to_server,
        to_client: slot.to_client,
        first: cold.first,
        last: slot.last,
        first_index: cold.first_index,
        decided_index: cold.decided_index,
        decided: slot.decided,
        first_reason: cold.first_reason,
        client_is_low: slot.client_is_low,
    }
}

const COMPONENTS: usize = Component::ALL.len();

/// The earliest and latest timestamps that [`Analysis::add`] starts from.
const NO_FIRST: Timestamp = Timestamp {
    secs: u64::MAX,
    nanos: u32::MAX,
};

/// Everything counted over one file.
struct Analysis {
    file: String,
    format: String,
    total: Count,
    bytes_read: u64,
    /// Earliest and latest capture times (meaningful once a packet was counted).
    first: Timestamp,
    last: Timestamp,
    labelled: [[Count; COMPONENTS]; Label::ALL.len()],
    unclassified: [Count; Reason::ALL.len()],
    flows: FlowTable,
    elapsed: Duration,
    error: Option<String>,
}

fn reason_index(reason: Reason) -> usize {
    Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0)
}

impl Analysis {
    fn new(file: String, format: String) -> Analysis {
        Analysis {
            file,
            format,
            total: Count::default(),
            bytes_read: 0,
            first: NO_FIRST,
            last: Timestamp::default(),
            labelled: [[Count::default(); COMPONENTS]; Label::ALL.len()],
            unclassified: [Count::default(); Reason::ALL.len()],
            flows: FlowTable::new(),
            elapsed: Duration::ZERO,
            error: None,
        }
    }

    /// Earliest and latest capture times, when a packet was counted.
    fn span(&self) -> Option<(Timestamp, Timestamp)> {
        (self.total.packets > 0).then_some((self.first, self.last))
    }

    #[inline]
    fn add(
        &mut self,
        index: u64,
        timestamp: Timestamp,
        wire_len: u32,
        result: &Classification<'_>,
    ) {
        self.total.add(wire_len);
        self.first = self.first.min(timestamp);
        self.last = self.last.max(timestamp);
        let decided: Option<Decided> = result.decision().map(|d| (d.label, d.component, d.peer));
        match (decided, result.reason()) {
            (Some((label, component, _)), _) => {
                self.labelled[label as usize][component as usize].add(wire_len)
            }
            (None, Some(reason)) => self.unclassified[reason_index(reason)].add(wire_len),
            (None, None) => {}
        }
        let Some(packet) = &result.packet else {
            return;
        };
        let nanos = u64::try_from(timestamp.as_nanos()).unwrap_or(u64::MAX);
        self.flows
            .count(packet, index, nanos, wire_len, decided, result.reason());
    }

    /// Adds the counts of `other`, made over other packets of the same file. The result is
    /// the same as if one `Analysis` had counted both sets of packets in file order: a flow
    /// keeps the client side, first time and reason of its earliest packet, and the label of
    /// its earliest labelled packet, whichever part saw them.
    fn merge(&mut self, other: Analysis) {
        if let Some((first, last)) = other.span() {
            self.first = self.first.min(first);
            self.last = self.last.max(last);
        }
        self.total.merge(other.total);
        for (mine, theirs) in self.labelled.iter_mut().zip(&other.labelled) {
            for (mine, theirs) in mine.iter_mut().zip(theirs) {
                mine.merge(*theirs);
            }
        }
        for (mine, theirs) in self.unclassified.iter_mut().zip(&other.unclassified) {
            mine.merge(*theirs);
        }
        for (key, theirs) in other.flows.iter() {
            self.flows.merge(key, &theirs);
        }
    }

    fn duration(&self) -> f64 {
        match self.span() {
            Some((first, last)) => (last.as_nanos() - first.as_nanos()) as f64 / 1e9,
            None => 0.0,
        }
    }

    /// The label x component table and the unclassified-by-reason table, flows included.
    fn tables(&self) -> (Vec<SummaryRow>, Vec<ReasonRow>) {
        let mut label_flows = [[0u64; COMPONENTS]; Label::ALL.len()];
        let mut reason_flows = [0u64; Reason::ALL.len()];
        for (_, flow) in self.flows.iter() {
            match (flow.decided, flow.first_reason) {
                (Some((label, component, _)), _) => {
                    label_flows[label as usize][component as usize] += 1
                }
                (None, Some(reason)) => reason_flows[reason_index(reason)] += 1,
                (None, None) => {}
            }
        }
        let mut rows = Vec::new();
        for label in Label::ALL {
            for component in Component::ALL {
                let count = self.labelled[label as usize][component as usize];
                let flows = label_flows[label as usize][component as usize];
                if count.packets > 0 || flows > 0 {
                    rows.push(SummaryRow {
                        label: label.id(),
                        component: component.id(),
                        packets: count.packets,
                        bytes: count.bytes,
                        flows,
                    });
                }
            }
        }
        let reasons = Reason::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| self.unclassified[*i].packets > 0)
            .map(|(i, reason)| ReasonRow {
                reason: reason.id(),
                packets: self.unclassified[i].packets,
                bytes: self.unclassified[i].bytes,
                flows: reason_flows[i],
            })
            .collect();
        (rows, reasons)
    }

    fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.total.packets as f64 / secs
        } else {
            0.0
        }
    }

    fn write_human(&self, out: &mut impl Write, first: bool) -> io::Result<()> {
        if !first {
            writeln!(out)?;
        }
        let duration = self.duration();
        let capture_rate = if duration > 0.0 {
            self.total.packets as f64 / duration
        } else {
            0.0
        };
        let secs = self.elapsed.as_secs_f64();
        writeln!(out, "file      {}", self.file)?;
        writeln!(out, "format    {}", self.format)?;
        writeln!(
            out,
            "packets   {} ({} bytes on the wire, {} bytes of file read)",
            self.total.packets, self.total.bytes, self.bytes_read
        )?;
        writeln!(
            out,
            "duration  {duration:.6} s ({capture_rate:.1} packets/s in the capture)"
        )?;
        writeln!(
            out,
            "analysed  in {secs:.3} s: {:.0} packets/s, {:.1} MB/s",
            self.rate(),
            if secs > 0.0 {
                self.bytes_read as f64 / secs / 1e6
            } else {
                0.0
            }
        )?;
        if let Some(error) = &self.error {
            writeln!(out, "stopped   {error}")?;
        }
        let (rows, reasons) = self.tables();
        writeln!(out)?;
        writeln!(
            out,
            "{:<14} {:<26} {:>10} {:>12} {:>8}",
            "label", "component", "packets", "bytes", "flows"
        )?;
        for row in &rows {
            writeln!(
                out,
                "{:<14} {:<26} {:>10} {:>12} {:>8}",
                row.label, row.component, row.packets, row.bytes, row.flows
            )?;
        }
        let labelled: u64 = rows.iter().map(|r| r.packets).sum();
        writeln!(out, "{:<14} {:<26} {:>10}", "labelled", "", labelled)?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<41} {:>10} {:>12} {:>8}",
            "unclassified (reason)", "packets", "bytes", "flows"
        )?;
        for row in &reasons {
            writeln!(
                out,
                "{:<41} {:>10} {:>12} {:>8}",
                row.reason, row.packets, row.bytes, row.flows
            )?;
        }
        let unclassified: u64 = reasons.iter().map(|r| r.packets).sum();
        writeln!(out, "{:<41} {:>10}", "unclassified", unclassified)?;
        Ok(())
    }

    fn write_summary_json(&self, out: &mut impl Write) -> io::Result<()> {
        let (labelled, unclassified) = self.tables();
        let summary = Summary {
            file: &self.file,
            format: &self.format,
            packets: self.total.packets,
            bytes: self.total.bytes,
            bytes_read: self.bytes_read,
            first: self.span().map(|(first, _)| ts(first)),
            last: self.span().map(|(_, last)| ts(last)),
            duration_s: self.duration(),
            elapsed_s: self.elapsed.as_secs_f64(),
            packets_per_s: self.rate(),
            flows: self.flows.len() as u64,
            labelled,
            unclassified,
            error: self.error.as_deref(),
        };
        serde_json::to_writer(&mut *out, &summary).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }

    fn write_summary_csv(&self, out: &mut impl Write, first: bool) -> io::Result<()> {
        if first {
            writeln!(out, "file,label,component,reason,packets,bytes,flows")?;
        }
        let (rows, reasons) = self.tables();
        let file = csv_field(&self.file);
        for row in rows {
            writeln!(
                out,
                "{file},{},{},,{},{},{}",
                row.label, row.component, row.packets, row.bytes, row.flows
            )?;
        }
        for row in reasons {
            writeln!(
                out,
                "{file},,,{},{},{},{}",
                row.reason, row.packets, row.bytes, row.flows
            )?;
        }
        Ok(())
    }

    fn write_flows(
        &self,
        out: &mut impl Write,
        format: OutputFormat,
        first: bool,
    ) -> io::Result<()> {
        let mut flows: Vec<(&FlowKey, Flow)> = self.flows.iter().collect();
        flows.sort_by_key(|(_, flow)| flow.first_index);
        if format == OutputFormat::Csv && first {
            writeln!(out, "{}", FlowRow::CSV_HEADER)?;
        }
        let mut line = String::with_capacity(256);
        for (key, flow) in flows {
            let client = key.endpoint(flow.client_is_low);
            let server = key.endpoint(!flow.client_is_low);
            let row = FlowRow {
                file: &self.file,
                label: flow.decided.map(|d| d.0.id()),
                component: flow.decided.map(|d| d.1.id()),
                peer: flow.decided.and_then(|d| d.2).map(Component::id),
                reason: if flow.decided.is_some() {
                    None
                } else {
                    flow.first_reason.map(Reason::id)
                },
                transport: if key.tcp() { "tcp" } else { "udp" },
                client: client.ip(),
                client_port: client.port,
                server: server.ip(),
                server_port: server.port,
                packets_to_server: flow.to_server.packets,
                bytes_to_server: flow.to_server.bytes,
                packets_to_client: flow.to_client.packets,
                bytes_to_client: flow.to_client.bytes,
                first: ts(Timestamp {
                    secs: flow.first / 1_000_000_000,
                    nanos: (flow.first % 1_000_000_000) as u32,
                }),
                last: ts(Timestamp {
                    secs: flow.last / 1_000_000_000,
                    nanos: (flow.last % 1_000_000_000) as u32,
                }),
            };
            match format {
                OutputFormat::Json => {
                    serde_json::to_writer(&mut *out, &row).map_err(io::Error::from)?;
                    out.write_all(b"\n")?;
                }
                OutputFormat::Csv => {
                    line.clear();
                    row.csv(&mut line);
                    out.write_all(line.as_bytes())?;
                }
            }
        }
        Ok(())
    }
}

/// `seconds.nanoseconds`, exactly.
fn ts(timestamp: Timestamp) -> String {
    format!("{}.{:09}", timestamp.secs, timestamp.nanos)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[derive(Serialize)]
struct SummaryRow {
    label: &'static str,
    component: &'static str,
    packets: u64,
    bytes: u64,
    flows: u64,
}

#[derive(Serialize)]
struct ReasonRow {
    reason: &'static str,
    packets: u64,
    bytes: u64,
    flows: u64,
}

#[derive(Serialize)]
struct Summary<'a> {
    file: &'a str,
    format: &'a str,
    packets: u64,
    bytes: u64,
    bytes_read: u64,
    first: Option<String>,
    last: Option<String>,
    duration_s: f64,
    elapsed_s: f64,
    packets_per_s: f64,
    flows: u64,
    labelled: Vec<SummaryRow>,
    unclassified: Vec<ReasonRow>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct FlowRow<'a> {
    file: &'a str,
    label: Option<&'static str>,
    component: Option<&'static str>,
    peer: Option<&'static str>,
    reason: Option<&'static str>,
    transport: &'static str,
    client: IpAddr,
    client_port: u16,
    server: IpAddr,
    server_port: u16,
    packets_to_server: u64,
    bytes_to_server: u64,
    packets_to_client: u64,
    bytes_to_client: u64,
    first: String,
    last: String,
}

impl FlowRow<'_> {
    const CSV_HEADER: &'static str =
        "file,label,component,peer,reason,transport,client,client_port,server,server_port,\
packets_to_server,bytes_to_server,packets_to_client,bytes_to_client,first,last";

    fn csv(&self, line: &mut String) {
        let _ = writeln!(
            line,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(self.file),
            self.label.unwrap_or(""),
            self.component.unwrap_or(""),
            self.peer.unwrap_or(""),
            self.reason.unwrap_or(""),
            self.transport,
            self.client,
            self.client_port,
            self.server,
            self.server_port,
            self.packets_to_server,
            self.bytes_to_server,
            self.packets_to_client,
            self.bytes_to_client,
            self.first,
            self.last,
        );
    }
}

/// One packet, as `--packets` prints it.
#[derive(Serialize)]
struct PacketLine {
    index: u64,
    ts: String,
    len: u32,
    label: Option<&'static str>,
    component: Option<&'static str>,
    reason: Option<&'static str>,
    transport: Option<&'static str>,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    sport: Option<u16>,
    dport: Option<u16>,
    evidence: Option<&'static str>,
    side: Option<&'static str>,
    port: Option<u16>,
    peer: Option<&'static str>,
    rtcp: Option<bool>,
}

impl PacketLine {
    const CSV_HEADER: &'static str = "index,ts,len,label,component,reason,transport,src,dst,sport,dport,evidence,side,port,peer,rtcp";

    fn new(index: u64, timestamp: Timestamp, len: u32, result: &Classification<'_>) -> PacketLine {
        let packet = result.packet.as_ref();
        let decision = result.decision();
        PacketLine {
            index,
            ts: ts(timestamp),
            len,
            label: decision.map(|d| d.label.id()),
            component: decision.map(|d| d.component.id()),
            reason: result.reason().map(Reason::id),
            transport: packet.map(|p| p.transport.id()),
            src: packet.and_then(|p| p.src_ip()),
            dst: packet.and_then(|p| p.dst_ip()),
            sport: packet.map(|p| p.src_port),
            dport: packet.map(|p| p.dst_port),
            evidence: decision.map(|d| d.evidence.id()),
            side: decision.map(|d| d.side.id()),
            port: decision.map(|d| d.port),
            peer: decision.and_then(|d| d.peer).map(Component::id),
            rtcp: decision.map(|d| d.rtcp),
        }
    }

    fn csv(&self, line: &mut String) {
        fn opt<T: std::fmt::Display>(value: Option<T>) -> String {
            value.map_or_else(String::new, |v| v.to_string())
        }
        let _ = writeln!(
            line,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.index,
            self.ts,
            self.len,
            self.label.unwrap_or(""),
            self.component.unwrap_or(""),
            self.reason.unwrap_or(""),
            self.transport.unwrap_or(""),
            opt(self.src),
            opt(self.dst),
            opt(self.sport),
            opt(self.dport),
            self.evidence.unwrap_or(""),
            self.side.unwrap_or(""),
            opt(self.port),
            self.peer.unwrap_or(""),
            opt(self.rtcp),
        );
    }
}
