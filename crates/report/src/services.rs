//! A capture held against the port matrix: the services it used, the flows between site hosts
//! that a firewall built from the document would block, and the matrix rows it never used.
//!
//! ```
//! use swyx_classify::{classify, Matrix};
//! use swyx_flow::Tracker;
//! use swyx_report::services::{Limits, Services};
//!
//! let mut frame = swyx_classify::doc_frame(); // 10.0.0.1:51000 -> 10.0.0.2:50100, RTP
//! let matrix = Matrix::swyxware_2013();
//! let mut services = Services::new(&matrix, None, Limits::default());
//! let mut tracker = Tracker::swyxware_2013();
//! for index in 0..2 {
//!     frame[45] = index as u8; // the RTP sequence number steps forward
//!     tracker.push(index, index * 20_000_000, frame.len() as u32, &classify(&frame), &mut services);
//! }
//! tracker.finish(&mut services);
//! services.add_roles(tracker.hosts());
//! let report = services.report();
//! assert_eq!(report.services.len(), 1);
//! assert_eq!(report.services[0].label.id(), "rtp");
//! assert_eq!(report.services[0].packets, 2);
//! assert!(report.blocked.is_empty());
//! assert!(report.never_seen.iter().all(|row| row.label() != Some(swyx_classify::Label::Rtp)
//!     || row.component != report.services[0].component || row.transport.id() != "udp"));
//! # let mut text = Vec::new();
//! # report.write_human(&mut text)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`Services`] is a [`Sink`] that reads only the flows the tracker reports (packets are not
//! needed: a flow record carries its packets and bytes each way). Feed it every file of a run,
//! then each file's [`Tracker::hosts`](swyx_flow::Tracker::hosts) with
//! [`Services::add_roles`]: the report covers the whole run.
//!
//! # Services
//!
//! A labelled flow uses the service at the end of its deciding port (the flow's
//! [`Labelled::side`](swyx_flow::Labelled::side)): the component's own end for a row the
//! component listens on, the other end for a row it connects to (an LDAP client to 712: the
//! service is the LDAP server's 712, and its component, the client's, is named with
//! `component_at: client`). A service is the key (server address, transport, port, label,
//! component, component's end); it counts flows (a flow whose label changed counts once per
//! span), packets and bytes both ways, the first and last times, and its clients' addresses.
//! Unlabelled flows use no service.
//!
//! # Blocked by a firewall built from the document
//!
//! The firewall of [`firewall`](crate::firewall) gives each component inbound rules for the
//! ports its rows listen on, and outbound rules for the ports its "connects" rows name. A flow
//! between two *site hosts* is allowed when a component of its server end listens on its
//! server port, or a component of its client end connects to that port (same transport), and
//! blocked otherwise, labelled or not: an unlabelled TCP 3389 connection between two SwyxWare
//! hosts is exactly what such a firewall drops. Outbound traffic to another component's
//! listened port needs no rule of its own (the rulesets keep `policy accept` outbound, and the
//! inbound rule at the other end is the one that counts).
//!
//! - The flow's server end is the tracker's (the receiver of the SYN or of the first
//!   datagram), except for a labelled flow whose deciding port is at the client's end (a
//!   capture that starts mid-connection, a listener that sent first): the service end is the
//!   server.
//! - *Site hosts* are the hosts of `--site` (a [`Site`]), each with its inventory component;
//!   without one, the hosts the tracker saw acting as components (its roles, from confirmed
//!   or signalled flows), with those components. Other hosts (the internet, a DNS server) are
//!   outside the site and not judged.
//! - Blocked flows are grouped by (client, server, transport, server port): flows, packets,
//!   bytes, first and last times, the first label seen (or none).
//!
//! Without `--site` the hosts are known only at the end, so the flows that may be blocked wait
//! in bounded groups until [`Services::report`]; a flow whose payload confirmed a component's
//! row is allowed whatever happens (its end acquires the component, whose row covers the port)
//! and does not wait. A signalled flow waits like an unlabelled one: SDP may announce media on
//! a port no row names, which a document-built firewall blocks. With `--site`, each flow is judged as it ends and only blocked ones are kept.
//!
//! # Rows never seen
//!
//! A matrix row is used, on one of its transports, when a labelled flow of that transport
//! matched it at either end. At the end of the flow's component: the same component, the
//! row's role (listening when the deciding port is the component's end), the label among the
//! row's labels, and the deciding port in one of the row's ranges. At the other end, the same
//! with the other role, for the flow's peer (where its decision names one) and for each
//! component of that end's host if it is a site host (a host seen acting as two components
//! uses the rows of both): a SwyxServer's connection to a ConfigDataStore's 9094 is labelled
//! with the listener, and uses the SwyxServer's own "connects 9094" row too. A row that names
//! no protocol (SwyxConnect 172x "General") is used when a labelled flow of its component has
//! its deciding port in its ranges. The report lists every (row, transport) never used, in
//! document order: rules a site's firewall may not need. The other ends are the clients a
//! service keeps (at most [`Limits::clients`]).
//!
//! # Bounds
//!
//! At most [`Limits::services`] services, [`Limits::clients`] client addresses per service,
//! [`Limits::blocked`] groups of flows that are or may be blocked, and [`Limits::hosts`]
//! hosts' roles are kept. What did not fit is counted in [`Omitted`] and said in the outputs.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;
use swyx_classify::{Component, Label, Side, Transport};
use swyx_flow::{FlowEvidence, FlowRecord, PacketVerdict, Roles, Sink, Site};
use swyx_matrix::{Matrix, Role, Row};

