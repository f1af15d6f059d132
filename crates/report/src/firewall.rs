//! What the firewall must let through, from the port matrix alone: the [`Rule`]s of every
//! component (or of those asked for), and their formats: a table a person reads, JSON lines,
//! an nftables ruleset and Windows firewall commands (PowerShell `New-NetFirewallRule`).
//!
//! ```
//! use swyx_matrix::{Component, Matrix, Transport};
//! use swyx_report::firewall::{Direction, Firewall};
//!
//! let matrix = Matrix::swyxware_2013();
//! let firewall = Firewall::new(&matrix, Some(&[Component::ConfigDataStore]));
//! let rule = &firewall.rules()[0];
//! assert_eq!((rule.direction, rule.transport), (Direction::Inbound, Transport::Tcp));
//! assert_eq!(rule.port_pairs(), vec![(9094, 9094), (9095, 9095)]);
//!
//! let mut nft = Vec::new();
//! firewall.write_nft(&mut nft)?;
//! assert!(String::from_utf8(nft).unwrap().contains("tcp dport { 9094, 9095 } accept"));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # How the document's rows become rules
//!
//! One rule per row and transport (a "UDP + TCP" row gives two), in document order:
//!
//! - a row whose component listens on its ports is **inbound** to those ports of the
//!   component;
//! - a row whose component connects to its ports ([`Role::Connects`]) is **outbound** from the
//!   component to those ports: the "Undetermined, outgoing" CDS rows (to 9094 and 9095; the
//!   matching inbound rule is the ConfigDataStore's own row) and the "Sourceport undetermined,
//!   destination 712 / 21 / 123" rows.
//!
//! # Media: between the components, not only towards the SwyxServer
//!
//! The document says: "Please keep in mind, that the CallControl is always done via the
//! SwyxServer itself, but the audio- and faxdata is send directly between the two connected
//! clients." A media row (RTP or T.38) is therefore two rules:
//!
//! - **inbound** on the component's own media ports, from any host (a peer is any other
//!   client, phone or gateway): the row itself;
//! - **outbound** to the media ports of every component of the matrix, merged
//!   ([`media_ports`]); the peer of a call is one of the document's components, and
//!   the document lists their media ports, so the rule is no wider than the document.
//!   Its [`Basis`] is [`Basis::MediaNote`]: it is derived from the note, not a row.
//!   A peer outside the document (a SIP trunk behind a SwyxGate, say) is not covered.
//!
//! # What is left to the admin
//!
//! The rules only allow. The nftables ruleset keeps `policy accept` in its base chains and
//! each Windows command only adds an allow rule: which machine runs which component, and
//! whether anything else is dropped, are the admin's decisions (see [`Firewall::write_nft`]
//! and [`Firewall::write_windows`]).

use std::io::{self, Write};

use serde::Serialize;
use swyx_matrix::{Component, Label, Labels, Matrix, PortRange, Role, Row, Transport};

use crate::table::Table;

mod nft;
mod windows;

/// Which way a rule's traffic goes, seen from the component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// To the component: its ports are the packets' destination ports.
    Inbound,
    /// From the component: the rule's ports are the destination ports it connects or sends
    /// to (from a source port the document leaves undetermined).
    Outbound,
}

