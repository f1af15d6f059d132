//! `swyxpcap`: labels every packet of pcap / pcapng captures with its SwyxWare protocol and
//! component, follows their flows, and sums them up.
//!
//! ```text
//! cargo run --release --example swyxpcap                       # the shipped capture
//! cargo run --release --example swyxpcap -- site.pcapng        # a summary a person reads
//! cargo run --release --example swyxpcap -- --format json site.pcap
//! cargo run --release --example swyxpcap -- --packets site.pcap | head
//! cargo run --release --example swyxpcap -- --flows --format csv site.pcap
//! cargo run --release --example swyxpcap -- --firewall --component swyx_server --format nft
//! ```
//!
//! `--firewall` without captures prints the rules the port matrix asks of each component
//! (`swyx_report::firewall`); with captures, it holds them against the matrix: the services
//! used, the flows between site hosts a firewall built from the document would block, and
//! the rows never seen (`swyx_report::services`). `--hosts` gives a row per address
//! (`swyx_report::hosts`). Both views cover every capture of the run in one report.
//!
//! The pipeline: the reader hands out records; a stateless stage (threads that take turns
//! reading a batch, then classify it) labels every packet alone; the flow tracker
//! (`swyx-flow`) applies flow state in capture order on the main thread and hands packets and
//! ended flows to the outputs (`swyx-report`). So the output is the same for any number of
//! threads. Memory is bounded: the reader's buffer, a few batch buffers, and the tracker's
//! budget (`--flow-memory`, default 64 MiB) for flows and held-back packets. A truncated or
//! corrupt file gives the output of every complete packet before the damage, then the error
//! (byte offset and record number) on stderr, and exit status 1. `-` reads standard input;
//! gzip-compressed captures are read as they are (told by their magic number).

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::Instant;