use crate::table::Table;
use crate::timestamp;

/// How much the accumulators of [`Services`] and [`Hosts`](crate::hosts::Hosts) keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Services (server, transport, port, label, component) kept.
    pub services: usize,
    /// Client addresses kept per service.
    pub clients: usize,
    /// Groups of flows (client, server, transport, port) that are or may be blocked.
    pub blocked: usize,
    /// Hosts kept (their roles; in the hosts view, their rows).
    pub hosts: usize,
    /// Services kept per host and direction (offered, used), in the hosts view.
    pub host_services: usize,
}

impl Default for Limits {
    /// 4,096 services of 64 clients each, 16,384 groups of flows, 65,536 hosts (the tracker's
    /// own bound on roles) with 32 services offered and used each.
    fn default() -> Limits {
        Limits {
            services: 4096,
            clients: 64,
            blocked: 16_384,
            hosts: 65_536,
            host_services: 32,
        }
    }
}

impl Limits {
    /// The default limits with `max` for every count, for tests of the bounds.
    ///
    /// ```
    /// let limits = swyx_report::services::Limits::all(2);
    /// assert_eq!((limits.services, limits.clients, limits.hosts), (2, 2, 2));
    /// ```
    pub fn all(max: usize) -> Limits {
        Limits {
            services: max,
            clients: max,
            blocked: max,
            hosts: max,
            host_services: max,
        }
    }
}

/// What the bounds left out, in flows (or hosts for roles).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Omitted {
    /// Labelled flows of a new service when [`Limits::services`] were kept: in no service.
    pub services: u64,
    /// Flows whose client was not listed with its service ([`Limits::clients`] were).
    pub clients: u64,
    /// Flows that may have been blocked, not judged: [`Limits::blocked`] groups were kept.
    pub blocked: u64,
    /// Hosts whose roles were not kept here, and roles the tracker itself could not note
    /// ([`Stats::hosts_dropped`](swyx_flow::Stats::hosts_dropped)).
    pub hosts: u64,
}

impl Omitted {
    fn any(&self) -> bool {
        *self != Omitted::default()
    }
}

/// One service the capture used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Service {
    /// The address that serves it.
    pub server: IpAddr,
    /// UDP or TCP.
    pub transport: Transport,
    /// Its port (the deciding port of the flows).
    pub port: u16,
    /// The label of its flows.
    pub label: Label,
    /// Their component.
    pub component: Component,
    /// Where the component is: [`Side::Destination`] (the server, a row it listens on) or
    /// [`Side::Source`] (the clients: a row it connects to, as LDAP to 712).
    pub component_at: Side,
    /// Client addresses, in the order first seen (at most [`Limits::clients`]).
    pub clients: Vec<IpAddr>,
    /// Flows whose client is not in `clients` (the list was full).
    pub clients_omitted: u64,
    /// Flows (a flow whose label changed counts once per span).
    pub flows: u64,
    /// Packets, both ways.
    pub packets: u64,
    /// Bytes on the wire, both ways.
    pub bytes: u64,
    /// Capture time of the first packet, in nanoseconds.
    pub first_ns: u64,
    /// Capture time of the last packet, in nanoseconds.
    pub last_ns: u64,
}

/// Flows between site hosts that a firewall built from the document would block, grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Blocked {
    /// The client's address.
    pub client: IpAddr,
    /// The server's address.
    pub server: IpAddr,
    /// UDP or TCP.
    pub transport: Transport,
    /// The server's port.
    pub port: u16,
    /// The first label of the flows, if any was labelled.
    pub label: Option<Label>,
    /// The client's components (as the site hosts were judged).
    pub client_components: Roles,
    /// The server's components.
    pub server_components: Roles,
    /// Flows.
    pub flows: u64,
    /// Packets, both ways.
    pub packets: u64,
    /// Bytes on the wire, both ways.
    pub bytes: u64,
    /// Capture time of the first packet, in nanoseconds.
    pub first_ns: u64,
    /// Capture time of the last packet, in nanoseconds.
    pub last_ns: u64,
}

/// A matrix row, on one transport, that no flow used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NeverSeen {
    /// The index of the row in [`Matrix::rows`].
    pub row: usize,
    /// The row's component.
    pub component: Component,
    /// UDP or TCP.
    pub transport: Transport,
    /// Listens on the ports, or connects to them.
    pub role: Role,
    /// The row's ports, evaluated (`51000-51499`, `9094, 9095`).
    pub ports: String,
    /// The row's labels ids (`-` for none).
    pub labels: String,
    /// The document's "Protocol" column.
    pub protocol: String,
    /// The document's "Classification" column.
    pub classification: String,
    first_label: Option<Label>,
}

impl NeverSeen {
    /// The row's preferred label, `None` for a row that names no protocol.
    pub fn label(&self) -> Option<Label> {
        self.first_label
    }
}

