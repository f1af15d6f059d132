/// The link layer a captured packet starts with.
///
/// ```
/// use swyx_classify::LinkType;
/// assert_eq!(LinkType::from_linktype(1), Some(LinkType::Ethernet));
/// assert_eq!(LinkType::from_linktype(12), Some(LinkType::RawIp));
/// assert_eq!(LinkType::from_linktype(276), Some(LinkType::LinuxSll2));
/// assert_eq!(LinkType::from_linktype(147), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkType {
    /// Ethernet II, with up to 8 802.1Q / 802.1ad (QinQ) tags, PPPoE and MPLS (see the crate
    /// docs' *Encapsulations*).
    Ethernet,
    /// Raw IP: IPv4 or IPv6, told apart by the version nibble.
    RawIp,
    /// Raw IPv4 only.
    Ipv4,
    /// Raw IPv6 only.
    Ipv6,
    /// Linux "cooked" capture, version 1 (16-byte header).
    LinuxSll,
    /// Linux "cooked" capture, version 2 (20-byte header).
    LinuxSll2,
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    Null,
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    Loop,
}

impl LinkType {
    /// Every link type the classifier reads.
    pub const ALL: [LinkType; 8] = [
        LinkType::Ethernet,
        LinkType::RawIp,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::Null,
        LinkType::Loop,
    ];

    /// The link type of a pcap/pcapng `LINKTYPE_` number: 1 Ethernet; 101, 12 and 14 raw IP
    /// (12 and 14 are the historical DLT values some writers still use); 228 raw IPv4;
    /// 229 raw IPv6; 113 Linux SLL; 276 Linux SLL2; 0 BSD NULL; 108 OpenBSD loopback.
    pub const fn from_linktype(linktype: u32) -> Option<LinkType> {
        Some(match linktype {
            1 => LinkType::Ethernet,
            101 | 12 | 14 => LinkType::RawIp,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            0 => LinkType::Null,
            108 => LinkType::Loop,
            _ => return None,
        })
    }
}