use clap::{CommandFactory, Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use swyx_traffic::classify::{
    fragment_of, Classification, Classifier, Fragment, LinkType, Matrix, Outcome, OwnedPortTable,
    Packet, Reason, Transport,
};
use swyx_traffic::flow::{Config, FlowRecord, PacketVerdict, Sink, Site, Tracker};
use swyx_traffic::matrix::Component;
use swyx_traffic::pcap::{
    BatchReader, CaptureError, CaptureReader, Compression, Decompressed, Format, ReaderOptions,
    RecordBatch, Timestamp,
};
use swyx_traffic::report::firewall::{Firewall, FirewallFormat};
use swyx_traffic::report::hosts::{Hosts, HostsReport};
use swyx_traffic::report::services::{Limits, Services};
use swyx_traffic::report::{self, FlowWriter, PacketWriter, Summary};

/// Files above this size get a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 64 * 1024 * 1024;

/// The progress bar moves every this many packets.
const PROGRESS_EVERY: u64 = 8192;

/// The buffer of the one-thread reader (`--threads 1`): each read of the file fills it.
/// Several threads read [`BATCH_BYTES`] at a time instead.
const READ_BUFFER: usize = 1024 * 1024;

/// Most threads used without `--threads`.
const MAX_DEFAULT_THREADS: usize = 4;

/// Bytes of the file read into one batch before it is classified (a record that does not fit
/// still goes in whole: the batch buffer grows for it). Small enough that a batch is still in
/// the second-level cache when it is classified and tracked: on the 1 M mix, batches of 64 to
/// 256 KiB took about 80 ms (median of 20 runs, round-robin) where 1 MiB took 100 to 125 ms.
const BATCH_BYTES: usize = 128 * 1024;

/// The flow stage asks the tracker to fetch the flow-table entry of the packet this many
/// places ahead in the batch (`Tracker::prefetch`).
const TRACK_AHEAD: usize = 8;

/// The exit statuses, for `-h` and `--help` alike.
macro_rules! exit_statuses {
    () => {
        "\
Exit status:
  0  every file was read to its end (--firewall without files: the rules were written)
  1  an input error (a file that cannot be opened, is not a capture, or is truncated or
     corrupt: the output still covers every packet before the damage; --firewall and
     --hosts still report every file and packet read) or an output error
  2  a usage error (unknown option, bad value, a --set key the matrix does not have or a
     value that empties a range, a --matrix or --site file that cannot be read or parsed)"
    };
}

/// What `-h` adds after the options: the exit statuses.
const EXIT_STATUSES: &str = exit_statuses!();

/// What `--help` adds after the options: the output fields, then the exit statuses.
const LONG_HELP: &str = concat!(
    "\
Output:
  summary (default; --format json: one JSON object per file, --format csv: one row per
  table entry under the header file,label,component,reason,packets,bytes,flows):
    file, format, packets, bytes (on the wire), bytes_read (of the capture, uncompressed),
    first, last (capture times, seconds.nanoseconds; packets without a timestamp, pcapng
    Simple Packet Blocks, do not count), duration_s, elapsed_s, packets_per_s, flows,
    evicted, labelled (label, component, packets, bytes, flows), unclassified (reason,
    packets, bytes, flows), error (what stopped the reading, or null)
  --packets (one line per packet, in file order):
    index (0-based in its file), ts, len, flow, label, component, reason, transport, src,
    dst, sport, dport, evidence, decided_by (packet, flow or signalling), side (of the port
    that decided), component_addr (the address of the component's own host: for a row it
    connects from, as an LDAP client to 712, the other end), port, peer, rtcp, and file
    (the path as given) when several files are given
  --flows (one row per flow or span, as it ends):
    file, flow, span, label, component, peer, component_addr, reason, evidence, decided_by,
    end (fin, rst, idle, evicted, end_of_capture, label_changed), after_eviction,
    announced_by, call_id, ftp_data, transport, client, client_port, server, server_port,
    packets_to_server, bytes_to_server, packets_to_client, bytes_to_client, first, last
  Unlabelled packets and flows name a reason: not_ip, not_tcp_udp, non_first_fragment,
  truncated, malformed_header, no_matrix_row, unlabelled_rows_only, payload_contradicts,
  broad_row_without_evidence, undecided, not_a_site_host (with --site: media or a broad row
  between hosts the inventory does not list), no_payload (a TCP connection whose opening
  was seen and that carried no byte), ice_media (RTP, RTCP or T.38 on a UDP flow that
  carried STUN).
  --firewall without files (one rule per matrix row and transport, and for a media row
  the outbound rule to the peers' media ports; table by default):
    --format json: component, direction (inbound or outbound), transport, ports ([low, high]
    pairs), tls_ports, label, labels, protocol, classification, configurable_via, basis (row
    or media_note); --format nft: an nftables ruleset (table inet swyxware, a chain per
    component and direction, policy accept); --format windows: PowerShell
    New-NetFirewallRule commands
  --firewall CAPTURE... (one report for all the files; table by default, --format json: one
    JSON object):
    files, site_hosts (site: the --site inventory's hosts; roles: the hosts seen acting as
    components), flows, labelled_flows, services (server, transport, port, label,
    component, component_at: server, or client for a row the component connects to, as
    LDAP to 712; clients, clients_omitted, flows, packets, bytes, first, last), blocked
    (flows between site hosts on a port no row of their components allows: a firewall
    built from the document would block them; client, server, transport, port, label,
    client_components, server_components, flows, packets, bytes, first, last), never_seen
    (matrix rows, per transport, no labelled flow matched: component, transport, role,
    ports, labels, protocol, classification), rows, omitted (services, clients, blocked,
    hosts: what the memory bounds left out)
  --hosts (one row per address of all the files; table by default, --format json: one
    object per host, and a last {omitted: ...} line only if the bounds left something
    out; --format csv: a row per host under one header):
    host, components (its roles, the components of labelled flows at its end, the --site
    component), site_component, offers and uses (label/transport/port, space-separated in
    CSV), unlisted_service_flows, flows, packets_sent, bytes_sent, packets_received,
    bytes_received (TCP and UDP packets: those of its flows)
  Errors go to standard error, naming the file, the byte offset and the record number.

",
    exit_statuses!()
);

/// Label SwyxWare traffic in pcap and pcapng captures.
#[derive(Debug, Parser)]
#[command(name = "swyxpcap", version, after_help = EXIT_STATUSES, after_long_help = LONG_HELP)]
struct Args {
    /// Capture files: pcap or pcapng, gzip-compressed or not; `-` reads standard input.
    /// Without one, the capture shipped with the project.
    files: Vec<PathBuf>,
    /// One JSON line per packet, in file order, instead of the summary.
    #[arg(long, conflicts_with = "flows")]
    packets: bool,
    /// One row per flow (bidirectional 5-tuple; a flow whose label changed gives a row per
    /// span), written as each flow ends, instead of the summary.
    #[arg(long)]
    flows: bool,
    /// Machine output: JSON lines or CSV (for the summary, the packets, the flows and
    /// --hosts); with --firewall and no files: json, nft (an nftables ruleset) or windows
    /// (PowerShell commands); with --firewall and captures: json.
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Without files: print the firewall rules the port matrix asks of each component. With
    /// captures: the services they used, the flows between site hosts a firewall built from
    /// the document would block, and the matrix rows never seen.
    #[arg(long, conflicts_with_all = ["packets", "flows"])]
    firewall: bool,
    /// One row per address of the captures: the components it acts as, the services it
    /// offers and uses, its packets and bytes.
    #[arg(long, conflicts_with_all = ["packets", "flows", "firewall"])]
    hosts: bool,
    /// With --firewall without files: only this component's rules (repeatable; an id such
    /// as swyx_server).
    #[arg(long = "component", value_name = "ID", requires = "firewall", value_parser = parse_component)]
    components: Vec<Component>,
    /// Threads that read and classify the packets (default: one per core, at most 4; 1 does
    /// everything on the main thread). The output is the same whatever the number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Option<u16>,
    /// Memory for flows and held-back packets, in MiB; reaching it evicts the flows idle
    /// longest (reported with end reason `evicted`).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    flow_memory: u64,
    /// Sets a matrix parameter, a site's registry key or web setting (repeatable):
    /// `--set swyx_server.RTPFirstPort=40000`; the key without its component where only one
    /// component has it (`--set RTPFirstPort=40000`). `--list-params` lists the keys.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_setting)]
    set: Vec<(String, i64)>,
    /// A matrix file to use instead of the shipped SwyxWare 2013 matrix (same format:
    /// crates/matrix/data/swyxware-2013.matrix describes it); `--set` applies to its parameters.
    #[arg(long, value_name = "FILE")]
    matrix: Option<PathBuf>,
    /// Lists the matrix's parameters (key, value, default, the rows using it) and exits.
    #[arg(long)]
    list_params: bool,
    /// A site inventory: lines `ADDRESS[/PREFIX] COMPONENT [# comment]`. Listed hosts get
    /// their component where the matrix allows it; media (RTP, T.38) and broad rows between
    /// unlisted hosts get no label (reason not_a_site_host) unless signalling announced them.
    #[arg(long, value_name = "FILE")]
    site: Option<PathBuf>,
}

/// `KEY=VALUE` of `--set`, the value an integer.
fn parse_setting(text: &str) -> Result<(String, i64), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() {
        return Err(format!("`{text}` names no key"));
    }
    let value = value
        .parse::<i64>()
        .map_err(|_| format!("the value of {key}, `{value}`, is not an integer"))?;
    Ok((key.to_string(), value))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// JSON lines.
    Json,
    /// CSV with a header line.
    Csv,
    /// An nftables ruleset (with --firewall).
    Nft,
    /// PowerShell New-NetFirewallRule commands (with --firewall).
    #[value(alias = "powershell")]
    Windows,
}

impl OutputFormat {
    /// The line format of the capture outputs (`main` turns `nft` and `windows` away before).
    fn lines(self) -> report::Format {
        match self {
            OutputFormat::Csv => report::Format::Csv,
            OutputFormat::Json | OutputFormat::Nft | OutputFormat::Windows => report::Format::Json,
        }
    }
}

/// A `--component` id.
fn parse_component(id: &str) -> Result<Component, String> {
    Component::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = Component::ALL.iter().map(|c| c.id()).collect();
        format!("unknown component; valid ids: {}", ids.join(", "))
    })
}

