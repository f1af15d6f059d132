//! One line per packet or per flow, in JSON or CSV, written as the tracker hands them out.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;
use swyx_classify::{Component, Side};
use swyx_flow::{FlowRecord, PacketVerdict, Sink};

use crate::csv;
use crate::timestamp;

/// A machine format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Json,
    /// CSV with a header line.
    Csv,
}

/// One packet, as `--packets` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PacketLine<'a> {
    /// The packet's number (0-based in the file).
    pub index: u64,
    /// Capture time, `seconds.nanoseconds`.
    pub ts: String,
    /// Length on the wire.
    pub len: u32,
    /// The packet's flow.
    pub flow: Option<u64>,
    /// Label id.
    pub label: Option<&'static str>,
    /// Component id.
    pub component: Option<&'static str>,
    /// Why unclassified.
    pub reason: Option<&'static str>,
    /// `tcp` or `udp`.
    pub transport: Option<&'static str>,
    /// Source address.
    pub src: Option<IpAddr>,
    /// Destination address.
    pub dst: Option<IpAddr>,
    /// Source port.
    pub sport: Option<u16>,
    /// Destination port.
    pub dport: Option<u16>,
    /// `signalled`, `confirmed` or `port_only`.
    pub evidence: Option<&'static str>,
    /// `packet` (its own payload or port), `flow` (its flow's other packets) or `signalling`
    /// (another flow announced it).
    pub decided_by: Option<&'static str>,
    /// The side whose port decided.
    pub side: Option<&'static str>,
    /// The address of the component's own host: the address at `side` for a row it listens
    /// on, the other end's for a row it connects from (an LDAP client to 712).
    pub component_addr: Option<IpAddr>,
    /// The deciding port.
    pub port: Option<u16>,
    /// The peer's component.
    pub peer: Option<&'static str>,
    /// RTCP on an RTP range.
    pub rtcp: Option<bool>,
    /// The capture file, when the lines of several files are written one after the other
    /// (the last key, or CSV column; left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
}

impl<'a> PacketLine<'a> {
    /// The CSV header.
    pub const CSV_HEADER: &'static str = "index,ts,len,flow,label,component,reason,transport,src,dst,sport,dport,evidence,decided_by,side,component_addr,port,peer,rtcp";

    /// The CSV header of lines that name their file ([`PacketLine::file`]): `file` last.
    pub const CSV_HEADER_WITH_FILE: &'static str = "index,ts,len,flow,label,component,reason,transport,src,dst,sport,dport,evidence,decided_by,side,component_addr,port,peer,rtcp,file";

    /// The line of `packet` (naming no file).
    pub fn new(packet: &PacketVerdict) -> PacketLine<'a> {
        let labelled = packet.verdict.labelled();
        let addressing = packet.addressing();
        let addressing = addressing.as_ref();
        PacketLine {
            index: packet.index,
            ts: timestamp(packet.time_ns),
            len: packet.wire_len,
            flow: packet.flow.map(|f| f.0),
            label: labelled.map(|l| l.label.id()),
            component: labelled.map(|l| l.component.id()),
            reason: packet.verdict.reason().map(|r| r.id()),
            transport: addressing.map(|a| a.transport.id()),
            src: addressing.map(|a| a.src.addr),
            dst: addressing.map(|a| a.dst.addr),
            sport: addressing.map(|a| a.src.port),
            dport: addressing.map(|a| a.dst.port),
            evidence: labelled.map(|l| l.evidence.id()),
            decided_by: labelled.map(|l| l.decided_by.id()),
            side: labelled.map(|l| l.side.id()),
            component_addr: labelled
                .zip(addressing)
                .map(|(l, a)| match l.component_side {
                    Side::Source => a.src.addr,
                    Side::Destination => a.dst.addr,
                }),
            port: labelled.map(|l| l.port),
            peer: labelled.and_then(|l| l.peer).map(Component::id),
            rtcp: labelled.map(|l| l.rtcp),
            file: None,
        }
    }

    /// Appends the CSV line (with its line break) to `line`; its last column is the file
    /// when the line names one.
    pub fn csv(&self, line: &mut String) {
        let _ = write!(
            line,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.index,
            self.ts,
            self.len,
            csv::opt(self.flow),
            self.label.unwrap_or(""),
            self.component.unwrap_or(""),
            self.reason.unwrap_or(""),
            self.transport.unwrap_or(""),
            csv::opt(self.src),
            csv::opt(self.dst),
            csv::opt(self.sport),
            csv::opt(self.dport),
            self.evidence.unwrap_or(""),
            self.decided_by.unwrap_or(""),
            self.side.unwrap_or(""),
            csv::opt(self.component_addr),
            csv::opt(self.port),
            self.peer.unwrap_or(""),
            csv::opt(self.rtcp),
        );
        if let Some(file) = self.file {
            line.push(',');
            line.push_str(&csv::field(file));
        }
        line.push('\n');
    }
}