/// What [`Services::report`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServicesReport {
    /// The files read, as given (see [`Services::add_file`]).
    pub files: Vec<String>,
    /// Whether site hosts came from an inventory (`--site`), or from the roles seen.
    pub site_from_inventory: bool,
    /// Flow rows read.
    pub flows: u64,
    /// Of which labelled.
    pub labelled_flows: u64,
    /// The services, by server address, transport, port, label and component.
    pub services: Vec<Service>,
    /// The blocked groups, by first time.
    pub blocked: Vec<Blocked>,
    /// The (row, transport)s never used, in document order.
    pub never_seen: Vec<NeverSeen>,
    /// How many matrix (row, transport)s there are.
    pub rows: usize,
    /// What the bounds left out.
    pub omitted: Omitted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ServiceKey {
    server: IpAddr,
    transport: Transport,
    port: u16,
    label: Label,
    component: Component,
    component_at_server: bool,
}

#[derive(Debug, Clone, Default)]
struct ServiceCount {
    clients: Vec<IpAddr>,
    clients_omitted: u64,
    count: Tally,
}

/// Flows, packets, bytes and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) flows: u64,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) first_ns: u64,
    pub(crate) last_ns: u64,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            flows: 0,
            packets: 0,
            bytes: 0,
            first_ns: u64::MAX,
            last_ns: 0,
        }
    }
}