impl Direction {
    /// `"inbound"` or `"outbound"`.
    ///
    /// ```
    /// assert_eq!(swyx_report::firewall::Direction::Outbound.id(), "outbound");
    /// ```
    pub const fn id(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Basis {
    /// A row of the document (one rule per row and transport).
    Row,
    /// The document's note that audio and fax go directly between the connected clients: a
    /// media row's component sends to the other components' media ports ([`media_ports`]).
    MediaNote,
}

impl Basis {
    /// `"row"` or `"media_note"`.
    ///
    /// ```
    /// assert_eq!(swyx_report::firewall::Basis::MediaNote.id(), "media_note");
    /// ```
    pub const fn id(self) -> &'static str {
        match self {
            Basis::Row => "row",
            Basis::MediaNote => "media_note",
        }
    }
}

/// One thing a component's firewall must let through.
///
/// ```
/// use swyx_matrix::{Component, Label, Matrix, Transport};
/// use swyx_report::firewall::{rules, Basis, Direction};
///
/// let matrix = Matrix::swyxware_2013();
/// let ldap: Vec<_> = rules(&matrix, Some(&[Component::SwyxIt]))
///     .into_iter()
///     .filter(|rule| rule.label() == Some(Label::Ldap))
///     .collect();
/// // "TCP + UDP", "Sourceport undetermined, destination 712": two outbound rules.
/// assert_eq!(ldap.len(), 2);
/// assert!(ldap.iter().all(|r| r.direction == Direction::Outbound && r.port_pairs() == [(712, 712)]));
/// assert_eq!(ldap[0].basis, Basis::Row);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule<'m> {
    /// The component whose firewall the rule is for.
    pub component: Component,
    /// To the component, or from it.
    pub direction: Direction,
    /// UDP or TCP.
    pub transport: Transport,
    /// The destination ports: the component's own for an inbound rule, the ports it
    /// connects or sends to for an outbound one. `tls` marks the ports that speak TLS.
    pub ports: Vec<PortRange>,
    /// The row's labels, in its order of preference; empty for a row that names no protocol.
    pub labels: Labels,
    /// The document's "Protocol" column ("RTP + T.38"; empty where it names none).
    pub protocol: &'m str,
    /// The document's "Classification" column.
    pub classification: &'m str,
    /// The document's "Configurable via" column (empty for [`Basis::MediaNote`] rules: their
    /// ports are the other components', each configurable as its own row says).
    pub configurable_via: &'m str,
    /// A row of the document, or the media note.
    pub basis: Basis,
    /// The index of the row in [`Matrix::rows`].
    pub row: usize,
}

impl Rule<'_> {
    /// The preferred label, `None` for a row that names no protocol.
    pub fn label(&self) -> Option<Label> {
        self.labels.first()
    }

    /// The ports as `(low, high)` pairs, inclusive.
    pub fn port_pairs(&self) -> Vec<(u16, u16)> {
        self.ports.iter().map(|r| (r.low, r.high)).collect()
    }

    /// The protocol as the output names it: the document's text, else the label ids.
    fn protocol_text(&self) -> String {
        if !self.protocol.is_empty() {
            self.protocol.to_owned()
        } else if !self.labels.is_empty() {
            self.labels.to_string()
        } else {
            String::new()
        }
    }
}

/// Whether `row` carries audio or fax (RTP or T.38): the rows the media note is about.
pub fn is_media(row: &Row) -> bool {
    row.labels.contains(Label::Rtp) || row.labels.contains(Label::T38)
}

/// The media ports of every component of `matrix` (the ranges of its RTP and T.38 rows),
/// sorted and merged: where a media row's component sends its audio and fax.
///
/// ```
/// use swyx_matrix::Matrix;
/// use swyx_report::firewall::media_ports;
/// let ports = media_ports(&Matrix::swyxware_2013());
/// assert!(ports.iter().any(|r| r.contains(51000) && r.contains(51499))); // SwyxServer
/// assert!(ports.windows(2).all(|w| u32::from(w[0].high) + 1 < u32::from(w[1].low)));
/// ```
pub fn media_ports(matrix: &Matrix) -> Vec<PortRange> {
    let mut ranges: Vec<PortRange> = matrix
        .rows
        .iter()
        .filter(|row| is_media(row) && row.role == Role::Listens)
        .flat_map(|row| row.ranges.iter())
        .map(|range| PortRange {
            tls: false,
            ..*range
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<PortRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if u32::from(range.low) <= u32::from(last.high) + 1 => {
                last.high = last.high.max(range.high);
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// The rules of the components in `components` (every component when `None`), in document
/// order: for each row, a rule per transport (UDP first), then, for a media row, the
/// outbound rule of the media note. See the [module docs](self).
pub fn rules<'m>(matrix: &'m Matrix, components: Option<&[Component]>) -> Vec<Rule<'m>> {
    let peers = media_ports(matrix);
    let mut out = Vec::new();
    for (index, row) in matrix.rows.iter().enumerate() {
        if components.is_some_and(|wanted| !wanted.contains(&row.component)) {
            continue;
        }
        let direction = match row.role {
            Role::Listens => Direction::Inbound,
            Role::Connects => Direction::Outbound,
        };
        let transports = [Transport::Udp, Transport::Tcp]
            .into_iter()
            .filter(|&t| row.has_transport(t));
        for transport in transports.clone() {
            out.push(Rule {
                component: row.component,
                direction,
                transport,
                ports: row.ranges.clone(),
                labels: row.labels,
                protocol: &row.protocol,
                classification: &row.classification,
                configurable_via: &row.configurable_via,
                basis: Basis::Row,
                row: index,
            });
        }
        if is_media(row) && row.role == Role::Listens {
            for transport in transports {
                out.push(Rule {
                    component: row.component,
                    direction: Direction::Outbound,
                    transport,
                    ports: peers.clone(),
                    labels: row.labels,
                    protocol: &row.protocol,
                    classification: &row.classification,
                    configurable_via: "",
                    basis: Basis::MediaNote,
                    row: index,
                });
            }
        }
    }
    out
}

/// The formats of [`Firewall::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirewallFormat {
    /// A table a person reads, one block per component.
    Table,
    /// One JSON object per rule and line.
    Json,
    /// An nftables ruleset (`nft -f`).
    Nft,
    /// PowerShell `New-NetFirewallRule` commands.
    Windows,
}

/// The rules of a matrix's components, with the matrix they come from (its name heads the
/// outputs).
#[derive(Debug, Clone)]
pub struct Firewall<'m> {
    matrix: &'m Matrix,
    rules: Vec<Rule<'m>>,
}

