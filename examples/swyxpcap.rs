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
//! Memory stays bounded by the reader's buffer and the flow table, which grows with the
//! number of flows, not with the file. A truncated or corrupt file gives the summary of every
//! complete packet before the damage, then the error (byte offset and record number) on
//! stderr, and exit status 1.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ahash::RandomState;
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use swyx_traffic::classify::{
    Classification, Classifier, Component, Label, LinkType, Outcome, Reason, Transport,
};
use swyx_traffic::pcap::{CaptureError, CaptureReader, Format, Timestamp};

/// Files above this size get a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 64 * 1024 * 1024;

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
    let mut reader = match CaptureReader::new(file) {
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
    let classifier = Classifier::swyxware_2013();
    let started = Instant::now();
    let packet_lines = args
        .packets
        .then(|| args.format.unwrap_or(OutputFormat::Json));
    if packet_lines == Some(OutputFormat::Csv) && first {
        writeln!(out, "{}", PacketLine::CSV_HEADER)?;
    }
    let mut line = String::with_capacity(512);
    let error = loop {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => break None,
            Err(error) => break Some(error),
        };
        let link = LinkType::from_linktype(record.link_type);
        let result = match link {
            Some(link) => classifier.classify_link(link, record.data),
            None => Classification {
                packet: None,
                outcome: Outcome::Unclassified(Reason::NotIp),
            },
        };
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
        if let Some(bar) = &progress {
            if record.index % 8192 == 0 {
                bar.set_position(reader.bytes_consumed());
            }
        }
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
    fn add(&mut self, bytes: u32) {
        self.packets += 1;
        self.bytes += u64::from(bytes);
    }
}

/// A bidirectional 5-tuple: both endpoints in a canonical order, packed into five words
/// (small buckets, cheap hashing: the flow table is the tool's main cache load).
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

/// What the flow table keeps per flow (kept small: see [`FlowKey`]).
#[derive(Debug, Clone, Copy)]
struct Flow {
    first_index: u64,
    /// Capture times of the first and last packets, nanoseconds since the epoch.
    first: u64,
    last: u64,
    to_server: Count,
    to_client: Count,
    /// Label, component and peer of the first labelled packet.
    decided: Option<(Label, Component, Option<Component>)>,
    /// Why the first packet was unclassified, when it was.
    first_reason: Option<Reason>,
    /// Whether the first packet came from the key's low endpoint (the client).
    client_is_low: bool,
}

const COMPONENTS: usize = Component::ALL.len();

/// Everything counted over one file.
struct Analysis {
    file: String,
    format: String,
    total: Count,
    bytes_read: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    labelled: [[Count; COMPONENTS]; Label::ALL.len()],
    unclassified: [Count; Reason::ALL.len()],
    flows: HashMap<FlowKey, Flow, RandomState>,
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
            first: None,
            last: None,
            labelled: [[Count::default(); COMPONENTS]; Label::ALL.len()],
            unclassified: [Count::default(); Reason::ALL.len()],
            flows: HashMap::with_hasher(RandomState::new()),
            elapsed: Duration::ZERO,
            error: None,
        }
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
        self.first = Some(self.first.map_or(timestamp, |t| t.min(timestamp)));
        self.last = Some(self.last.map_or(timestamp, |t| t.max(timestamp)));
        let decided = result.decision().map(|d| (d.label, d.component, d.peer));
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
        let src = Endpoint::new(packet.src_addr, packet.src_port);
        let dst = Endpoint::new(packet.dst_addr, packet.dst_port);
        let (key, src_is_low) = FlowKey::new(packet.transport == Transport::Tcp, src, dst);
        let nanos = u64::try_from(timestamp.as_nanos()).unwrap_or(u64::MAX);
        let flow = self.flows.entry(key).or_insert(Flow {
            first_index: index,
            first: nanos,
            last: nanos,
            to_server: Count::default(),
            to_client: Count::default(),
            decided: None,
            first_reason: result.reason(),
            client_is_low: src_is_low,
        });
        if src_is_low == flow.client_is_low {
            flow.to_server.add(wire_len);
        } else {
            flow.to_client.add(wire_len);
        }
        flow.last = flow.last.max(nanos);
        if flow.decided.is_none() {
            flow.decided = decided;
        }
    }

    fn duration(&self) -> f64 {
        match (self.first, self.last) {
            (Some(first), Some(last)) => (last.as_nanos() - first.as_nanos()) as f64 / 1e9,
            _ => 0.0,
        }
    }

    /// The label x component table and the unclassified-by-reason table, flows included.
    fn tables(&self) -> (Vec<SummaryRow>, Vec<ReasonRow>) {
        let mut label_flows = [[0u64; COMPONENTS]; Label::ALL.len()];
        let mut reason_flows = [0u64; Reason::ALL.len()];
        for flow in self.flows.values() {
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
            first: self.first.map(ts),
            last: self.last.map(ts),
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
        let mut flows: Vec<(&FlowKey, &Flow)> = self.flows.iter().collect();
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