impl Tally {
    pub(crate) fn add(&mut self, flow: &FlowRecord) {
        self.flows += 1;
        self.packets += flow.to_server.packets + flow.to_client.packets;
        self.bytes += flow.to_server.bytes + flow.to_client.bytes;
        self.first_ns = self.first_ns.min(flow.first_ns);
        self.last_ns = self.last_ns.max(flow.last_ns);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct GroupKey {
    client: IpAddr,
    server: IpAddr,
    transport: Transport,
    port: u16,
}

#[derive(Debug, Clone, Copy, Default)]
struct Group {
    label: Option<Label>,
    count: Tally,
}

/// The client and server of a flow as services see them: the service end is the deciding
/// port's for a labelled flow, the tracker's server otherwise.
pub(crate) fn service_ends(flow: &FlowRecord) -> (IpAddr, IpAddr, u16) {
    match flow.verdict.labelled() {
        Some(l) if l.side == Side::Source => (flow.server.addr, flow.client.addr, flow.client.port),
        _ => (flow.client.addr, flow.server.addr, flow.server.port),
    }
}

/// The rows of a matrix as the judgements need them.
#[derive(Debug, Clone)]
struct Rows(Vec<Row>);

impl Rows {
    /// Whether a row of `component` with `role` covers `port` on `transport`.
    fn covers(&self, component: Component, role: Role, transport: Transport, port: u16) -> bool {
        self.0.iter().any(|row| {
            row.component == component
                && row.role == role
                && row.has_transport(transport)
                && row.ranges.iter().any(|r| r.contains(port))
        })
    }

    /// Whether the document's firewall lets `client` reach `server`'s `port`.
    fn allows(&self, client: Roles, server: Roles, transport: Transport, port: u16) -> bool {
        server
            .components()
            .any(|c| self.covers(c, Role::Listens, transport, port))
            || client
                .components()
                .any(|c| self.covers(c, Role::Connects, transport, port))
    }
}

/// The capture firewall view's accumulator: a [`Sink`] of flows (the rules are in the
/// [module docs](self)).
#[derive(Debug, Clone)]
pub struct Services {
    rows: Rows,
    site: Option<Site>,
    limits: Limits,
    files: Vec<String>,
    flows: u64,
    labelled_flows: u64,
    services: HashMap<ServiceKey, ServiceCount>,
    groups: HashMap<GroupKey, Group>,
    /// Per row: used on UDP, on TCP.
    seen: Vec<[bool; 2]>,
    roles: HashMap<IpAddr, Roles>,
    omitted: Omitted,
}

fn transport_index(transport: Transport) -> usize {
    match transport {
        Transport::Udp => 0,
        Transport::Tcp => 1,
    }
}

impl Services {
    /// An empty view of captures against `matrix` (the one the tracker classifies with), the
    /// site hosts being `site`'s when given, else the roles [`Services::add_roles`] gives.
    pub fn new(matrix: &Matrix, site: Option<&Site>, limits: Limits) -> Services {
        Services {
            seen: vec![[false; 2]; matrix.rows.len()],
            rows: Rows(matrix.rows.clone()),
            site: site.cloned(),
            limits,
            files: Vec::new(),
            flows: 0,
            labelled_flows: 0,
            services: HashMap::new(),
            groups: HashMap::new(),
            roles: HashMap::new(),
            omitted: Omitted::default(),
        }
    }

    /// Names a file of the run (the outputs list them).
    pub fn add_file(&mut self, file: impl Into<String>) {
        self.files.push(file.into());
    }

    /// The roles the tracker saw (call it once per file, with that file's
    /// [`Tracker::hosts`](swyx_flow::Tracker::hosts)); roles of several files add up.
    pub fn add_roles(&mut self, hosts: impl IntoIterator<Item = (IpAddr, Roles)>) {
        add_roles(
            &mut self.roles,
            self.limits.hosts,
            &mut self.omitted.hosts,
            hosts,
        );
    }

    /// Counts `hosts` hosts whose roles the tracker itself did not keep
    /// ([`Stats::hosts_dropped`](swyx_flow::Stats::hosts_dropped)).
    pub fn add_roles_omitted(&mut self, hosts: u64) {
        self.omitted.hosts += hosts;
    }

    /// The components of a site host, `None` for a host outside the site.
    fn components_of(&self, addr: IpAddr) -> Option<Roles> {
        match &self.site {
            Some(site) => site.component_of(addr).map(|c| Roles::default().with(c)),
            None => self
                .roles
                .get(&addr)
                .copied()
                .filter(|r| r.components().next().is_some()),
        }
    }

    fn judge(&mut self, flow: &FlowRecord) {
        let (client, server, port) = service_ends(flow);
        if self.site.is_some() {
            let (Some(c), Some(s)) = (self.components_of(client), self.components_of(server))
            else {
                return;
            };
            if self.rows.allows(c, s, flow.transport, port) {
                return;
            }
        } else if flow
            .verdict
            .labelled()
            .is_some_and(|l| l.evidence == FlowEvidence::Confirmed)
        {
            // A payload confirmed a row of its component on the port, and its end acquires the
            // component. (A signalled flow may be on a port no row names: SDP announces any.)
            return;
        }
        let key = GroupKey {
            client,
            server,
            transport: flow.transport,
            port,
        };
        let full = self.groups.len() >= self.limits.blocked;
        match self.groups.get_mut(&key) {
            Some(group) => {
                group.count.add(flow);
                group.label = group.label.or(flow.verdict.label());
            }
            None if full => self.omitted.blocked += 1,
            None => {
                let mut group = Group {
                    label: flow.verdict.label(),
                    count: Tally::default(),
                };
                group.count.add(flow);
                self.groups.insert(key, group);
            }
        }
    }

    fn count_service(&mut self, flow: &FlowRecord) {
        let Some(l) = flow.verdict.labelled() else {
            return;
        };
        self.labelled_flows += 1;
        let (client, server, port) = service_ends(flow);
        let listens = l.side == l.component_side;
        let key = ServiceKey {
            server,
            transport: flow.transport,
            port,
            label: l.label,
            component: l.component,
            component_at_server: listens,
        };
        let full = self.services.len() >= self.limits.services;
        let service = match self.services.get_mut(&key) {
            Some(service) => service,
            None if full => {
                self.omitted.services += 1;
                return;
            }
            None => self.services.entry(key).or_default(),
        };
        service.count.add(flow);
        if !service.clients.contains(&client) {
            if service.clients.len() < self.limits.clients {
                service.clients.push(client);
            } else {
                service.clients_omitted += 1;
                self.omitted.clients += 1;
            }
        }
        let role = if listens {
            Role::Listens
        } else {
            Role::Connects
        };
        let used = Use {
            transport: flow.transport,
            label: l.label,
            port: l.port,
        };
        mark_used(&self.rows, &mut self.seen, l.component, role, used);
        // The other end's row, where the flow's decision names its component.
        if let Some(peer) = l.peer {
            let other = match role {
                Role::Listens => Role::Connects,
                Role::Connects => Role::Listens,
            };
            mark_used(&self.rows, &mut self.seen, peer, other, used);
        }
    }

    /// What the flows so far show (see the [module docs](self)).
    pub fn report(&self) -> ServicesReport {
        let mut services: Vec<Service> = self
            .services
            .iter()
            .map(|(key, s)| Service {
                server: key.server,
                transport: key.transport,
                port: key.port,
                label: key.label,
                component: key.component,
                component_at: if key.component_at_server {
                    Side::Destination
                } else {
                    Side::Source
                },
                clients: s.clients.clone(),
                clients_omitted: s.clients_omitted,
                flows: s.count.flows,
                packets: s.count.packets,
                bytes: s.count.bytes,
                first_ns: s.count.first_ns,
                last_ns: s.count.last_ns,
            })
            .collect();
        services.sort_by_key(|s| (s.server, s.transport, s.port, s.label, s.component));
        let mut blocked: Vec<Blocked> = self
            .groups
            .iter()
            .filter_map(|(key, group)| {
                let client = self.components_of(key.client)?;
                let server = self.components_of(key.server)?;
                (!self.rows.allows(client, server, key.transport, key.port)).then_some(Blocked {
                    client: key.client,
                    server: key.server,
                    transport: key.transport,
                    port: key.port,
                    label: group.label,
                    client_components: client,
                    server_components: server,
                    flows: group.count.flows,
                    packets: group.count.packets,
                    bytes: group.count.bytes,
                    first_ns: group.count.first_ns,
                    last_ns: group.count.last_ns,
                })
            })
            .collect();
        blocked.sort_by_key(|b| (b.first_ns, b.client, b.server, b.transport, b.port));
        // The other ends of the services: a SwyxServer that connects to the ConfigDataStore's
        // 9094 used its own row for that, which the flow's label (the listener's) does not
        // name. Their components are the site hosts' (known only now without an inventory).
        let mut seen = self.seen.clone();
        for (key, service) in &self.services {
            let (others, role) = if key.component_at_server {
                (service.clients.as_slice(), Role::Connects)
            } else {
                (core::slice::from_ref(&key.server), Role::Listens)
            };
            let used = Use {
                transport: key.transport,
                label: key.label,
                port: key.port,
            };
            for &addr in others {
                for component in self.components_of(addr).iter().flat_map(Roles::components) {
                    mark_used(&self.rows, &mut seen, component, role, used);
                }
            }
        }
        let mut never_seen = Vec::new();
        let mut rows = 0;
        for (index, (row, seen)) in self.rows.0.iter().zip(&seen).enumerate() {
            for transport in [Transport::Udp, Transport::Tcp] {
                if !row.has_transport(transport) {
                    continue;
                }
                rows += 1;
                if seen[transport_index(transport)] {
                    continue;
                }
                let ports: Vec<String> = row
                    .ranges
                    .iter()
                    .map(|r| {
                        if r.low == r.high {
                            r.low.to_string()
                        } else {
                            format!("{}-{}", r.low, r.high)
                        }
                    })
                    .collect();
                never_seen.push(NeverSeen {
                    row: index,
                    component: row.component,
                    transport,
                    role: row.role,
                    ports: ports.join(", "),
                    labels: row.labels.to_string(),
                    protocol: row.protocol.clone(),
                    classification: row.classification.clone(),
                    first_label: row.labels.first(),
                });
            }
        }
        ServicesReport {
            files: self.files.clone(),
            site_from_inventory: self.site.is_some(),
            flows: self.flows,
            labelled_flows: self.labelled_flows,
            services,
            blocked,
            never_seen,
            rows,
            omitted: self.omitted,
        }
    }
}

/// What a labelled flow used at one of its ends: the transport, the label and the deciding
/// port.
#[derive(Debug, Clone, Copy)]
struct Use {
    transport: Transport,
    label: Label,
    port: u16,
}

/// Marks as seen, on `used`'s transport, the rows of `component` in `role` that cover `used`:
/// the label among the row's labels (or a row that names none), the port in its ranges.
fn mark_used(rows: &Rows, seen: &mut [[bool; 2]], component: Component, role: Role, used: Use) {
    let t = transport_index(used.transport);
    for (row, seen) in rows.0.iter().zip(seen.iter_mut()) {
        if !seen[t]
            && row.component == component
            && row.role == role
            && row.has_transport(used.transport)
            && (row.labels.is_empty() || row.labels.contains(used.label))
            && row.ranges.iter().any(|r| r.contains(used.port))
        {
            seen[t] = true;
        }
    }
}

/// Adds `hosts`' roles to `map`, keeping at most `max` hosts and counting the others.
pub(crate) fn add_roles(
    map: &mut HashMap<IpAddr, Roles>,
    max: usize,
    omitted: &mut u64,
    hosts: impl IntoIterator<Item = (IpAddr, Roles)>,
) {
    for (addr, roles) in hosts {
        let len = map.len();
        match map.get_mut(&addr) {
            Some(known) => {
                for component in roles.components() {
                    *known = known.with(component);
                }
            }
            None if len < max => {
                map.insert(addr, roles);
            }
            None => *omitted += 1,
        }
    }
}

impl Sink for Services {
    fn packet(&mut self, _: &PacketVerdict) {}

    fn flow(&mut self, flow: &FlowRecord) {
        self.flows += 1;
        self.count_service(flow);
        self.judge(flow);
    }
}

/// Component ids, in [`Component::ALL`]'s order.
pub(crate) fn ids(roles: Roles) -> Vec<&'static str> {
    roles.components().map(Component::id).collect()
}

fn side_id(side: Side) -> &'static str {
    match side {
        Side::Destination => "server",
        Side::Source => "client",
    }
}

