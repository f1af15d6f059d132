//! A site inventory: which host is which SwyxWare component (see [`Site`]).

use core::fmt;
use core::net::IpAddr;

use hashbrown::HashMap;
use swyx_classify::{
    Component, Decision, Label, Outcome, Packet, PortTable, Reason, Role, Side, Transport,
};

use crate::hosts::Roles;
use crate::key::raw_addr;

/// A site inventory: which host is which SwyxWare component.
///
/// One line per host or network, `ADDRESS[/PREFIX] COMPONENT`, IPv4 or IPv6, `#` starting a
/// comment; the longest prefix that covers an address names its component:
///
/// ```text
/// # The site's servers.
/// 10.1.0.10        swyx_server
/// 10.1.0.11        swyx_gate          # the SIP trunk
/// 10.1.0.12        config_data_store
/// # The office PCs run SwyxIt!, the phones' subnet holds SwyxPhones.
/// 10.1.8.0/22      swyx_it
/// 10.1.20.0/24     swyx_phone_l4xx
/// fd00:1::/64      swyx_it
/// ```
///
/// What the tracker does with it ([`Tracker::set_site`](crate::Tracker::set_site)):
///
/// - **Attribution.** A packet decided for component X at an end whose inventory component is
///   Y is Y's when a matrix row of Y covers that end (the end's port for a listening row, the
///   other end's for a connecting one) with the same label: SwyxIt! and the
///   MobileExtensionManager share their rows, and the inventory tells them apart. Where no
///   row of Y allows it, the matrix's choice stands.
/// - **Shared rows.** A flow neither of whose ends is an inventory host gets no label from the
///   rows the matrix shares with other software: every RTP and T.38 decision (the media
///   ranges of every component: 2000-8000, 5000-5020, 6000-6290, 16384-32767, 32768-49151,
///   50000-50999, 51000-51499, 52000-52499, 55000-57000, 60000-60100 with the defaults) and
///   every decision on a broad row (SwyxDect 800's 2048-65535). Such packets and flows are
///   unclassified with [`Reason::NotASiteHost`](swyx_classify::Reason::NotASiteHost). Flows
///   that signalling announced (SDP, FTP) keep their label: the announcement is the evidence.
///   The other rows (SIP on 5060, CDS on 9094, ...) are SwyxWare's own ports and still label
///   alone.
///
/// ```
/// use swyx_classify::Component;
/// use swyx_flow::Site;
/// let site = Site::parse("10.1.0.10 swyx_server\n10.1.8.0/22 swyx_it # office PCs\n")?;
/// assert_eq!(site.component_of("10.1.0.10".parse().unwrap()), Some(Component::SwyxServer));
/// assert_eq!(site.component_of("10.1.9.7".parse().unwrap()), Some(Component::SwyxIt));
/// assert_eq!(site.component_of("10.1.12.1".parse().unwrap()), None);
/// # Ok::<(), swyx_flow::SiteError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// By (masked address, prefix length, IPv6).
    map: HashMap<(u128, u8, bool), Component, ahash::RandomState>,
    /// The prefix lengths in use, longest first, for IPv4 and for IPv6.
    lengths: [Vec<u8>; 2],
    entries: Vec<SiteEntry>,
}

/// One line of an inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteEntry {
    /// The network's address (host bits cleared).
    pub network: IpAddr,
    /// Its prefix length: 32 (IPv4) or 128 (IPv6) for one host.
    pub prefix: u8,
    /// The component its hosts run.
    pub component: Component,
    /// The 1-based line of the inventory.
    pub line: usize,
}

/// Why an inventory was rejected, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteError {
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub kind: SiteErrorKind,
}

/// What is wrong with an inventory line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SiteErrorKind {
    /// The address is not an IPv4 or IPv6 address.
    BadAddress(String),
    /// The prefix is not a number within the address family's bits.
    BadPrefix(String),
    /// The line names no component.
    MissingComponent,
    /// Not one of [`Component`]'s ids.
    UnknownComponent(String),
    /// Words after the component.
    ExtraWords(String),
    /// The same network on an earlier line, with another component.
    Conflict {
        /// The earlier line.
        line: usize,
        /// Its component.
        component: Component,
    },
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "site line {}: ", self.line)?;
        match &self.kind {
            SiteErrorKind::BadAddress(text) => {
                write!(f, "`{text}` is not an IPv4 or IPv6 address")
            }
            SiteErrorKind::BadPrefix(text) => write!(f, "bad prefix length `{text}`"),
            SiteErrorKind::MissingComponent => {
                f.write_str("expected `ADDRESS[/PREFIX] COMPONENT`: no component")
            }
            SiteErrorKind::UnknownComponent(id) => write!(
                f,
                "unknown component `{id}` (expected one of: {})",
                Component::ALL.map(Component::id).join(", ")
            ),
            SiteErrorKind::ExtraWords(text) => {
                write!(f, "unexpected `{text}` after the component")
            }
            SiteErrorKind::Conflict { line, component } => {
                write!(f, "the same network is {} on line {line}", component.id())
            }
        }
    }
}

