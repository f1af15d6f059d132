//! The summary of one capture: label x component, unclassified by reason.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;
use swyx_classify::{Component, Label, Reason};
use swyx_flow::{Count, FlowReason, FlowRecord, PacketVerdict, Sink, Verdict};

use crate::csv;
use crate::timestamp;

const COMPONENTS: usize = Component::ALL.len();
/// The classifier's reasons, then `undecided`.
const REASONS: usize = Reason::ALL.len() + 1;

fn reason_index(reason: FlowReason) -> usize {
    match reason {
        FlowReason::Packet(reason) => Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0),
        FlowReason::Undecided => Reason::ALL.len(),
        _ => Reason::ALL.len(),
    }
}

fn reason_of_index(index: usize) -> FlowReason {
    Reason::ALL
        .get(index)
        .map_or(FlowReason::Undecided, |r| FlowReason::Packet(*r))
}

/// Everything counted over one capture. A [`Sink`]: hand it to
/// [`Tracker::push`](swyx_flow::Tracker::push) and [`Tracker::finish`](swyx_flow::Tracker::finish).
/// Packets count under their flow-level verdict, flows (and spans) under theirs.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The capture's name, as printed.
    pub file: String,
    /// The capture's format, as printed.
    pub format: String,
    /// Bytes of the file read.
    pub bytes_read: u64,
    /// Time taken.
    pub elapsed: Duration,
    /// The error that stopped the reading, if any.
    pub error: Option<String>,
    /// Flows evicted for the memory budget.
    pub evicted: u64,
    total: Count,
    first_ns: u64,
    last_ns: u64,
    /// The span set by [`Summary::set_span`], in place of the packets' times.
    span: Option<Option<(u64, u64)>>,
    labelled: Box<[[Count; COMPONENTS]; Label::ALL.len()]>,
    unclassified: [Count; REASONS],
    label_flows: Box<[[u64; COMPONENTS]; Label::ALL.len()]>,
    reason_flows: [u64; REASONS],
    flows: u64,
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
struct SummaryJson<'a> {
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
    evicted: u64,
    labelled: Vec<SummaryRow>,
    unclassified: Vec<ReasonRow>,
    error: Option<&'a str>,
}

impl Summary {
    /// An empty summary of `file` (in `format`).
    pub fn new(file: impl Into<String>, format: impl Into<String>) -> Summary {
        Summary {
            file: file.into(),
            format: format.into(),
            bytes_read: 0,
            elapsed: Duration::ZERO,
            error: None,
            evicted: 0,
            total: Count::default(),
            first_ns: u64::MAX,
            last_ns: 0,
            span: None,
            labelled: Box::new([[Count::default(); COMPONENTS]; Label::ALL.len()]),
            unclassified: [Count::default(); REASONS],
            label_flows: Box::new([[0; COMPONENTS]; Label::ALL.len()]),
            reason_flows: [0; REASONS],
            flows: 0,
        }
    }

    /// Every packet counted.
    pub fn packets(&self) -> Count {
        self.total
    }

    /// Flow rows counted (a flow whose label changed counts once per span).
    pub fn flows(&self) -> u64 {
        self.flows
    }

    /// Packets and bytes counted under `label` and `component`.
    pub fn labelled(&self, label: Label, component: Component) -> Count {
        self.labelled[label as usize][component as usize]
    }

    /// Packets and bytes counted unclassified for `reason`.
    pub fn unclassified(&self, reason: FlowReason) -> Count {
        self.unclassified[reason_index(reason)]
    }

    /// Earliest and latest capture times: those [`Summary::set_span`] set, else those of the
    /// packets counted (none before the first).
    pub fn span(&self) -> Option<(u64, u64)> {
        self.span
            .unwrap_or_else(|| (self.total.packets > 0).then_some((self.first_ns, self.last_ns)))
    }

    /// Sets the earliest and latest capture times (`None`: no packet had a time), which the
    /// first, last and duration of the output then give, for a caller that knows better than
    /// the times the packets were tracked with: a pcapng Simple Packet Block carries no
    /// timestamp, and is tracked at the time of the packet before it.
    pub fn set_span(&mut self, span: Option<(u64, u64)>) {
        self.span = Some(span);
    }

    fn duration(&self) -> f64 {
        self.span()
            .map_or(0.0, |(first, last)| last.saturating_sub(first) as f64 / 1e9)
    }

    fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.total.packets as f64 / secs
        } else {
            0.0
        }
    }

    fn tables(&self) -> (Vec<SummaryRow>, Vec<ReasonRow>) {
        let mut rows = Vec::new();
        for label in Label::ALL {
            for component in Component::ALL {
                let count = self.labelled[label as usize][component as usize];
                let flows = self.label_flows[label as usize][component as usize];
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
        let reasons = (0..REASONS)
            .filter(|&i| self.unclassified[i].packets > 0 || self.reason_flows[i] > 0)
            .map(|i| ReasonRow {
                reason: reason_of_index(i).id(),
                packets: self.unclassified[i].packets,
                bytes: self.unclassified[i].bytes,
                flows: self.reason_flows[i],
            })
            .collect();
        (rows, reasons)
    }

    /// The summary a person reads.
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_human(&self, out: &mut impl Write) -> io::Result<()> {
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
        writeln!(
            out,
            "flows     {} ({} evicted for the memory budget)",
            self.flows, self.evicted
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
        writeln!(out, "{:<41} {:>10}", "unclassified", unclassified)
    }

    /// The summary as one JSON line.
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        let (labelled, unclassified) = self.tables();
        let span = self.span();
        let summary = SummaryJson {
            file: &self.file,
            format: &self.format,
            packets: self.total.packets,
            bytes: self.total.bytes,
            bytes_read: self.bytes_read,
            first: span.map(|(first, _)| timestamp(first)),
            last: span.map(|(_, last)| timestamp(last)),
            duration_s: self.duration(),
            elapsed_s: self.elapsed.as_secs_f64(),
            packets_per_s: self.rate(),
            flows: self.flows,
            evicted: self.evicted,
            labelled,
            unclassified,
            error: self.error.as_deref(),
        };
        serde_json::to_writer(&mut *out, &summary).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }

    /// The CSV header of [`Summary::write_csv`].
    pub const CSV_HEADER: &'static str = "file,label,component,reason,packets,bytes,flows";

    /// The summary's rows in CSV (without the header).
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        let (rows, reasons) = self.tables();
        let file = csv::field(&self.file);
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
}

impl Sink for Summary {
    #[inline]
    fn packet(&mut self, packet: &PacketVerdict) {
        self.total.add(packet.wire_len);
        self.first_ns = self.first_ns.min(packet.time_ns);
        self.last_ns = self.last_ns.max(packet.time_ns);
        match &packet.verdict {
            Verdict::Labelled(l) => {
                self.labelled[l.label as usize][l.component as usize].add(packet.wire_len)
            }
            Verdict::Unclassified(reason) => {
                self.unclassified[reason_index(*reason)].add(packet.wire_len)
            }
        }
    }

    fn flow(&mut self, flow: &FlowRecord) {
        self.flows += 1;
        match &flow.verdict {
            Verdict::Labelled(l) => self.label_flows[l.label as usize][l.component as usize] += 1,
            Verdict::Unclassified(reason) => self.reason_flows[reason_index(*reason)] += 1,
        }
        if flow.end == swyx_flow::EndReason::Evicted {
            self.evicted += 1;
        }
    }
}
