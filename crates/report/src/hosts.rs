//! The hosts view: one row per address of the captures, with the components it acts as, the
//! services it offers and uses, and its packets and bytes.
//!
//! ```
//! use swyx_classify::classify;
//! use swyx_flow::Tracker;
//! use swyx_report::hosts::Hosts;
//! use swyx_report::services::Limits;
//!
//! let mut frame = swyx_classify::doc_frame(); // 10.0.0.1:51000 -> 10.0.0.2:50100, RTP
//! let mut hosts = Hosts::new(None, Limits::default());
//! let mut tracker = Tracker::swyxware_2013();
//! for index in 0..2 {
//!     frame[45] = index as u8; // the RTP sequence number steps forward
//!     tracker.push(index, index * 20_000_000, frame.len() as u32, &classify(&frame), &mut hosts);
//! }
//! tracker.finish(&mut hosts);
//! hosts.add_roles(tracker.hosts());
//! let report = hosts.report();
//! assert_eq!(report.hosts.len(), 2);
//! let sender = &report.hosts[0];
//! assert_eq!(sender.addr.to_string(), "10.0.0.1");
//! assert_eq!((sender.sent.packets, sender.received.packets), (2, 0));
//! # let mut text = Vec::new();
//! # report.write_human(&mut text)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`Hosts`] is a [`Sink`] of the tracker's flow records (which carry each direction's packets
//! and bytes, so packets are not needed); feed it every file of a run and each file's
//! [`Tracker::hosts`](swyx_flow::Tracker::hosts) with [`Hosts::add_roles`]: one row per
//! address for the whole run, in address order.
//!
//! - **Components**: the roles the tracker gave the address (confirmed or signalled flows,
//!   SDP senders), the component of every labelled flow at the address's end (the component's
//!   own end: [`Labelled::component_side`](swyx_flow::Labelled::component_side), so port-only
//!   decisions of the matrix count too), and the `--site` inventory's component
//!   (`site_component`, also among `components`).
//! - **Offers** and **uses**: `label/transport/port` of the labelled flows whose service end
//!   (the deciding port's end, as in [`services`](crate::services)) is the address, and of
//!   those whose other end is.
//! - **Packets and bytes** sent and received: the TCP and UDP packets of its flows (a packet
//!   without ports, such as ARP or ICMP, is in no flow and counts for no host; a later IP
//!   fragment counts in its first fragment's flow). Summed over hosts, sent equals received
//!   equals the packets of every flow.
//!
//! Bounds ([`Limits`]): at most [`Limits::hosts`] hosts and [`Limits::host_services`] services
//! offered and used each; the flows' ends of hosts not kept and the services not listed are
//! counted ([`HostsReport::omitted`], [`HostRow::unlisted_service_flows`]) and said in the outputs.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;
use swyx_classify::{Component, Label, Side, Transport};
use swyx_flow::{Count, FlowRecord, PacketVerdict, Roles, Sink, Site};

use crate::csv;
use crate::services::{add_roles, ids, Limits};
use crate::table::Table;

/// A service as the hosts view names it: `label/transport/port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId {
    /// The label.
    pub label: Label,
    /// UDP or TCP.
    pub transport: Transport,
    /// The service's port.
    pub port: u16,
}

impl fmt::Display for ServiceId {
    /// ```
    /// use swyx_classify::{Label, Transport};
    /// use swyx_report::hosts::ServiceId;
    /// let id = ServiceId { label: Label::Sip, transport: Transport::Udp, port: 5060 };
    /// assert_eq!(id.to_string(), "sip/udp/5060");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.label.id(),
            self.transport.id(),
            self.port
        )
    }
}

#[derive(Debug, Clone, Default)]
struct Host {
    flow_components: Roles,
    sent: Count,
    received: Count,
    flows: u64,
    offers: Vec<ServiceId>,
    uses: Vec<ServiceId>,
    unlisted_service_flows: u64,
}

/// What the bounds of [`Hosts`] left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HostsOmitted {
    /// Flow ends at hosts not kept ([`Limits::hosts`] were).
    pub flow_ends: u64,
    /// The packets those ends sent.
    pub packets_sent: u64,
    /// The bytes those ends sent.
    pub bytes_sent: u64,
    /// Hosts whose roles were not kept (here or by the tracker).
    pub roles: u64,
}

/// One address of the captures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostRow {
    /// The address.
    pub addr: IpAddr,
    /// Every component it acts as: roles, labelled flows at its end, the site's.
    pub components: Roles,
    /// The `--site` inventory's component for it.
    pub site_component: Option<Component>,
    /// The services it offers, sorted.
    pub offers: Vec<ServiceId>,
    /// The services it uses, sorted.
    pub uses: Vec<ServiceId>,
    /// Flows of services offered or used that were not listed (the host's list held
    /// [`Limits::host_services`] already): a count of flows, not of services, which would
    /// take memory to tell apart.
    pub unlisted_service_flows: u64,
    /// Flows it is an end of (a flow whose label changed counts once per span).
    pub flows: u64,
    /// Packets and bytes it sent.
    pub sent: Count,
    /// Packets and bytes it received.
    pub received: Count,
}