#[derive(Serialize)]
struct ServiceJson<'a> {
    server: IpAddr,
    transport: &'static str,
    port: u16,
    label: &'static str,
    component: &'static str,
    component_at: &'static str,
    clients: &'a [IpAddr],
    clients_omitted: u64,
    flows: u64,
    packets: u64,
    bytes: u64,
    first: String,
    last: String,
}

#[derive(Serialize)]
struct BlockedJson {
    client: IpAddr,
    server: IpAddr,
    transport: &'static str,
    port: u16,
    label: Option<&'static str>,
    client_components: Vec<&'static str>,
    server_components: Vec<&'static str>,
    flows: u64,
    packets: u64,
    bytes: u64,
    first: String,
    last: String,
}

#[derive(Serialize)]
struct NeverSeenJson<'a> {
    component: &'static str,
    transport: &'static str,
    role: &'static str,
    ports: &'a str,
    labels: &'a str,
    protocol: &'a str,
    classification: &'a str,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    files: &'a [String],
    site_hosts: &'static str,
    flows: u64,
    labelled_flows: u64,
    services: Vec<ServiceJson<'a>>,
    blocked: Vec<BlockedJson>,
    never_seen: Vec<NeverSeenJson<'a>>,
    rows: usize,
    omitted: Omitted,
}