/// One flow (or span of a flow), as `--flows` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct FlowLine<'a> {
    /// The capture file.
    pub file: &'a str,
    /// The flow's number (packet lines carry it too).
    pub flow: u64,
    /// 0, then 1, 2, ... after each change of the flow's label.
    pub span: u32,
    /// Label id.
    pub label: Option<&'static str>,
    /// Component id.
    pub component: Option<&'static str>,
    /// The peer's component.
    pub peer: Option<&'static str>,
    /// The address of the component's own host (the client's or the server's).
    pub component_addr: Option<IpAddr>,
    /// Why unclassified.
    pub reason: Option<&'static str>,
    /// `confirmed` or `port_only`.
    pub evidence: Option<&'static str>,
    /// `packet` or `flow`: what decided the label.
    pub decided_by: Option<&'static str>,
    /// Why the row was reported: `fin`, `rst`, `idle`, `evicted`, `end_of_capture`,
    /// `label_changed`.
    pub end: &'static str,
    /// The same 5-tuple was evicted before.
    pub after_eviction: bool,
    /// The flow whose signalling announced this one.
    pub announced_by: Option<u64>,
    /// The SIP Call-ID of the dialog that announced it.
    pub call_id: Option<String>,
    /// An FTP data connection.
    pub ftp_data: bool,
    /// `tcp` or `udp`.
    pub transport: &'static str,
    /// The client's address.
    pub client: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The server's address.
    pub server: IpAddr,
    /// The server's port.
    pub server_port: u16,
    /// Packets client to server.
    pub packets_to_server: u64,
    /// Bytes client to server.
    pub bytes_to_server: u64,
    /// Packets server to client.
    pub packets_to_client: u64,
    /// Bytes server to client.
    pub bytes_to_client: u64,
    /// Capture time of the first packet.
    pub first: String,
    /// Capture time of the last packet.
    pub last: String,
}

impl<'a> FlowLine<'a> {
    /// The CSV header.
    pub const CSV_HEADER: &'static str = "file,flow,span,label,component,peer,component_addr,reason,evidence,decided_by,end,after_eviction,announced_by,call_id,ftp_data,transport,client,client_port,server,server_port,packets_to_server,bytes_to_server,packets_to_client,bytes_to_client,first,last";