/// What [`Hosts::report`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HostsReport {
    /// One row per address, in address order.
    pub hosts: Vec<HostRow>,
    /// What the bounds left out.
    pub omitted: HostsOmitted,
}

/// The hosts view's accumulator: a [`Sink`] of flows (the rules are in the
/// [module docs](self)).
#[derive(Debug, Clone)]
pub struct Hosts {
    site: Option<Site>,
    limits: Limits,
    hosts: HashMap<IpAddr, Host>,
    roles: HashMap<IpAddr, Roles>,
    omitted: HostsOmitted,
}

impl Hosts {
    /// An empty view; `site` names the inventory's components.
    pub fn new(site: Option<&Site>, limits: Limits) -> Hosts {
        Hosts {
            site: site.cloned(),
            limits,
            hosts: HashMap::new(),
            roles: HashMap::new(),
            omitted: HostsOmitted::default(),
        }
    }

    /// The roles the tracker saw (once per file, with that file's
    /// [`Tracker::hosts`](swyx_flow::Tracker::hosts)); a host with roles but no flow kept
    /// gets no row.
    pub fn add_roles(&mut self, hosts: impl IntoIterator<Item = (IpAddr, Roles)>) {
        add_roles(
            &mut self.roles,
            self.limits.hosts,
            &mut self.omitted.roles,
            hosts,
        );
    }

    /// Counts `hosts` hosts whose roles the tracker itself did not keep.
    pub fn add_roles_omitted(&mut self, hosts: u64) {
        self.omitted.roles += hosts;
    }

    fn host(&mut self, addr: IpAddr, sent: Count) -> Option<&mut Host> {
        if !self.hosts.contains_key(&addr) && self.hosts.len() >= self.limits.hosts {
            self.omitted.flow_ends += 1;
            self.omitted.packets_sent += sent.packets;
            self.omitted.bytes_sent += sent.bytes;
            return None;
        }
        Some(self.hosts.entry(addr).or_default())
    }

    /// The rows so far.
    pub fn report(&self) -> HostsReport {
        let mut hosts: Vec<HostRow> = self
            .hosts
            .iter()
            .map(|(&addr, host)| {
                let site_component = self.site.as_ref().and_then(|s| s.component_of(addr));
                let mut components = host.flow_components;
                let roles = self.roles.get(&addr).copied().unwrap_or_default();
                for component in roles.components().chain(site_component) {
                    components = components.with(component);
                }
                let mut offers = host.offers.clone();
                offers.sort_unstable();
                let mut uses = host.uses.clone();
                uses.sort_unstable();
                HostRow {
                    addr,
                    components,
                    site_component,
                    offers,
                    uses,
                    unlisted_service_flows: host.unlisted_service_flows,
                    flows: host.flows,
                    sent: host.sent,
                    received: host.received,
                }
            })
            .collect();
        hosts.sort_by_key(|h| h.addr);
        HostsReport {
            hosts,
            omitted: self.omitted,
        }
    }
}

fn note(list: &mut Vec<ServiceId>, omitted: &mut u64, max: usize, id: ServiceId) {
    if !list.contains(&id) {
        if list.len() < max {
            list.push(id);
        } else {
            *omitted += 1;
        }
    }
}

impl Sink for Hosts {
    fn packet(&mut self, _: &PacketVerdict) {}

    fn flow(&mut self, flow: &FlowRecord) {
        let labelled = flow.verdict.labelled().copied();
        let max = self.limits.host_services;
        for (addr, side, sent, received) in [
            (
                flow.client.addr,
                Side::Source,
                flow.to_server,
                flow.to_client,
            ),
            (
                flow.server.addr,
                Side::Destination,
                flow.to_client,
                flow.to_server,
            ),
        ] {
            let Some(host) = self.host(addr, sent) else {
                continue;
            };
            host.flows += 1;
            host.sent.merge(sent);
            host.received.merge(received);
            let Some(l) = labelled else {
                continue;
            };
            if l.component_side == side {
                host.flow_components = host.flow_components.with(l.component);
            }
            let id = ServiceId {
                label: l.label,
                transport: flow.transport,
                port: l.port,
            };
            // The deciding port's end serves; the other end uses.
            let list = if l.side == side {
                &mut host.offers
            } else {
                &mut host.uses
            };
            note(list, &mut host.unlisted_service_flows, max, id);
        }
    }
}