impl ServicesReport {
    /// The report as one JSON object on one line: `files`, `site_hosts` (`site` or `roles`),
    /// `flows`, `labelled_flows`, `services` (server, transport, port, label, component,
    /// component_at, clients, clients_omitted, flows, packets, bytes, first, last), `blocked`
    /// (client, server, transport, port, label, client_components, server_components, flows,
    /// packets, bytes, first, last), `never_seen` (component, transport, role, ports, labels,
    /// protocol, classification), `rows` (the matrix's row and transport pairs), `omitted`
    /// (services, clients, blocked, hosts: what the bounds left out).
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        let json = ReportJson {
            files: &self.files,
            site_hosts: if self.site_from_inventory {
                "site"
            } else {
                "roles"
            },
            flows: self.flows,
            labelled_flows: self.labelled_flows,
            services: self
                .services
                .iter()
                .map(|s| ServiceJson {
                    server: s.server,
                    transport: s.transport.id(),
                    port: s.port,
                    label: s.label.id(),
                    component: s.component.id(),
                    component_at: side_id(s.component_at),
                    clients: &s.clients,
                    clients_omitted: s.clients_omitted,
                    flows: s.flows,
                    packets: s.packets,
                    bytes: s.bytes,
                    first: timestamp(s.first_ns),
                    last: timestamp(s.last_ns),
                })
                .collect(),
            blocked: self
                .blocked
                .iter()
                .map(|b| BlockedJson {
                    client: b.client,
                    server: b.server,
                    transport: b.transport.id(),
                    port: b.port,
                    label: b.label.map(Label::id),
                    client_components: ids(b.client_components),
                    server_components: ids(b.server_components),
                    flows: b.flows,
                    packets: b.packets,
                    bytes: b.bytes,
                    first: timestamp(b.first_ns),
                    last: timestamp(b.last_ns),
                })
                .collect(),
            never_seen: self
                .never_seen
                .iter()
                .map(|n| NeverSeenJson {
                    component: n.component.id(),
                    transport: n.transport.id(),
                    role: n.role.id(),
                    ports: &n.ports,
                    labels: &n.labels,
                    protocol: &n.protocol,
                    classification: &n.classification,
                })
                .collect(),
            rows: self.rows,
            omitted: self.omitted,
        };
        serde_json::to_writer(&mut *out, &json).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }

    /// The report a person reads: the services, the blocked flows, the rows never seen, and
    /// what the bounds left out.
    ///
    /// # Errors
    ///
    /// Those of `out`.
    pub fn write_human(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(
            out,
            "{} flows ({} labelled) in {}; site hosts: {}",
            self.flows,
            self.labelled_flows,
            match self.files.len() {
                1 => self.files[0].clone(),
                n => format!("{n} files"),
            },
            if self.site_from_inventory {
                "the --site inventory's"
            } else {
                "those seen acting as SwyxWare components"
            }
        )?;
        writeln!(out)?;
        writeln!(out, "Services used: {}", self.services.len())?;
        let mut table = Table::new(
            &[
                "server",
                "",
                "port",
                "label",
                "component",
                "flows",
                "packets",
                "bytes",
                "first",
                "clients",
            ],
            &[2, 5, 6, 7],
        );
        for s in &self.services {
            let mut clients: Vec<String> = s.clients.iter().map(IpAddr::to_string).collect();
            if s.clients_omitted > 0 {
                clients.push(format!("(+{} flows of others)", s.clients_omitted));
            }
            let component = match s.component_at {
                Side::Source => format!("{} (client)", s.component.id()),
                Side::Destination => s.component.id().to_owned(),
            };
            table.row(vec![
                s.server.to_string(),
                s.transport.to_string(),
                s.port.to_string(),
                s.label.id().to_owned(),
                component,
                s.flows.to_string(),
                s.packets.to_string(),
                s.bytes.to_string(),
                timestamp(s.first_ns),
                clients.join(", "),
            ]);
        }
        table.write(out)?;
        writeln!(out)?;
        writeln!(
            out,
            "Flows between site hosts on ports no matrix row of their components allows \
             (a firewall built from the document would block these): {}",
            self.blocked.len()
        )?;
        if !self.blocked.is_empty() {
            let mut table = Table::new(
                &[
                    "client",
                    "server",
                    "",
                    "port",
                    "label",
                    "flows",
                    "packets",
                    "first",
                    "components",
                ],
                &[3, 5, 6],
            );
            for b in &self.blocked {
                table.row(vec![
                    b.client.to_string(),
                    b.server.to_string(),
                    b.transport.to_string(),
                    b.port.to_string(),
                    b.label.map_or("-", Label::id).to_owned(),
                    b.flows.to_string(),
                    b.packets.to_string(),
                    timestamp(b.first_ns),
                    format!(
                        "{} -> {}",
                        ids(b.client_components).join("+"),
                        ids(b.server_components).join("+")
                    ),
                ]);
            }
            table.write(out)?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "Matrix rows never seen: {} of {} (row and transport)",
            self.never_seen.len(),
            self.rows
        )?;
        if !self.never_seen.is_empty() {
            let mut table = Table::new(
                &["component", "", "role", "ports", "labels", "classification"],
                &[],
            );
            for n in &self.never_seen {
                table.row(vec![
                    n.component.id().to_owned(),
                    n.transport.to_string(),
                    n.role.id().to_owned(),
                    n.ports.clone(),
                    n.labels.clone(),
                    n.classification.clone(),
                ]);
            }
            table.write(out)?;
        }
        if self.omitted.any() {
            let o = self.omitted;
            writeln!(out)?;
            writeln!(
                out,
                "Left out by the bounds: {} flows of services not kept, {} flows of clients \
                 not listed, {} flows not judged, {} hosts' roles",
                o.services, o.clients, o.blocked, o.hosts
            )?;
        }
        Ok(())
    }
}

/// A small site's traffic, tracked, for the tests of the views.
#[cfg(test)]
pub(crate) mod testing {
    use std::net::IpAddr;

    use swyx_classify::classify;
    use swyx_flow::{Roles, Sink, Site, Tracker};
    use swyx_testkit::{payload, FrameSpec};

    pub(crate) const SERVER: [u8; 4] = [10, 0, 0, 10];
    pub(crate) const PCS: [[u8; 4]; 2] = [[10, 0, 0, 20], [10, 0, 0, 21]];
    /// Outside the site: an LDAP directory and a remote desktop host.
    pub(crate) const OUTSIDE: [u8; 4] = [198, 51, 100, 7];
    pub(crate) const SITE: &str = "10.0.0.10 swyx_server\n10.0.0.0/24 swyx_it\n";