/// Exits with a usage error (status 2), worded as clap words its own.
fn usage_error(message: &str) -> ! {
    Args::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

/// `--firewall`: the rules of the components asked for (all without `--component`) in
/// `matrix`, in the format asked for, on standard output.
fn print_firewall(args: &Args, matrix: &Matrix) -> ExitCode {
    let format = match args.format {
        None => FirewallFormat::Table,
        Some(OutputFormat::Json) => FirewallFormat::Json,
        Some(OutputFormat::Nft) => FirewallFormat::Nft,
        Some(OutputFormat::Windows) => FirewallFormat::Windows,
        Some(OutputFormat::Csv) => {
            usage_error("--format csv is not a firewall format: use json, nft or windows")
        }
    };
    let components = (!args.components.is_empty()).then_some(args.components.as_slice());
    let firewall = Firewall::new(matrix, components);
    let mut out = BufWriter::new(io::stdout().lock());
    match firewall.write(format, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            warn(format_args!("writing the output failed: {error}"));
            ExitCode::FAILURE
        }
    }
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

/// Writes a message to standard error. A failed write (`2>/dev/full`) is ignored: every
/// message is about an error, whose exit status (1) tells it anyway.
fn warn(message: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "swyxpcap: {message}");
}

/// The matrix and site the options ask for, read before any packet.
struct Setup {
    /// The matrix in force: `--matrix` or the shipped one, with `--set` applied.
    matrix: Matrix,
    /// Its parameters' values before `--set` (for `--list-params` only).
    defaults: Vec<(String, i64)>,
    /// The run-time table: `None` for the shipped matrix without `--set` (the compile-time
    /// table serves it).
    table: Option<OwnedPortTable>,
    site: Option<Site>,
}

impl Setup {
    fn classifier(&self) -> Classifier<'_> {
        match &self.table {
            Some(table) => Classifier::new(table.table()),
            None => Classifier::swyxware_2013(),
        }
    }
}

/// The matrix text of `--matrix`, or the shipped one, and what to call it in errors.
fn matrix_text(args: &Args) -> Result<(String, String), String> {
    match &args.matrix {
        None => Ok((Matrix::SWYXWARE_2013.to_string(), String::new())),
        Some(path) => std::fs::read_to_string(path)
            .map(|text| (text, path.display().to_string()))
            .map_err(|error| format!("cannot read the matrix {}: {error}", path.display())),
    }
}

/// An error of the matrix file `name` (empty for the shipped one).
fn in_file(name: &str, error: &dyn fmt::Display) -> String {
    if name.is_empty() {
        error.to_string()
    } else {
        format!("{name}: {error}")
    }
}

/// Everything the options ask for beyond the captures, read once: the matrix (and its table
/// when it is not the compile-time one) and the site inventory.
fn setup(args: &Args) -> Result<Setup, String> {
    let (text, name) = matrix_text(args)?;
    let overrides: Vec<(&str, i64)> = args.set.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let matrix = Matrix::parse_with(&text, &overrides).map_err(|error| in_file(&name, &error))?;
    let defaults = if args.list_params {
        Matrix::parse(&text)
            .map_err(|error| in_file(&name, &error))?
            .params
    } else {
        Vec::new()
    };
    let table = if args.matrix.is_some() || !args.set.is_empty() {
        Some(OwnedPortTable::build(&matrix).map_err(|error| format!("the matrix: {error}"))?)
    } else {
        None
    };
    let site = match &args.site {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read the site {}: {error}", path.display()))?;
            Some(Site::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?)
        }
    };
    Ok(Setup {
        matrix,
        defaults,
        table,
        site,
    })
}

