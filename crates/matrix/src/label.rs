use core::fmt;

/// The protocol a packet carries: exactly the eleven labels of the product.
///
/// ```
/// use swyx_matrix::Label;
/// assert_eq!(Label::T38.id(), "t38");
/// assert_eq!(Label::from_id("configuration"), Some(Label::Configuration));
/// assert_eq!(Label::ALL.len(), 11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Label {
    /// ConfigDataStore (CDS, TCP 9093-9095) and the phones' HTTP configuration port 8085.
    Configuration = 0,
    /// Session Initiation Protocol.
    Sip = 1,
    /// Real-time Transport Protocol; RTCP on an RTP range is RTP too.
    Rtp = 2,
    /// T.38 fax over UDPTL.
    T38 = 3,
    /// CorNet-TC call control of the phones.
    Cornet = 4,
    /// H.323 (H.225 call signalling, RAS).
    H323 = 5,
    /// Deployment service (DLS) configuration.
    Dls = 6,
    /// SwyxServer master/standby keep-alive.
    Keepalive = 7,
    /// LDAP (VisualContacts).
    Ldap = 8,
    /// Network Time Protocol.
    Ntp = 9,
    /// File Transfer Protocol.
    Ftp = 10,
}

impl Label {
    /// Every label, in the order of their discriminants.
    pub const ALL: [Label; 11] = [
        Label::Configuration,
        Label::Sip,
        Label::Rtp,
        Label::T38,
        Label::Cornet,
        Label::H323,
        Label::Dls,
        Label::Keepalive,
        Label::Ldap,
        Label::Ntp,
        Label::Ftp,
    ];

    /// The stable id used in output and in matrix files.
    pub const fn id(self) -> &'static str {
        match self {
            Label::Configuration => "configuration",
            Label::Sip => "sip",
            Label::Rtp => "rtp",
            Label::T38 => "t38",
            Label::Cornet => "cornet",
            Label::H323 => "h323",
            Label::Dls => "dls",
            Label::Keepalive => "keepalive",
            Label::Ldap => "ldap",
            Label::Ntp => "ntp",
            Label::Ftp => "ftp",
        }
    }

    /// The label whose [`id`](Label::id) is `id`.
    pub fn from_id(id: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|label| label.id() == id)
    }

    /// The bit of this label in a label mask (`1 << discriminant`).
    #[inline]
    pub const fn bit(self) -> u16 {
        1 << self as u8
    }

    /// The rust path of this variant, for generated code.
    pub(crate) const fn variant(self) -> &'static str {
        match self {
            Label::Configuration => "Configuration",
            Label::Sip => "Sip",
            Label::Rtp => "Rtp",
            Label::T38 => "T38",
            Label::Cornet => "Cornet",
            Label::H323 => "H323",
            Label::Dls => "Dls",
            Label::Keepalive => "Keepalive",
            Label::Ldap => "Ldap",
            Label::Ntp => "Ntp",
            Label::Ftp => "Ftp",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Label::Configuration => "configuration",
            Label::Sip => "SIP",
            Label::Rtp => "RTP",
            Label::T38 => "T.38",
            Label::Cornet => "CorNet",
            Label::H323 => "H.323",
            Label::Dls => "DLS",
            Label::Keepalive => "KeepAlive",
            Label::Ldap => "LDAP",
            Label::Ntp => "NTP",
            Label::Ftp => "FTP",
        })
    }
}

/// The labels of one matrix row, in the row's order of preference (at most three).
///
/// ```
/// use swyx_matrix::{Label, Labels};
/// let labels = Labels::new(&[Label::Rtp, Label::T38]);
/// assert_eq!(labels.first(), Some(Label::Rtp));
/// assert!(labels.contains(Label::T38));
/// assert_eq!(labels.iter().count(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Labels {
    list: [Label; Labels::MAX],
    len: u8,
    mask: u16,
}

impl Labels {
    /// The most labels one row may name.
    pub const MAX: usize = 3;
    /// A row that names no protocol.
    pub const NONE: Labels = Labels {
        list: [Label::Configuration; Labels::MAX],
        len: 0,
        mask: 0,
    };

    /// The labels in `labels`, in order. Only the first [`Labels::MAX`] are kept; the matrix
    /// parser rejects rows with more.
    pub const fn new(labels: &[Label]) -> Labels {
        let mut out = Labels::NONE;
        let mut i = 0;
        while i < labels.len() && i < Labels::MAX {
            out.list[i] = labels[i];
            out.mask |= labels[i].bit();
            i += 1;
        }
        out.len = i as u8;
        out
    }

    /// The labels as a slice, in order.
    #[inline]
    pub fn as_slice(&self) -> &[Label] {
        &self.list[..usize::from(self.len).min(Labels::MAX)]
    }

    /// Iterates the labels in order.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = Label> + '_ {
        self.as_slice().iter().copied()
    }

    /// The preferred label, `None` for a row that names no protocol.
    #[inline]
    pub fn first(&self) -> Option<Label> {
        self.as_slice().first().copied()
    }

    /// Whether `label` is one of them.
    #[inline]
    pub fn contains(&self, label: Label) -> bool {
        self.iter().any(|l| l == label)
    }

    /// Whether the row names no protocol.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The mask of [`Label::bit`]s.
    #[inline]
    pub const fn mask(&self) -> u16 {
        self.mask
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        for (i, label) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            f.write_str(label.id())?;
        }
        Ok(())
    }
}