    /// The line of `flow`, read from `file`.
    pub fn new(file: &'a str, flow: &FlowRecord) -> FlowLine<'a> {
        let labelled = flow.verdict.labelled();
        FlowLine {
            file,
            flow: flow.id.0,
            span: flow.span,
            label: labelled.map(|l| l.label.id()),
            component: labelled.map(|l| l.component.id()),
            peer: labelled.and_then(|l| l.peer).map(Component::id),
            component_addr: labelled.map(|l| match l.component_side {
                Side::Source => flow.client.addr,
                Side::Destination => flow.server.addr,
            }),
            reason: flow.verdict.reason().map(|r| r.id()),
            evidence: labelled.map(|l| l.evidence.id()),
            decided_by: labelled.map(|l| l.decided_by.id()),
            end: flow.end.id(),
            after_eviction: flow.after_eviction,
            announced_by: flow.announced_by.map(|f| f.0),
            call_id: flow.call_id.map(|c| c.to_string()),
            ftp_data: flow.ftp_data,
            transport: flow.transport.id(),
            client: flow.client.addr,
            client_port: flow.client.port,
            server: flow.server.addr,
            server_port: flow.server.port,
            packets_to_server: flow.to_server.packets,
            bytes_to_server: flow.to_server.bytes,
            packets_to_client: flow.to_client.packets,
            bytes_to_client: flow.to_client.bytes,
            first: timestamp(flow.first_ns),
            last: timestamp(flow.last_ns),
        }
    }

    /// Appends the CSV line (with its line break) to `line`.
    pub fn csv(&self, line: &mut String) {
        let _ = writeln!(
            line,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv::field(self.file),
            self.flow,
            self.span,
            self.label.unwrap_or(""),
            self.component.unwrap_or(""),
            self.peer.unwrap_or(""),
            csv::opt(self.component_addr),
            self.reason.unwrap_or(""),
            self.evidence.unwrap_or(""),
            self.decided_by.unwrap_or(""),
            self.end,
            self.after_eviction,
            csv::opt(self.announced_by),
            csv::field(self.call_id.as_deref().unwrap_or("")),
            self.ftp_data,
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

/// Lines in one format to one output: the CSV header first when asked, then every line; the
/// first write error stops the writing and is kept for [`LineWriter::finish`].
#[derive(Debug)]
struct LineWriter<W: Write> {
    out: W,
    format: Format,
    line: String,
    error: Option<io::Error>,
}

impl<W: Write> LineWriter<W> {
    fn new(mut out: W, format: Format, csv_header: Option<&str>) -> LineWriter<W> {
        let error = match csv_header {
            Some(header) if format == Format::Csv => writeln!(out, "{header}").err(),
            _ => None,
        };
        LineWriter {
            out,
            format,
            line: String::with_capacity(512),
            error,
        }
    }

    /// Writes `line` as JSON, or as the CSV `csv` appends.
    fn write<L: Serialize>(&mut self, line: &L, csv: impl FnOnce(&L, &mut String)) {
        if self.error.is_some() {
            return;
        }
        let result = match self.format {
            Format::Json => serde_json::to_writer(&mut self.out, line)
                .map_err(io::Error::from)
                .and_then(|()| self.out.write_all(b"\n")),
            Format::Csv => {
                self.line.clear();
                csv(line, &mut self.line);
                self.out.write_all(self.line.as_bytes())
            }
        };
        self.error = result.err();
    }

    fn finish(self) -> io::Result<W> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.out),
        }
    }
}

/// A [`Sink`] that writes a line per packet and ignores flows. The first write error stops
/// the writing and is kept for [`PacketWriter::finish`].
#[derive(Debug)]
pub struct PacketWriter<W: Write> {
    lines: LineWriter<W>,
    file: Option<String>,
}

impl<W: Write> PacketWriter<W> {
    /// Writes to `out` in `format`; the CSV header first when `header`.
    pub fn new(out: W, format: Format, header: bool) -> PacketWriter<W> {
        PacketWriter {
            lines: LineWriter::new(out, format, header.then_some(PacketLine::CSV_HEADER)),
            file: None,
        }
    }

    /// Writes the packets of `file` to `out` in `format`, each line naming the file (for the
    /// lines of several files in one output); the CSV header, with its `file` column, first
    /// when `header`.
    pub fn with_file(out: W, file: &str, format: Format, header: bool) -> PacketWriter<W> {
        PacketWriter {
            lines: LineWriter::new(
                out,
                format,
                header.then_some(PacketLine::CSV_HEADER_WITH_FILE),
            ),
            file: Some(file.to_owned()),
        }
    }

    /// The writer back, or the first write error.
    pub fn finish(self) -> io::Result<W> {
        self.lines.finish()
    }
}

impl<W: Write> Sink for PacketWriter<W> {
    fn packet(&mut self, packet: &PacketVerdict) {
        let mut line = PacketLine::new(packet);
        line.file = self.file.as_deref();
        self.lines.write(&line, PacketLine::csv);
    }

    fn flow(&mut self, _: &FlowRecord) {}
}

/// A [`Sink`] that writes a line per flow as each ends, and ignores packets.
#[derive(Debug)]
pub struct FlowWriter<W: Write> {
    lines: LineWriter<W>,
    file: String,
}

impl<W: Write> FlowWriter<W> {
    /// Writes the flows of `file` to `out` in `format`; the CSV header first when `header`.
    pub fn new(out: W, file: &str, format: Format, header: bool) -> FlowWriter<W> {
        FlowWriter {
            lines: LineWriter::new(out, format, header.then_some(FlowLine::CSV_HEADER)),
            file: file.to_owned(),
        }
    }

    /// The writer back, or the first write error.
    pub fn finish(self) -> io::Result<W> {
        self.lines.finish()
    }
}

impl<W: Write> Sink for FlowWriter<W> {
    fn packet(&mut self, _: &PacketVerdict) {}

    fn flow(&mut self, flow: &FlowRecord) {
        let line = FlowLine::new(&self.file, flow);
        self.lines.write(&line, FlowLine::csv);
    }
}