/// `--list-params`: every parameter of the matrix with its value, its default and its rows.
/// Errors: a failed write of the output (exit status 1).
fn list_params(setup: &Setup, out: &mut impl Write) -> Result<(), String> {
    let (matrix, defaults) = (&setup.matrix, &setup.defaults);
    let write = |out: &mut dyn Write| -> io::Result<()> {
        writeln!(
            out,
            "Parameters of the matrix {:?} (--set KEY=VALUE; a key without its component where \
             only one has it):",
            matrix.name
        )?;
        let width = matrix
            .params
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0);
        for ((key, value), (_, default)) in matrix.params.iter().zip(defaults) {
            let value = if value == default {
                format!("{value}")
            } else {
                format!("{value} (default {default})")
            };
            let rows: Vec<String> = matrix
                .rows_using(key)
                .map(|row| {
                    let ports: Vec<String> = row.ranges.iter().map(|r| r.to_string()).collect();
                    format!(
                        "{} {} {} {}",
                        row.classification,
                        if row.protocol.is_empty() {
                            "-"
                        } else {
                            &row.protocol
                        },
                        match (row.udp, row.tcp) {
                            (true, true) => "udp+tcp",
                            (true, false) => "udp",
                            _ => "tcp",
                        },
                        ports.join(",")
                    )
                })
                .collect();
            writeln!(out, "  {key:width$}  {value:<22}  {}", rows.join("; "))?;
        }
        out.flush()
    };
    match write(out) {
        // `| head` went away: nothing left to say.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("writing the output failed: {error}")),
        Ok(()) => Ok(()),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if matches!(args.format, Some(OutputFormat::Nft | OutputFormat::Windows)) && !args.firewall {
        usage_error("--format nft and --format windows are firewall formats: they need --firewall");
    }
    // Every option is read before anything is done: a --site or --matrix file that cannot be
    // read or parsed, or a --set that does not apply, is a usage error in every mode.
    let setup = match setup(&args) {
        Ok(setup) => setup,
        Err(message) => {
            warn(format_args!("{message}"));
            return ExitCode::from(2);
        }
    };
    if args.list_params {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        return match list_params(&setup, &mut out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                warn(format_args!("{message}"));
                ExitCode::FAILURE
            }
        };
    }
    if args.firewall && !args.components.is_empty() && !args.files.is_empty() {
        usage_error("--component selects the rules of the matrix: give --firewall no files");
    }
    if args.firewall && !args.files.is_empty() {
        match args.format {
            None | Some(OutputFormat::Json) => {}
            Some(_) => usage_error(
                "with captures, --firewall writes a table or --format json (nft and windows \
                 rulesets come from the matrix alone: give no files)",
            ),
        }
    }
    if args.firewall && args.files.is_empty() {
        return print_firewall(&args, &setup.matrix);
    }
    let classifier = setup.classifier();
    let views = Views {
        services: args
            .firewall
            .then(|| Services::new(&setup.matrix, setup.site.as_ref(), Limits::default())),
        hosts: args
            .hosts
            .then(|| Hosts::new(setup.site.as_ref(), Limits::default())),
    };
    let files = if args.files.is_empty() {
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/swyx-office.pcap")]
    } else {
        args.files.clone()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut status = ExitCode::SUCCESS;
    let mut run = Run {
        several: files.len() > 1,
        summaries: 0,
        views,
    };
    let mut result = write_csv_header(&args, run.several, &mut out);
    for path in &files {
        if result.is_err() {
            break;
        }
        result = analyse_file(path, &args, &setup, &classifier, &mut run, &mut out)
            .and_then(|()| Ok(out.flush()?));
        if let Err(Failure::Input) = result {
            status = ExitCode::FAILURE;
            result = Ok(());
        }
    }
    if result.is_ok() {
        result = write_views(&args, &run.views, &mut out).and_then(|()| Ok(out.flush()?));
    }
    match result {
        Ok(()) | Err(Failure::Input) => status,
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            // The reader of our output went away (`| head`): nothing left to do.
            status
        }
        Err(Failure::Output(error)) => {
            warn(format_args!("writing the output failed: {error}"));
            ExitCode::FAILURE
        }
    }
}

/// What the files of one run share.
struct Run {
    /// More than one file: packet lines name theirs.
    several: bool,
    /// Human summaries written so far (a blank line separates them).
    summaries: u64,
    /// The views of the whole run (`--firewall` with captures, `--hosts`).
    views: Views,
}

/// The accumulators of the views that cover every file of the run.
#[derive(Default)]
struct Views {
    services: Option<Services>,
    hosts: Option<Hosts>,
}

/// The views of the run, once every file was read (or failed).
fn write_views(args: &Args, views: &Views, out: &mut impl Write) -> Result<(), Failure> {
    if let Some(services) = &views.services {
        let report = services.report();
        match args.format {
            Some(OutputFormat::Json) => report.write_json(out)?,
            _ => report.write_human(out)?,
        }
    }
    if let Some(hosts) = &views.hosts {
        let report = hosts.report();
        match args.format {
            Some(OutputFormat::Json) => report.write_json(out)?,
            Some(OutputFormat::Csv) => {
                report.write_csv(out)?;
                say_omitted(&report);
            }
            _ => report.write_human(out)?,
        }
    }
    Ok(())
}