impl std::error::Error for SiteError {}

impl Site {
    /// Parses an inventory (the format is in [`Site`]'s docs).
    ///
    /// # Errors
    ///
    /// The first malformed line, with its number and what is wrong.
    ///
    /// ```
    /// use swyx_flow::{Site, SiteErrorKind};
    /// let error = Site::parse("10.1.0.10 swyx_server\n10.1.0.300 swyx_gate\n").unwrap_err();
    /// assert_eq!(error.line, 2);
    /// assert_eq!(error.to_string(), "site line 2: `10.1.0.300` is not an IPv4 or IPv6 address");
    /// ```
    pub fn parse(text: &str) -> Result<Site, SiteError> {
        let mut site = Site::default();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |kind| SiteError { line, kind };
            let content = raw.split('#').next().unwrap_or("").trim();
            let mut words = content.split_whitespace();
            let Some(address) = words.next() else {
                continue;
            };
            let (addr, prefix) = match address.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (address, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| fail(SiteErrorKind::BadAddress(addr.to_string())))?;
            let bits = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => bits,
                Some(text) => text
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= bits)
                    .ok_or_else(|| fail(SiteErrorKind::BadPrefix(text.to_string())))?,
            };
            let id = words
                .next()
                .ok_or_else(|| fail(SiteErrorKind::MissingComponent))?;
            let component = Component::from_id(id)
                .ok_or_else(|| fail(SiteErrorKind::UnknownComponent(id.to_string())))?;
            if let Some(extra) = words.next() {
                return Err(fail(SiteErrorKind::ExtraWords(extra.to_string())));
            }
            site.insert(addr, prefix, component, line).map_err(fail)?;
        }
        Ok(site)
    }

    fn insert(
        &mut self,
        addr: IpAddr,
        prefix: u8,
        component: Component,
        line: usize,
    ) -> Result<(), SiteErrorKind> {
        let v6 = addr.is_ipv6();
        // IPv4 prefixes count from the top of the 32 bits the keys keep at the top.
        let masked = raw_addr(addr) & mask(prefix);
        match self.map.get(&(masked, prefix, v6)) {
            Some(&earlier) if earlier != component => {
                let line = self
                    .entries
                    .iter()
                    .find(|e| {
                        e.prefix == prefix
                            && e.network.is_ipv6() == v6
                            && raw_addr(e.network) == masked
                    })
                    .map_or(0, |e| e.line);
                return Err(SiteErrorKind::Conflict {
                    line,
                    component: earlier,
                });
            }
            Some(_) => return Ok(()),
            None => {}
        }
        self.map.insert((masked, prefix, v6), component);
        let lengths = &mut self.lengths[usize::from(v6)];
        if !lengths.contains(&prefix) {
            lengths.push(prefix);
            lengths.sort_unstable_by(|a, b| b.cmp(a));
        }
        let network = crate::key::ip_of(masked, v6);
        self.entries.push(SiteEntry {
            network,
            prefix,
            component,
            line,
        });
        Ok(())
    }

    /// The component the longest prefix covering `addr` names.
    pub fn component_of(&self, addr: IpAddr) -> Option<Component> {
        self.lookup(raw_addr(addr), addr.is_ipv6())
    }

    /// As [`Site::component_of`], for an address as the flow keys hold it.
    pub(crate) fn lookup(&self, raw: u128, v6: bool) -> Option<Component> {
        self.lengths[usize::from(v6)]
            .iter()
            .find_map(|&prefix| self.map.get(&(raw & mask(prefix), prefix, v6)).copied())
    }

    /// Every line, in file order (lines repeating an earlier one are left out).
    pub fn entries(&self) -> &[SiteEntry] {
        &self.entries
    }

    /// No line at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A packet's stateless outcome under the inventory, `ends` being the inventory components of