    pub(crate) fn ip(addr: [u8; 4]) -> IpAddr {
        IpAddr::from(addr)
    }

    /// (time in ms, frame): SIP from both PCs to the server's 5060, a PC's LDAP search to the
    /// outside directory's 712, and remote desktop (TCP 3389, 3 segments) from a PC to the
    /// server and to the outside host.
    pub(crate) fn frames() -> Vec<(u64, FrameSpec)> {
        let mut frames = vec![
            (
                0,
                FrameSpec::udp(PCS[0], SERVER, 5070, 5060, payload::sip_register()),
            ),
            (
                10,
                FrameSpec::udp(PCS[1], SERVER, 5071, 5060, payload::sip_register()),
            ),
            (
                500,
                FrameSpec::tcp(PCS[0], OUTSIDE, 40002, 712, payload::ldap_search()),
            ),
        ];
        for n in 0..3u64 {
            let (src, dst, sport, dport) = if n == 1 {
                (SERVER, PCS[0], 3389, 40000)
            } else {
                (PCS[0], SERVER, 40000, 3389)
            };
            frames.push((
                1000 + n,
                FrameSpec::tcp(src, dst, sport, dport, payload::noise(100, n as u8)),
            ));
            frames.push((
                2000 + n,
                FrameSpec::tcp(PCS[0], OUTSIDE, 40001, 3389, payload::noise(80, n as u8)),
            ));
        }
        frames.sort_by_key(|(ms, _)| *ms);
        frames
    }