/// CSV rows cannot say what the bounds left out: standard error does.
fn say_omitted(report: &HostsReport) {
    if report.omitted_any() {
        let o = report.omitted;
        warn(format_args!(
            "--hosts: the memory bounds left out {} flow ends ({} packets sent) at hosts not \
             kept and {} hosts' roles",
            o.flow_ends, o.packets_sent, o.roles
        ));
    }
}

/// The CSV header, once for all the files, whatever becomes of each.
fn write_csv_header(args: &Args, several: bool, out: &mut impl Write) -> Result<(), Failure> {
    if args.format != Some(OutputFormat::Csv) {
        return Ok(());
    }
    let header = if args.packets && several {
        report::PacketLine::CSV_HEADER_WITH_FILE
    } else if args.packets {
        report::PacketLine::CSV_HEADER
    } else if args.flows {
        report::FlowLine::CSV_HEADER
    } else if args.hosts {
        HostsReport::CSV_HEADER
    } else {
        Summary::CSV_HEADER
    };
    writeln!(out, "{header}")?;
    Ok(())
}

/// The outputs of one file: the summary always counts; packet or flow lines, and the run's
/// views, when asked.
struct Outputs<'o, W: Write> {
    summary: Summary,
    packets: Option<PacketWriter<&'o mut W>>,
    flows: Option<FlowWriter<&'o mut W>>,
    services: Option<&'o mut Services>,
    hosts: Option<&'o mut Hosts>,
}

impl<W: Write> Sink for Outputs<'_, W> {
    #[inline]
    fn packet(&mut self, packet: &PacketVerdict) {
        self.summary.packet(packet);
        if let Some(writer) = &mut self.packets {
            writer.packet(packet);
        }
    }

    fn flow(&mut self, flow: &FlowRecord) {
        self.summary.flow(flow);
        if let Some(writer) = &mut self.flows {
            writer.flow(flow);
        }
        if let Some(services) = &mut self.services {
            services.flow(flow);
        }
        if let Some(hosts) = &mut self.hosts {
            hosts.flow(flow);
        }
    }
}

/// The input of one file: the file itself, or standard input for `-`; and its length when it
/// is a regular file (for the progress bar: none for standard input).
type Input = Box<dyn Read + Send>;

fn open_input(path: &Path) -> io::Result<(Input, Option<u64>)> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(io::stdin()), None));
    }
    let file = File::open(path)?;
    let len = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    Ok((Box::new(file), len))
}

/// The capture reader of one file: records one at a time on one thread, or batches for
/// several.
enum Reader<R: Read> {
    Records(CaptureReader<R>),
    Batches(BatchReader<R>),
}

impl<R: Read> Reader<R> {
    fn format(&self) -> Format {
        match self {
            Reader::Records(reader) => reader.format(),
            Reader::Batches(reader) => reader.format(),
        }
    }

    fn bytes_consumed(&self) -> u64 {
        match self {
            Reader::Records(reader) => reader.bytes_consumed(),
            Reader::Batches(reader) => reader.bytes_consumed(),
        }
    }
}

/// A reader that counts the bytes read from it, for the progress bar: the bytes of the file,
/// compressed or not.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The progress bar of a large file, and the bytes of the file read so far.
struct Progress {
    bar: ProgressBar,
    read: Arc<AtomicU64>,
}

impl Progress {
    fn update(&self) {
        self.bar.set_position(self.read.load(Ordering::Relaxed));
    }
}

/// Capture times as the tracker gets them: a packet without a timestamp (a pcapng Simple
/// Packet Block) is tracked at the last time known (0 before the first), and left out of
/// the capture's first and last times.
#[derive(Debug, Default)]
struct Clock {
    last: u64,
    span: Option<(u64, u64)>,
}

impl Clock {
    #[inline]
    fn time(&mut self, timestamp: Option<Timestamp>) -> u64 {
        let Some(timestamp) = timestamp else {
            return self.last;
        };
        let ns = nanos(timestamp);
        self.last = ns;
        self.span = Some(match self.span {
            None => (ns, ns),
            Some((first, last)) => (first.min(ns), last.max(ns)),
        });
        ns
    }
}