/// One rule as a JSON line.
#[derive(Serialize)]
struct RuleJson<'a> {
    component: &'static str,
    direction: &'static str,
    transport: &'static str,
    ports: Vec<[u16; 2]>,
    tls_ports: Vec<[u16; 2]>,
    label: Option<&'static str>,
    labels: Vec<&'static str>,
    protocol: &'a str,
    classification: &'a str,
    configurable_via: &'a str,
    basis: &'static str,
}

impl<'m> Firewall<'m> {
    /// The rules of `components` (every component when `None`) in `matrix`.
    pub fn new(matrix: &'m Matrix, components: Option<&[Component]>) -> Firewall<'m> {
        Firewall {
            matrix,
            rules: rules(matrix, components),
        }
    }

    /// The rules, in document order.
    pub fn rules(&self) -> &[Rule<'m>] {
        &self.rules
    }

    /// The components that have rules, in document order.
    pub fn components(&self) -> Vec<Component> {
        let mut components: Vec<Component> = Vec::new();
        for rule in &self.rules {
            if components.last() != Some(&rule.component) {
                components.push(rule.component);
            }
        }
        components
    }

    /// Writes the rules in `format`.
    ///
    /// # Errors
    ///
    /// The first error of `out`.
    pub fn write(&self, format: FirewallFormat, out: &mut impl Write) -> io::Result<()> {
        match format {
            FirewallFormat::Table => self.write_table(out),
            FirewallFormat::Json => self.write_json(out),
            FirewallFormat::Nft => self.write_nft(out),
            FirewallFormat::Windows => self.write_windows(out),
        }
    }

    /// A table a person reads: a heading per component, a line per rule (direction,
    /// transport, ports with `tls` marks, labels, the document's protocol, classification
    /// and "Configurable via"). The media note's outbound rules show `peers' media ports*`,
    /// and the ports follow the table, once.
    ///
    /// ```
    /// use swyx_matrix::{Component, Matrix};
    /// use swyx_report::firewall::Firewall;
    /// let matrix = Matrix::swyxware_2013();
    /// let mut text = Vec::new();
    /// Firewall::new(&matrix, Some(&[Component::SwyxServer])).write_table(&mut text)?;
    /// let text = String::from_utf8(text).unwrap();
    /// assert!(text.contains("SwyxServer (swyx_server)"));
    /// assert!(text.lines().any(|l| l.contains("inbound") && l.contains("51000-51499")));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of `out`.
    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        const HEADER: [&str; 7] = [
            "direction",
            "transport",
            "ports",
            "label",
            "protocol",
            "classification",
            "configurable via",
        ];
        writeln!(
            out,
            "{}: what the firewall must let through, per component",
            self.matrix.name
        )?;
        writeln!(
            out,
            "(inbound: to the component's ports; outbound: from the component to the ports shown)"
        )?;
        let mut table = Table::in_sections(&HEADER, &[]);
        let mut current = None;
        for rule in &self.rules {
            if current != Some(rule.component) {
                current = Some(rule.component);
                table.section(format!("{} ({})", rule.component, rule.component.id()));
            }
            table.row(table_cells(rule).into());
        }
        table.write(out)?;
        if let Some(media) = self.rules.iter().find(|r| r.basis == Basis::MediaNote) {
            writeln!(out)?;
            writeln!(
                out,
                "* audio and fax go directly between the two connected clients (the document's \
                 note):\n  to the media ports of every component: {}",
                port_list(&media.ports, ", ", false)
            )?;
        }
        Ok(())
    }