/// its source and its destination (the rules are in [`Site`]'s docs).
pub(crate) fn apply(
    outcome: Outcome,
    ends: [Option<Component>; 2],
    table: &PortTable<'_>,
    packet: &Packet<'_>,
) -> Outcome {
    let Outcome::Labelled(mut d) = outcome else {
        return outcome;
    };
    if ends == [None, None] {
        if d.range.is_broad() || matches!(d.label, Label::Rtp | Label::T38) {
            return Outcome::Unclassified(Reason::NotASiteHost);
        }
        return outcome;
    }
    let at = |side: Side| match side {
        Side::Source => ends[0],
        Side::Destination => ends[1],
    };
    let here = d.component_side();
    if let Some(listed) = at(here).filter(|&c| c != d.component) {
        attribute(&mut d, listed, table, packet);
    }
    let there = d.component_side().opposite();
    if let Some(listed) = at(there).filter(|&c| Some(c) != d.peer) {
        if row_at(table, packet, listed, d.label, there).is_some() {
            d.peer = Some(listed);
        }
    }
    Outcome::Labelled(d)
}

/// For each end of a flow (low, high) and each media label (RTP, T.38): the one component
/// among that end's host roles with a row on that end's port for the label, where exactly one
/// has. Worked out once, when the flow starts: a flow's ports do not change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RolePicks([[Option<Component>; 2]; 2]);

impl RolePicks {
    /// The picks at the ends at `ports`, whose roles `roles` gives by end (0 the low end):
    /// it is asked only for an end whose port some component listens at for RTP or T.38 (a
    /// host's roles give no pick elsewhere), so most flows need no lookup of either host.
    pub(crate) fn of(
        roles: impl Fn(usize) -> Roles,
        ports: [u16; 2],
        transport: Transport,
        table: &PortTable<'_>,
    ) -> RolePicks {
        let mut picks = RolePicks::default();
        for (end, &port) in ports.iter().enumerate() {
            let entries = table.lookup(transport, port);
            let media = entries.iter().any(|e| {
                e.role == Role::Listens
                    && (e.labels.contains(Label::Rtp) || e.labels.contains(Label::T38))
            });
            if !media {
                continue;
            }
            let roles = roles(end);
            if roles.is_empty() {
                continue;
            }
            for (slot, label) in [Label::Rtp, Label::T38].into_iter().enumerate() {
                let mut found = roles.components().filter(|&c| {
                    entries.iter().any(|e| {
                        e.component == c && e.role == Role::Listens && e.labels.contains(label)
                    })
                });
                if let (Some(one), None) = (found.next(), found.next()) {
                    picks.0[end][slot] = Some(one);
                }
            }
        }
        picks
    }

    /// `None` when no end has a pick.
    pub(crate) fn any(self) -> Option<RolePicks> {
        (self != RolePicks::default()).then_some(self)
    }

    /// The pick for `label` at the low end (`lo`) or the high end.
    fn at(&self, lo: bool, label: Label) -> Option<Component> {
        let slot = match label {
            Label::Rtp => 0,
            Label::T38 => 1,
            _ => return None,
        };
        self.0[usize::from(!lo)][slot]
    }
}

/// A media packet's stateless outcome under the host roles known when its flow started
/// (`picks`; the packet comes from the low end when `from_lo`): where the matrix's choice for
/// an end is another component than the one role with a row there for the label, that one
/// (the matrix's choice, had it been among the roles, would have been a second candidate).
/// Only RTP and T.38 (the ranges components share) are re-attributed; the site inventory,
/// where it names the host, comes first.
pub(crate) fn apply_roles(
    outcome: &mut Outcome,
    picks: &RolePicks,
    from_lo: bool,
    table: &PortTable<'_>,
    packet: &Packet<'_>,
) {
    let Outcome::Labelled(d) = outcome else {
        return;
    };
    if !matches!(d.label, Label::Rtp | Label::T38) {
        return;
    }
    // The side of the packet to the flow's end: the source is the low end when `from_lo`.
    let lo = |side: Side| (side == Side::Source) == from_lo;
    let here = d.component_side();
    if let Some(picked) = picks.at(lo(here), d.label).filter(|&c| c != d.component) {
        attribute(d, picked, table, packet);
    }
    let there = d.component_side().opposite();
    if let Some(picked) = picks.at(lo(there), d.label) {
        d.peer = Some(picked);
    }
}

/// Makes `decision` `component`'s, from the row of it that covers the decision's component end
/// with its label, where there is one (else the decision stays the matrix's).
fn attribute(
    decision: &mut Decision,
    component: Component,
    table: &PortTable<'_>,
    packet: &Packet<'_>,
) {
    let end = decision.component_side();
    if let Some((entry, side)) = row_at(table, packet, component, decision.label, end) {
        decision.component = component;
        decision.role = entry.role;
        decision.side = side;
        decision.port = port_of(packet, side);
        decision.range = entry.range;
        decision.row = entry.row;
    }
}