/// Reads one file to its end (or its first error) and writes what the options ask for.
fn analyse_file<W: Write>(
    path: &Path,
    args: &Args,
    setup: &Setup,
    classifier: &Classifier<'_>,
    run: &mut Run,
    out: &mut W,
) -> Result<(), Failure> {
    let shown = path.display().to_string();
    let (input, file_len) = match open_input(path) {
        Ok(input) => input,
        Err(error) => {
            out.flush()?;
            warn(format_args!("cannot open {shown}: {error}"));
            return Err(Failure::Input);
        }
    };
    let read = Arc::new(AtomicU64::new(0));
    let input = Counted {
        inner: input,
        count: Arc::clone(&read),
    };
    let input = match Decompressed::new(input) {
        Ok(input) => input,
        Err(error) => {
            out.flush()?;
            warn(format_args!("{shown}: cannot read: {error}"));
            return Err(Failure::Input);
        }
    };
    let compression = input.compression();
    // One thread reads 1 MiB at a time: fewer system calls than the default 64 KiB, for a MiB
    // of memory.
    let options = ReaderOptions {
        initial_buffer: READ_BUFFER,
        ..ReaderOptions::default()
    };
    let threads = args.threads.map_or_else(default_threads, usize::from);
    // One thread reads records in place; several read the file a batch at a time straight
    // into the batches they hand on.
    let opened = if threads <= 1 {
        CaptureReader::with_options(input, options).map(Reader::Records)
    } else {
        BatchReader::with_options(input, options).map(Reader::Batches)
    };
    let mut reader = match opened {
        Ok(reader) => reader,
        Err(error) => {
            out.flush()?;
            warn(format_args!("{shown}: {error}"));
            return Err(Failure::Input);
        }
    };
    // The bar draws on standard error: never while lines stream to the same terminal.
    let lines_to_terminal = (args.packets || args.flows) && io::stdout().is_terminal();
    let progress = file_len
        .filter(|&len| len > PROGRESS_THRESHOLD && io::stderr().is_terminal() && !lines_to_terminal)
        .map(|len| {
            let bar = ProgressBar::new(len);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style);
            }
            Progress { bar, read }
        });

    let started = Instant::now();
    let classifier = *classifier;
    let mut config = Config::default();
    config.memory_budget = usize::try_from(args.flow_memory << 20).unwrap_or(usize::MAX);
    // Only packet lines need capture order; counts and flow rows do not.
    config.ordered = args.packets;
    let mut tracker = Tracker::new(classifier, config);
    if let Some(site) = &setup.site {
        tracker.set_site(site.clone());
    }
    let format = args.format.map(OutputFormat::lines);
    let lines_format = format.unwrap_or(report::Format::Json);
    // The CSV header was written once for all files (`write_csv_header`).
    let (packets, flows) = if args.packets && run.several {
        let writer = PacketWriter::with_file(&mut *out, &shown, lines_format, false);
        (Some(writer), None)
    } else if args.packets {
        (
            Some(PacketWriter::new(&mut *out, lines_format, false)),
            None,
        )
    } else if args.flows {
        (
            None,
            Some(FlowWriter::new(&mut *out, &shown, lines_format, false)),
        )
    } else {
        (None, None)
    };
    let mut outputs = Outputs {
        summary: Summary::new(shown.clone(), format_name(reader.format(), compression)),
        packets,
        flows,
        services: run.views.services.as_mut(),
        hosts: run.views.hosts.as_mut(),
    };
    let mut clock = Clock::default();
    let error = match &mut reader {
        Reader::Records(reader) => read_sequential(
            reader,
            &classifier,
            &mut tracker,
            &mut outputs,
            &mut clock,
            progress.as_ref(),
        ),
        Reader::Batches(reader) => read_parallel(
            reader,
            &classifier,
            &mut tracker,
            &mut outputs,
            &mut clock,
            threads,
            progress.as_ref(),
        ),
    };
    tracker.finish(&mut outputs);
    if let Some(progress) = progress {
        progress.bar.finish_and_clear();
    }
    let Outputs {
        mut summary,
        packets,
        flows,
        services,
        hosts,
    } = outputs;
    let roles_dropped = tracker.stats().hosts_dropped;
    if let Some(services) = services {
        services.add_file(shown.clone());
        services.add_roles(tracker.hosts());
        services.add_roles_omitted(roles_dropped);
    }
    if let Some(hosts) = hosts {
        hosts.add_roles(tracker.hosts());
        hosts.add_roles_omitted(roles_dropped);
    }
    if let Some(writer) = packets {
        writer.finish()?;
    }
    if let Some(writer) = flows {
        writer.finish()?;
    }
    summary.elapsed = started.elapsed();
    summary.bytes_read = reader.bytes_consumed();
    summary.error = error.as_ref().map(CaptureError::to_string);
    summary.set_span(clock.span);
    if !args.packets && !args.flows && !args.firewall && !args.hosts {
        match format {
            None => {
                if run.summaries > 0 {
                    writeln!(out)?;
                }
                summary.write_human(out)?;
                run.summaries += 1;
            }
            Some(report::Format::Json) => summary.write_json(out)?,
            Some(report::Format::Csv) => summary.write_csv(out)?,
        }
    }
    match error {
        None => Ok(()),
        Some(error) => {
            out.flush()?;
            warn(format_args!("{shown}: {error}"));
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

fn nanos(timestamp: Timestamp) -> u64 {
    u64::try_from(timestamp.as_nanos()).unwrap_or(u64::MAX)
}

/// Reads, classifies and tracks every record on this thread. Returns the error that stopped
/// the reading, if any.
fn read_sequential<R: Read>(
    reader: &mut CaptureReader<R>,
    classifier: &Classifier<'_>,
    tracker: &mut Tracker<'_>,
    sink: &mut impl Sink,
    clock: &mut Clock,
    progress: Option<&Progress>,
) -> Option<CaptureError> {
    loop {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => return None,
            Err(error) => return Some(error),
        };
        let result = classify_record(classifier, record.link_type, record.data);
        tracker.push_fragment(
            record.index,
            clock.time(record.timestamp),
            record.original_len,
            &result,
            fragment_record(record.link_type, record.data, &result),
            sink,
        );
        if let Some(progress) = progress {
            if record.index % PROGRESS_EVERY == 0 {
                progress.update();
            }
        }
    }
}

/// The fragment a packet is, looked for only where it can be one: a non-first fragment, or a
/// packet whose payload is cut short (as a first fragment's is).
#[inline]
fn fragment_record<'a>(
    link_type: u32,
    data: &'a [u8],
    result: &Classification<'_>,
) -> Option<Fragment<'a>> {
    let maybe = result.reason() == Some(Reason::NonFirstFragment)
        || result.packet.is_some_and(|p| p.is_truncated());
    if !maybe {
        return None;
    }
    fragment_of(LinkType::from_linktype(link_type)?, data)
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