    /// One JSON object per rule and line, with the fields `component`, `direction`,
    /// `transport`, `ports` (`[low, high]` pairs), `tls_ports`, `label` (the preferred one, or
    /// null), `labels`, `protocol`, `classification`, `configurable_via` and `basis`.
    ///
    /// ```
    /// use swyx_matrix::{Component, Matrix};
    /// use swyx_report::firewall::Firewall;
    /// let matrix = Matrix::swyxware_2013();
    /// let mut text = Vec::new();
    /// Firewall::new(&matrix, Some(&[Component::ConfigDataStore])).write_json(&mut text)?;
    /// assert_eq!(
    ///     String::from_utf8(text).unwrap(),
    ///     "{\"component\":\"config_data_store\",\"direction\":\"inbound\",\"transport\":\"tcp\",\
    ///      \"ports\":[[9094,9094],[9095,9095]],\"tls_ports\":[],\"label\":\"configuration\",\
    ///      \"labels\":[\"configuration\"],\"protocol\":\"CDS\",\"classification\":\"Configuration\",\
    ///      \"configurable_via\":\"\",\"basis\":\"row\"}\n"
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of `out`.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        for rule in &self.rules {
            let pairs = |tls_only: bool| -> Vec<[u16; 2]> {
                rule.ports
                    .iter()
                    .filter(|r| !tls_only || r.tls)
                    .map(|r| [r.low, r.high])
                    .collect()
            };
            let line = RuleJson {
                component: rule.component.id(),
                direction: rule.direction.id(),
                transport: rule.transport.id(),
                ports: pairs(false),
                tls_ports: pairs(true),
                label: rule.label().map(Label::id),
                labels: rule.labels.iter().map(Label::id).collect(),
                protocol: rule.protocol,
                classification: rule.classification,
                configurable_via: rule.configurable_via,
                basis: rule.basis.id(),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The ports cell of a [`Basis::MediaNote`] rule in the table; the ports follow the table.
const MEDIA_NOTE_CELL: &str = "peers' media ports*";

/// The table's cells of one rule.
fn table_cells(rule: &Rule<'_>) -> [String; 7] {
    let ports = match rule.basis {
        Basis::Row => port_list(&rule.ports, ", ", true),
        Basis::MediaNote => MEDIA_NOTE_CELL.to_owned(),
    };
    [
        rule.direction.id().to_owned(),
        rule.transport.to_string(),
        ports,
        if rule.labels.is_empty() {
            "-".to_owned()
        } else {
            rule.labels.to_string()
        },
        match rule.protocol_text() {
            text if text.is_empty() => "-".to_owned(),
            text => text,
        },
        rule.classification.to_owned(),
        rule.configurable_via.to_owned(),
    ]
}

/// `5000-5020<sep>5060`, with ` tls` after the TLS ports when `tls`.
fn port_list(ports: &[PortRange], separator: &str, tls: bool) -> String {
    let mut text = String::new();
    for (i, range) in ports.iter().enumerate() {
        if i > 0 {
            text.push_str(separator);
        }
        let plain = PortRange {
            tls: tls && range.tls,
            ..*range
        };
        text.push_str(&plain.to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Matrix {
        Matrix::swyxware_2013()
    }

    #[test]
    fn a_udp_and_tcp_row_gives_a_rule_per_transport() {
        let matrix = matrix();
        let sip: Vec<_> = rules(&matrix, Some(&[Component::SwyxServer]))
            .into_iter()
            .filter(|r| r.label() == Some(Label::Sip))
            .collect();
        assert_eq!(sip.len(), 2);
        assert_eq!(sip[0].transport, Transport::Udp);
        assert_eq!(sip[1].transport, Transport::Tcp);
        assert!(sip
            .iter()
            .all(|r| r.direction == Direction::Inbound && r.port_pairs() == [(5060, 5060)]));
    }

    #[test]
    fn undetermined_outgoing_cds_rows_are_outbound_to_9094_and_9095() {
        let matrix = matrix();
        let all = rules(&matrix, None);
        let cds: Vec<_> = all
            .iter()
            .filter(|r| r.label() == Some(Label::Configuration))
            .filter(|r| r.port_pairs() == [(9094, 9094), (9095, 9095)])
            .collect();
        // Every component with an "Undetermined, outgoing" row, and the ConfigDataStore.
        let inbound: Vec<_> = cds
            .iter()
            .filter(|r| r.direction == Direction::Inbound)
            .collect();
        assert_eq!(inbound.len(), 1);
        assert_eq!(inbound[0].component, Component::ConfigDataStore);
        assert_eq!(cds.len() - inbound.len(), 11);
        assert!(cds.iter().all(|r| r.transport == Transport::Tcp));
    }

    #[test]
    fn destination_rows_are_outbound() {
        let matrix = matrix();
        let phone = rules(&matrix, Some(&[Component::SwyxPhoneL4xx]));
        for (label, port, transport) in [
            (Label::Ftp, 21, Transport::Tcp),
            (Label::Ntp, 123, Transport::Udp),
        ] {
            let rule = phone.iter().find(|r| r.label() == Some(label));
            let rule = rule.map(|r| (r.direction, r.transport, r.port_pairs()));
            assert_eq!(
                rule,
                Some((Direction::Outbound, transport, vec![(port, port)]))
            );
        }
    }

    #[test]
    fn a_media_row_is_inbound_on_its_ports_and_outbound_to_every_media_range() {
        let matrix = matrix();
        let peers = media_ports(&matrix);
        let server = rules(&matrix, Some(&[Component::SwyxServer]));
        let rtp: Vec<_> = server
            .iter()
            .filter(|r| r.label() == Some(Label::Rtp))
            .collect();
        assert_eq!(rtp.len(), 2);
        assert_eq!(
            (rtp[0].direction, rtp[0].basis),
            (Direction::Inbound, Basis::Row)
        );
        assert_eq!(rtp[0].port_pairs(), [(51000, 51499)]);
        assert_eq!(
            (rtp[1].direction, rtp[1].basis),
            (Direction::Outbound, Basis::MediaNote)
        );
        assert_eq!(rtp[1].ports, peers);
        // Every media row of every component lies inside the peers' ranges.
        for row in matrix.rows.iter().filter(|r| is_media(r)) {
            for range in &row.ranges {
                assert!(
                    peers
                        .iter()
                        .any(|p| p.low <= range.low && range.high <= p.high),
                    "{range}"
                );
            }
        }
        // A port of no media row is outside them: the rule is no wider than the document.
        assert!(!peers.iter().any(|p| p.contains(9094)));
    }

    #[test]
    fn rules_follow_the_document_order_and_the_component_filter() {
        let matrix = matrix();
        let all = rules(&matrix, None);
        assert!(all.windows(2).all(|w| w[0].row <= w[1].row));
        let components: Vec<_> = Firewall::new(&matrix, None).components();
        assert_eq!(components, Component::ALL.to_vec());
        let two = Firewall::new(&matrix, Some(&[Component::MediaPack, Component::SwyxGate]));
        assert_eq!(
            two.components(),
            [Component::SwyxGate, Component::MediaPack]
        );
    }

    #[test]
    fn a_row_without_protocol_has_no_label() {
        let matrix = matrix();
        let connect = rules(&matrix, Some(&[Component::SwyxConnect172x]));
        let general: Vec<_> = connect
            .iter()
            .filter(|r| r.classification == "General")
            .collect();
        assert_eq!(general.len(), 1);
        assert_eq!((general[0].label(), general[0].protocol), (None, ""));
        let mut json = Vec::new();
        Firewall::new(&matrix, Some(&[Component::SwyxConnect172x]))
            .write_json(&mut json)
            .unwrap();
        let json = String::from_utf8(json).unwrap();
        assert!(json.contains(
            "\"label\":null,\"labels\":[],\"protocol\":\"\",\"classification\":\"General\""
        ));
    }

    #[test]
    fn json_lines_carry_the_stable_fields() {
        let matrix = matrix();
        let mut text = Vec::new();
        Firewall::new(&matrix, None).write_json(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text.lines().count(), rules(&matrix, None).len());
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            for field in [
                "component",
                "direction",
                "transport",
                "ports",
                "label",
                "classification",
                "configurable_via",
            ] {
                assert!(value.get(field).is_some(), "{field} missing in {line}");
            }
        }
    }

    #[test]
    fn the_table_marks_tls_ports_and_heads_each_component() {
        let matrix = matrix();
        let mut text = Vec::new();
        Firewall::new(&matrix, Some(&[Component::PhoneManager]))
            .write_table(&mut text)
            .unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("PhoneManager (phone_manager)"));
        assert!(text.contains("1300 tls, 1720, 1721 tls"));
        assert_eq!(text.matches("(phone_manager)").count(), 1);
    }
}