/// A row of `component` that carries `label` and puts the component at the packet's `end`:
/// a listening row on that end's port, or a connecting row on the other end's; with the side
/// whose port it covers.
fn row_at(
    table: &PortTable<'_>,
    packet: &Packet<'_>,
    component: Component,
    label: Label,
    end: Side,
) -> Option<(swyx_classify::Entry, Side)> {
    let find = |side: Side, role: Role| {
        table
            .lookup(packet.transport, port_of(packet, side))
            .iter()
            .find(|e| e.component == component && e.role == role && e.labels.contains(label))
            .map(|e| (*e, side))
    };
    find(end, Role::Listens).or_else(|| find(end.opposite(), Role::Connects))
}

fn port_of(packet: &Packet<'_>, side: Side) -> u16 {
    match side {
        Side::Source => packet.src_port,
        Side::Destination => packet.dst_port,
    }
}

/// The top `prefix` bits of the 128.
const fn mask(prefix: u8) -> u128 {
    match prefix {
        0 => 0,
        p if p >= 128 => u128::MAX,
        p => u128::MAX << (128 - p as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_longest_prefix_names_the_component() {
        let site = Site::parse(
            "10.0.0.0/8 swyx_it\n10.1.0.0/16 swyx_phone_l4xx\n10.1.0.10 swyx_server\n\
             ::/0 swyx_it\nfd00::5 swyx_gate\n0.0.0.0/0 media_pack\n",
        )
        .unwrap();
        assert_eq!(
            site.component_of(ip("10.1.0.10")),
            Some(Component::SwyxServer)
        );
        assert_eq!(
            site.component_of(ip("10.1.0.11")),
            Some(Component::SwyxPhoneL4xx)
        );
        assert_eq!(site.component_of(ip("10.2.0.1")), Some(Component::SwyxIt));
        assert_eq!(
            site.component_of(ip("192.0.2.1")),
            Some(Component::MediaPack)
        );
        assert_eq!(site.component_of(ip("fd00::5")), Some(Component::SwyxGate));
        assert_eq!(site.component_of(ip("fd00::6")), Some(Component::SwyxIt));
        assert_eq!(site.entries().len(), 6);
    }

    #[test]
    fn host_bits_are_cleared_and_families_kept_apart() {
        let site = Site::parse("10.1.2.3/24 swyx_it\n").unwrap();
        assert_eq!(site.entries()[0].network, ip("10.1.2.0"));
        assert_eq!(site.component_of(ip("10.1.2.200")), Some(Component::SwyxIt));
        // The IPv4-mapped form of the address is another family.
        assert_eq!(site.component_of(ip("::ffff:10.1.2.200")), None);
        assert_eq!(site.component_of(ip("a01:200::")), None);
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line() {
        for (text, line, kind) in [
            ("10.0.0.1\n", 1, SiteErrorKind::MissingComponent),
            (
                "# x\n10.0.0.1/33 swyx_it\n",
                2,
                SiteErrorKind::BadPrefix("33".into()),
            ),
            (
                "fd00::/129 swyx_it\n",
                1,
                SiteErrorKind::BadPrefix("129".into()),
            ),
            (
                "10.0.0.1/x swyx_it\n",
                1,
                SiteErrorKind::BadPrefix("x".into()),
            ),
            (
                "host swyx_it\n",
                1,
                SiteErrorKind::BadAddress("host".into()),
            ),
            (
                "10.0.0.1 swyx_itt\n",
                1,
                SiteErrorKind::UnknownComponent("swyx_itt".into()),
            ),
            (
                "10.0.0.1 swyx_it phone\n",
                1,
                SiteErrorKind::ExtraWords("phone".into()),
            ),
            (
                "10.0.0.1 swyx_it\n\n10.0.0.1/32 swyx_gate\n",
                3,
                SiteErrorKind::Conflict {
                    line: 1,
                    component: Component::SwyxIt,
                },
            ),
            // IPv4 10/8 and IPv6 a00::/8 hold the same bits: the earlier line is the IPv4 one.
            (
                "a00::/8 swyx_it\n10.0.0.0/8 swyx_gate\n10.0.0.0/8 swyx_it\n",
                3,
                SiteErrorKind::Conflict {
                    line: 2,
                    component: Component::SwyxGate,
                },
            ),
        ] {
            let error = Site::parse(text).unwrap_err();
            assert_eq!((error.line, &error.kind), (line, &kind), "{text:?}");
            assert!(error
                .to_string()
                .starts_with(&format!("site line {line}: ")));
        }
        // The same line twice is no conflict; blank lines and comments are nothing.
        let site =
            Site::parse("\n  # only a comment\n10.0.0.1 swyx_it\n10.0.0.1 swyx_it\n").unwrap();
        assert_eq!(site.entries().len(), 1);
        assert!(Site::parse("").unwrap().is_empty());
    }
}