/// The stateless stage on `threads - 1` worker threads, the flow stage on this one. Each worker takes
/// the reader in turn, reads the next [`BATCH_BYTES`] of the file straight into a batch (no
/// record is copied on its own), hands the reader on and classifies its batch while another
/// reads; batches come back here
/// numbered, and are tracked in file order. When the next batch is not ready, this thread
/// reads and classifies one itself rather than wait, so that the stages share the cores
/// whichever is slower. At most two batches per thread are in flight, each of about
/// [`BATCH_BYTES`] (or one larger record, given back at its next fill), so memory stays
/// bounded. Returns the error that stopped the reading, if any.
fn read_parallel<R: Read + Send>(
    reader: &mut BatchReader<R>,
    classifier: &Classifier<'_>,
    tracker: &mut Tracker<'_>,
    sink: &mut impl Sink,
    clock: &mut Clock,
    threads: usize,
    progress: Option<&Progress>,
) -> Option<CaptureError> {
    let shared = Mutex::new(Shared {
        reader,
        next_batch: 0,
        done: false,
        error: None,
    });
    let (full_tx, full_rx) = mpsc::channel::<(u64, Batch)>();
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    let empty_rx = Mutex::new(empty_rx);
    for _ in 0..threads.max(2) * 2 {
        let _ = empty_tx.send(Batch::new());
    }
    // The main thread tracks: `threads - 1` workers read and classify, so that the flow
    // stage, the one that cannot be split, keeps a core of its own.
    let workers = threads.saturating_sub(1).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let full_tx = full_tx.clone();
            let (shared, empty_rx) = (&shared, &empty_rx);
            scope.spawn(move || loop {
                let batch = empty_rx
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .recv();
                let Ok(batch) = batch else { return };
                let Some(numbered) = read_batch(shared, batch, classifier, progress) else {
                    return;
                };
                if full_tx.send(numbered).is_err() {
                    return;
                }
            });
        }
        drop(full_tx);
        // Batches in file order; those that arrive early wait here.
        let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
        let mut next = 0u64;
        loop {
            while let Some(batch) = waiting.remove(&next) {
                batch.track(tracker, sink, clock);
                next += 1;
                let _ = empty_tx.send(batch);
            }
            let (number, batch) = match full_rx.try_recv() {
                Ok(numbered) => numbered,
                // All workers are gone, and every batch they read was tracked above.
                Err(TryRecvError::Disconnected) => break,
                // Nothing ready: read a batch here, if one is free and the file goes on; else
                // wait. (A worker waiting for a free batch holds the lock: then none is free.)
                Err(TryRecvError::Empty) => {
                    let free = match empty_rx.try_lock() {
                        Ok(free) => free.try_recv().ok(),
                        Err(TryLockError::Poisoned(free)) => free.into_inner().try_recv().ok(),
                        Err(TryLockError::WouldBlock) => None,
                    };
                    match free.and_then(|batch| read_batch(&shared, batch, classifier, progress)) {
                        Some(numbered) => numbered,
                        None => match full_rx.recv() {
                            Ok(numbered) => numbered,
                            Err(_) => break,
                        },
                    }
                }
            };
            waiting.insert(number, batch);
        }
        drop(empty_tx);
    });
    shared
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .error
}

/// The reader, shared by the threads that read batches.
struct Shared<'r, R: Read> {
    reader: &'r mut BatchReader<R>,
    next_batch: u64,
    done: bool,
    error: Option<CaptureError>,
}

/// Fills `batch` with the next packets of the shared reader and classifies them: the batch and
/// its number, or `None` once the file has ended (the batch is dropped).
fn read_batch<R: Read>(
    shared: &Mutex<Shared<'_, R>>,
    mut batch: Batch,
    classifier: &Classifier<'_>,
    progress: Option<&Progress>,
) -> Option<(u64, Batch)> {
    let number = {
        let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
        let shared = &mut *guard;
        if shared.done {
            return None;
        }
        match batch.fill(shared.reader, progress) {
            Ok(true) => {}
            Ok(false) => shared.done = true,
            Err(error) => {
                shared.done = true;
                shared.error = Some(error);
            }
        }
        shared.next_batch += 1;
        shared.next_batch - 1
    };
    batch.classify(classifier);
    Some((number, batch))
}

/// Consecutive packets of the file, read straight into the batch, and what the stateless
/// stage made of them.
struct Batch {
    records: RecordBatch,
    /// One per record, once classified.
    results: Vec<Classified>,
}