#[derive(Serialize)]
struct HostJson {
    host: IpAddr,
    components: Vec<&'static str>,
    site_component: Option<&'static str>,
    offers: Vec<String>,
    uses: Vec<String>,
    unlisted_service_flows: u64,
    flows: u64,
    packets_sent: u64,
    bytes_sent: u64,
    packets_received: u64,
    bytes_received: u64,
}

impl HostJson {
    fn of(row: &HostRow) -> HostJson {
        HostJson {
            host: row.addr,
            components: ids(row.components),
            site_component: row.site_component.map(Component::id),
            offers: row.offers.iter().map(ServiceId::to_string).collect(),
            uses: row.uses.iter().map(ServiceId::to_string).collect(),
            unlisted_service_flows: row.unlisted_service_flows,
            flows: row.flows,
            packets_sent: row.sent.packets,
            bytes_sent: row.sent.bytes,
            packets_received: row.received.packets,
            bytes_received: row.received.bytes,
        }
    }
}

#[derive(Serialize)]
struct OmittedJson {
    omitted: HostsOmitted,
}

fn joined(list: &[ServiceId]) -> String {
    list.iter()
        .map(ServiceId::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl HostsReport {
    /// The CSV header of [`HostsReport::write_csv`]; lists are space-separated in their field.
    pub const CSV_HEADER: &'static str = "host,components,site_component,offers,uses,unlisted_service_flows,flows,packets_sent,bytes_sent,packets_received,bytes_received";

    /// Whether the bounds left anything out.
    pub fn omitted_any(&self) -> bool {
        self.omitted != HostsOmitted::default()
    }

    /// One JSON object per host and line: `host`, `components`, `site_component`, `offers`,
    /// `uses` (`label/transport/port`), `unlisted_service_flows`, `flows`, `packets_sent`,
    /// `bytes_sent`, `packets_received`, `bytes_received`; then, only when the bounds left
    /// something out, a last line `{"omitted": {flow_ends, packets_sent, bytes_sent, roles}}`.
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        for row in &self.hosts {
            serde_json::to_writer(&mut *out, &HostJson::of(row)).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
        if self.omitted_any() {
            let omitted = OmittedJson {
                omitted: self.omitted,
            };
            serde_json::to_writer(&mut *out, &omitted).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// One CSV row per host, without the header ([`HostsReport::CSV_HEADER`]); what the
    /// bounds left out is not in the rows (the caller says it elsewhere:
    /// [`HostsReport::omitted`]).
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        for row in &self.hosts {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                row.addr,
                ids(row.components).join(" "),
                row.site_component.map_or("", Component::id),
                csv::field(&joined(&row.offers)),
                csv::field(&joined(&row.uses)),
                row.unlisted_service_flows,
                row.flows,
                row.sent.packets,
                row.sent.bytes,
                row.received.packets,
                row.received.bytes,
            )?;
        }
        Ok(())
    }

    /// The table a person reads: a line per host (the inventory's component marked `*`),
    /// then what the bounds left out.
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_human(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "Hosts: {}", self.hosts.len())?;
        let mut table = Table::new(
            &[
                "host",
                "components",
                "flows",
                "sent",
                "bytes",
                "received",
                "bytes",
                "offers; uses",
            ],
            &[2, 3, 4, 5, 6],
        );
        for row in &self.hosts {
            let mut components = row
                .components
                .components()
                .map(|c| {
                    if Some(c) == row.site_component {
                        format!("{}*", c.id())
                    } else {
                        c.id().to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            if components.is_empty() {
                components.push('-');
            }
            let list = |list: &[ServiceId]| {
                if list.is_empty() {
                    "-".to_owned()
                } else {
                    joined(list)
                }
            };
            let mut services = format!("{}; {}", list(&row.offers), list(&row.uses));
            if row.unlisted_service_flows > 0 {
                services.push_str(&format!(
                    " (+{} flows of services not listed)",
                    row.unlisted_service_flows
                ));
            }
            table.row(vec![
                row.addr.to_string(),
                components,
                row.flows.to_string(),
                row.sent.packets.to_string(),
                row.sent.bytes.to_string(),
                row.received.packets.to_string(),
                row.received.bytes.to_string(),
                services,
            ]);
        }
        table.write(out)?;
        if self.hosts.iter().any(|h| h.site_component.is_some()) {
            writeln!(out, "  * the --site inventory's component")?;
        }
        if self.omitted_any() {
            let o = self.omitted;
            writeln!(out)?;
            writeln!(
                out,
                "Left out by the bounds: {} flow ends ({} packets, {} bytes sent) at hosts not \
                 kept, {} hosts' roles",
                o.flow_ends, o.packets_sent, o.bytes_sent, o.roles
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::services::testing::{frames, ip, track, OUTSIDE, PCS, SERVER, SITE};

    fn hosts(site: bool, limits: Limits) -> HostsReport {
        let inventory = Site::parse(SITE).unwrap();
        let mut hosts = Hosts::new(site.then_some(&inventory), limits);
        let roles = track(&frames(), site, &mut hosts);
        hosts.add_roles(roles);
        hosts.report()
    }

    fn row(report: &HostsReport, addr: [u8; 4]) -> &HostRow {
        report.hosts.iter().find(|h| h.addr == ip(addr)).unwrap()
    }

    #[test]
    fn every_address_gets_its_packets_bytes_components_and_services() {
        let report = hosts(true, Limits::default());
        // What each address sent and received, from the frames themselves.
        let mut sums: BTreeMap<IpAddr, (Count, Count)> = BTreeMap::new();
        for (_, spec) in frames() {
            let frame = spec.ethernet();
            let (src, dst) = match spec.addresses {
                swyx_testkit::Addresses::V4(src, dst) => (ip(src), ip(dst)),
                swyx_testkit::Addresses::V6(..) => unreachable!(),
            };
            sums.entry(src).or_default().0.add(frame.len() as u32);
            sums.entry(dst).or_default().1.add(frame.len() as u32);
        }
        let got: BTreeMap<IpAddr, (Count, Count)> = report
            .hosts
            .iter()
            .map(|h| (h.addr, (h.sent, h.received)))
            .collect();
        assert_eq!(got, sums);
        let addrs: Vec<IpAddr> = report.hosts.iter().map(|h| h.addr).collect();
        assert!(addrs.windows(2).all(|w| w[0] < w[1]), "address order");

        let server = row(&report, SERVER);
        assert_eq!(server.site_component, Some(Component::SwyxServer));
        assert_eq!(ids(server.components), ["swyx_server"]);
        let sip = |port| ServiceId {
            label: Label::Sip,
            transport: Transport::Udp,
            port,
        };
        assert_eq!(server.offers, [sip(5060)]);
        assert!(server.uses.is_empty());
        let pc = row(&report, PCS[0]);
        assert_eq!(ids(pc.components), ["swyx_it"]);
        let ldap = ServiceId {
            label: Label::Ldap,
            transport: Transport::Tcp,
            port: 712,
        };
        assert_eq!(pc.uses, [sip(5060), ldap]);
        assert_eq!(pc.flows, 4);
        // The directory serves LDAP and is no component: SwyxIt! is at the client's end.
        let outside = row(&report, OUTSIDE);
        assert_eq!(outside.offers, [ldap]);
        assert!(ids(outside.components).is_empty());
        assert_eq!(outside.site_component, None);
    }

    #[test]
    fn without_an_inventory_components_come_from_the_flows() {
        let report = hosts(false, Limits::default());
        let pc = row(&report, PCS[1]);
        assert_eq!(pc.site_component, None);
        // Its only flow is SIP to the server: it is no component's end.
        assert!(ids(pc.components).is_empty());
        assert_eq!(ids(row(&report, SERVER).components), ["swyx_server"]);
        assert_eq!(ids(row(&report, PCS[0]).components), ["swyx_it"]);
    }

    #[test]
    fn the_bounds_keep_what_fits_and_count_the_rest() {
        let report = hosts(true, Limits::all(1));
        // The first flow's client is the one host kept, with one of its two services.
        assert_eq!(report.hosts.len(), 1);
        let pc = &report.hosts[0];
        assert_eq!(pc.addr, ip(PCS[0]));
        assert_eq!((pc.uses.len(), pc.unlisted_service_flows), (1, 1));
        let ends: u64 = 2 * 5 - pc.flows;
        assert_eq!(report.omitted.flow_ends, ends);
        let all: u64 = frames().len() as u64;
        assert_eq!(report.omitted.packets_sent + pc.sent.packets, all);
        let mut json = Vec::new();
        report.write_json(&mut json).unwrap();
        let text = String::from_utf8(json).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["omitted"]["flow_ends"], ends);
        let mut human = Vec::new();
        report.write_human(&mut human).unwrap();
        assert!(String::from_utf8(human)
            .unwrap()
            .contains(&format!("Left out by the bounds: {ends} flow ends")));
    }

    #[test]
    fn csv_rows_follow_the_header() {
        let report = hosts(true, Limits::default());
        let mut csv = Vec::new();
        report.write_csv(&mut csv).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let columns = HostsReport::CSV_HEADER.split(',').count();
        assert_eq!(text.lines().count(), report.hosts.len());
        assert!(text.lines().all(|l| l.split(',').count() == columns));
        assert!(text.contains("10.0.0.20,swyx_it,swyx_it,,sip/udp/5060 ldap/tcp/712,0,4,"));
    }
}