    /// Tracks `frames` into `sink` (with the inventory when `site`), and gives the roles.
    pub(crate) fn track(
        frames: &[(u64, FrameSpec)],
        site: bool,
        sink: &mut impl Sink,
    ) -> Vec<(IpAddr, Roles)> {
        let mut tracker = Tracker::swyxware_2013();
        if site {
            tracker.set_site(Site::parse(SITE).unwrap());
        }
        for (index, (ms, spec)) in frames.iter().enumerate() {
            let frame = spec.ethernet();
            tracker.push(
                index as u64,
                ms * 1_000_000,
                frame.len() as u32,
                &classify(&frame),
                sink,
            );
        }
        tracker.finish(sink);
        tracker.hosts().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{frames, ip, track, OUTSIDE, PCS, SERVER, SITE};
    use super::*;
    use swyx_testkit::{payload, FrameSpec};

    fn services(site: bool, limits: Limits, frames: &[(u64, FrameSpec)]) -> Services {
        let matrix = Matrix::swyxware_2013();
        let inventory = Site::parse(SITE).unwrap();
        let mut services = Services::new(&matrix, site.then_some(&inventory), limits);
        let roles = track(frames, site, &mut services);
        services.add_roles(roles);
        services
    }

    #[test]
    fn services_name_their_server_port_label_component_and_clients() {
        let report = services(true, Limits::default(), &frames()).report();
        let sip = report
            .services
            .iter()
            .find(|s| s.label == Label::Sip)
            .unwrap();
        assert_eq!(
            (sip.server, sip.transport, sip.port, sip.component),
            (ip(SERVER), Transport::Udp, 5060, Component::SwyxServer)
        );
        assert_eq!(sip.component_at, Side::Destination);
        assert_eq!(sip.clients, [ip(PCS[0]), ip(PCS[1])]);
        assert_eq!((sip.flows, sip.packets, sip.first_ns), (2, 2, 0));
        assert_eq!(sip.last_ns, 10_000_000);
        // LDAP to 712 is a row SwyxIt! connects to: the directory serves, SwyxIt! is the client.
        let ldap = report
            .services
            .iter()
            .find(|s| s.label == Label::Ldap)
            .unwrap();
        assert_eq!((ldap.server, ldap.port), (ip(OUTSIDE), 712));
        assert_eq!(
            (ldap.component, ldap.component_at),
            (Component::SwyxIt, Side::Source)
        );
        assert_eq!(ldap.clients, [ip(PCS[0])]);
        assert_eq!(report.services.len(), 2);
        assert_eq!((report.flows, report.labelled_flows), (5, 3));
        assert!(report.site_from_inventory);
    }

    #[test]
    fn flows_between_site_hosts_on_a_port_no_row_allows_are_blocked() {
        for site in [true, false] {
            let report = services(site, Limits::default(), &frames()).report();
            // Remote desktop to the SwyxServer is blocked; to the outside host it is not
            // judged, and SIP to 5060 is allowed.
            assert_eq!(report.blocked.len(), 1, "site {site}: {:?}", report.blocked);
            let blocked = &report.blocked[0];
            assert_eq!(
                (
                    blocked.client,
                    blocked.server,
                    blocked.transport,
                    blocked.port
                ),
                (ip(PCS[0]), ip(SERVER), Transport::Tcp, 3389)
            );
            assert_eq!((blocked.flows, blocked.packets), (1, 3));
            assert_eq!(
                (blocked.first_ns, blocked.last_ns),
                (1_000_000_000, 1_002_000_000)
            );
            assert_eq!(blocked.label, None);
            assert!(blocked.server_components.contains(Component::SwyxServer));
            assert!(blocked.client_components.contains(Component::SwyxIt));
        }
    }

    #[test]
    fn media_that_sdp_announced_on_a_port_no_row_names_is_blocked_with_or_without_a_site() {
        // The PC offers audio on 10000 (no matrix row); the SwyxServer's RTP goes there.
        let sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.20\r\ns=-\r\nc=IN IP4 10.0.0.20\r\nt=0 0\r\n\
                   m=audio 10000 RTP/AVP 8\r\n";
        let invite = format!(
            "INVITE sip:pbx@10.0.0.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.20:5070;branch=z9hG4bK1\r\n\
             From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: off-row\r\nCSeq: 1 INVITE\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        );
        let mut frames = vec![(
            0,
            FrameSpec::udp(PCS[0], SERVER, 5070, 5060, invite.into_bytes()),
        )];
        for n in 0..4u16 {
            let rtp = payload::rtp(n, u32::from(n) * 160);
            frames.push((
                100 + u64::from(n) * 20,
                FrameSpec::udp(SERVER, PCS[0], 51000, 10000, rtp),
            ));
        }
        for site in [true, false] {
            let report = services(site, Limits::default(), &frames).report();
            assert!(
                report
                    .blocked
                    .iter()
                    .any(|b| b.port == 10000 && b.label == Some(Label::Rtp)),
                "site {site}: {:?}",
                report.blocked
            );
        }
    }

    #[test]
    fn without_an_inventory_hosts_without_roles_are_outside_the_site() {
        let matrix = Matrix::swyxware_2013();
        let mut services = Services::new(&matrix, None, Limits::default());
        track(&frames(), false, &mut services);
        // The roles not given yet: no host is a site host.
        assert!(services.report().blocked.is_empty());
    }

    #[test]
    fn the_connecting_ends_row_is_used_too() {
        // The SwyxServer connects to a ConfigDataStore's 9094: the flow carries the listener's
        // component, and the SwyxServer's own "connects 9094" row is used by it as well.
        let cds = [198, 51, 100, 13];
        let mut frames = frames();
        frames.push((
            3000,
            FrameSpec::tcp(SERVER, cds, 40010, 9094, payload::noise(60, 1)),
        ));
        for site in [true, false] {
            let report = services(site, Limits::default(), &frames).report();
            let listed = |component, role| {
                report.never_seen.iter().any(|n| {
                    n.component == component
                        && n.role == role
                        && n.transport == Transport::Tcp
                        && n.label() == Some(Label::Configuration)
                })
            };
            assert!(
                !listed(Component::ConfigDataStore, Role::Listens),
                "site {site}"
            );
            assert!(
                !listed(Component::SwyxServer, Role::Connects),
                "site {site}"
            );
            // No SwyxIt! host connected to it.
            assert!(listed(Component::SwyxIt, Role::Connects), "site {site}");
        }
    }

    #[test]
    fn rows_never_seen_leave_out_the_rows_flows_used() {
        let report = services(true, Limits::default(), &frames()).report();
        let listed = |component, transport, label| {
            report.never_seen.iter().any(|n| {
                n.component == component && n.transport == transport && n.label() == Some(label)
            })
        };
        assert!(!listed(Component::SwyxServer, Transport::Udp, Label::Sip));
        assert!(listed(Component::SwyxServer, Transport::Tcp, Label::Sip));
        // SwyxIt!'s LDAP row is "TCP + UDP": only its TCP half was used.
        assert!(!listed(Component::SwyxIt, Transport::Tcp, Label::Ldap));
        assert!(listed(Component::SwyxIt, Transport::Udp, Label::Ldap));
        assert_eq!(report.never_seen.len(), report.rows - 2);
        let rows: usize = Matrix::swyxware_2013()
            .rows
            .iter()
            .map(|r| usize::from(r.udp) + usize::from(r.tcp))
            .sum();
        assert_eq!(report.rows, rows);
    }

    #[test]
    fn the_bounds_keep_what_fits_and_count_the_rest() {
        let mut frames = frames();
        // A second blocked group: the other PC to the server's 3390.
        frames.push((
            3000,
            FrameSpec::tcp(PCS[1], SERVER, 40005, 3390, payload::noise(60, 9)),
        ));
        let report = services(true, Limits::all(1), &frames).report();
        assert_eq!(report.services.len(), 1);
        assert_eq!(report.services[0].clients.len(), 1);
        assert_eq!(report.services[0].clients_omitted, 1);
        assert_eq!(report.blocked.len(), 1);
        assert_eq!(
            report.omitted,
            Omitted {
                services: 1,
                clients: 1,
                blocked: 1,
                // The tracker saw two hosts acting as components: one kept.
                hosts: 1,
            }
        );
        let mut roles = Services::new(&Matrix::swyxware_2013(), None, Limits::all(1));
        let pc = |n: usize| (ip(PCS[n]), Roles::default().with(Component::SwyxIt));
        roles.add_roles([pc(0), pc(1)]);
        roles.add_roles([pc(0)]);
        roles.add_roles_omitted(2);
        assert_eq!(roles.report().omitted.hosts, 3);
        let mut text = Vec::new();
        report.write_human(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("Left out by the bounds: 1 flows of services not kept"));
        let mut json = Vec::new();
        report.write_json(&mut json).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json["omitted"]["blocked"], 1);
        assert_eq!(json["blocked"][0]["first"], "1.000000000");
    }
}