/// A [`Classification`] whose borrowed parts are ranges of the batch's bytes, so that it can
/// travel with its batch to the flow stage.
struct Classified {
    outcome: Outcome,
    packet: Option<PacketAt>,
    fragment: Option<FragmentAt>,
}

/// A [`Fragment`] with its addresses as ranges of the batch's bytes.
struct FragmentAt {
    src_addr: Span,
    dst_addr: Span,
    protocol: u8,
    id: u32,
    offset: u32,
    more: bool,
}

struct PacketAt {
    transport: Transport,
    src_port: u16,
    dst_port: u16,
    payload: Span,
    payload_len: u32,
    src_addr: Span,
    dst_addr: Span,
    tcp_flags: u8,
}

/// Where a part of a batch's bytes lies in them: half the size of a `Range<usize>`, so that a
/// batch's table of classifications, written by a worker and read by the flow stage, is
/// smaller (a batch holds at most 4 GiB).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// Where `part` lies in `data` (empty when it is not inside, as for an empty static
    /// slice).
    fn of(data: &[u8], part: &[u8]) -> Span {
        let start = (part.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
        match (u32::try_from(start), u32::try_from(part.len())) {
            (Ok(s), Ok(len)) if !part.is_empty() && start + part.len() <= data.len() => {
                Span { start: s, len }
            }
            _ => Span { start: 0, len: 0 },
        }
    }

    /// The part of `data` it names.
    fn get(self, data: &[u8]) -> &[u8] {
        let start = self.start as usize;
        data.get(start..start + self.len as usize)
            .unwrap_or_default()
    }
}

impl Batch {
    fn new() -> Batch {
        Batch {
            records: RecordBatch::new(),
            results: Vec::new(),
        }
    }

    /// Replaces the contents with the next packets of `reader`. `Ok(false)` at the end of the
    /// file. The packets read before an end or an error stay in the batch.
    fn fill<R: Read>(
        &mut self,
        reader: &mut BatchReader<R>,
        progress: Option<&Progress>,
    ) -> Result<bool, CaptureError> {
        self.results.clear();
        let more = reader.fill(&mut self.records, BATCH_BYTES);
        if let Some(progress) = progress {
            progress.update();
        }
        more
    }

    /// The stateless stage: classifies every packet of the batch.
    fn classify(&mut self, classifier: &Classifier<'_>) {
        let all = self.records.bytes();
        for record in self.records.records() {
            let data = record.data;
            let result = classify_record(classifier, record.link_type, data);
            let fragment = fragment_record(record.link_type, data, &result).map(|f| FragmentAt {
                src_addr: Span::of(all, f.src_addr),
                dst_addr: Span::of(all, f.dst_addr),
                protocol: f.protocol,
                id: f.id,
                offset: f.offset,
                more: f.more,
            });
            self.results.push(Classified {
                outcome: result.outcome,
                fragment,
                // Borrowed field by field: a copy of the whole packet would load, in other
                // widths, the bytes the classifier has just stored, and wait for them.
                packet: result.packet.as_ref().map(|p| PacketAt {
                    transport: p.transport,
                    src_port: p.src_port,
                    dst_port: p.dst_port,
                    payload: Span::of(all, p.payload),
                    payload_len: p.payload_len,
                    src_addr: Span::of(all, p.src_addr),
                    dst_addr: Span::of(all, p.dst_addr),
                    tcp_flags: p.tcp_flags,
                }),
            });
        }
    }

    /// The flow stage: hands every packet of the batch to the tracker, in order.
    fn track(&self, tracker: &mut Tracker<'_>, sink: &mut impl Sink, clock: &mut Clock) {
        let data = self.records.bytes();
        let classification_of = |result: &Classified| Classification {
            packet: result.packet.as_ref().map(|p| {
                Packet::new(p.transport, p.src_port, p.dst_port, p.payload.get(data))
                    .with_payload_len(p.payload_len)
                    .with_addresses(p.src_addr.get(data), p.dst_addr.get(data))
                    .with_tcp_flags(p.tcp_flags)
            }),
            outcome: result.outcome,
        };
        // With a table too large for the cache, the entry of a packet a few ahead is fetched
        // while this one is tracked (asked once a batch: the table grows slowly).
        let ahead = tracker.fetches_ahead().then_some(TRACK_AHEAD);
        for (i, (record, result)) in self.records.records().zip(&self.results).enumerate() {
            if let Some(later) = ahead.and_then(|ahead| self.results.get(i + ahead)) {
                tracker.prefetch(&classification_of(later));
            }
            let classification = classification_of(result);
            let fragment = result.fragment.as_ref().map(|f| {
                Fragment::new(f.src_addr.get(data), f.dst_addr.get(data), f.protocol)
                    .with_position(f.id, f.offset, f.more)
            });
            tracker.push_fragment(
                record.index,
                clock.time(record.timestamp),
                record.original_len,
                &classification,
                fragment,
                sink,
            );
        }
    }
}

fn format_name(format: Format, compression: Compression) -> String {
    let name = match format {
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
    };
    match compression {
        Compression::None => name,
        Compression::Gzip => format!("{name}, gzip-compressed"),
    }
}
