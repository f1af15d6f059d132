//! Host roles: the SwyxWare components each address was seen acting as.

use core::net::IpAddr;

use hashbrown::HashMap;
use swyx_classify::Component;

use crate::key::ip_of;

/// The components one host was seen acting as.
///
/// ```
/// use swyx_classify::Component;
/// use swyx_flow::Roles;
/// let roles = Roles::default().with(Component::SwyxServer);
/// assert!(roles.contains(Component::SwyxServer));
/// assert_eq!(roles.components().collect::<Vec<_>>(), [Component::SwyxServer]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Roles {
    bits: u64,
}

impl Roles {
    /// The component's bit: its place in [`Component::ALL`], which is its discriminant
    /// (`repr(u8)`, declared in that order; a test holds it).
    const fn bit(component: Component) -> u64 {
        1 << (component as u8 & 63)
    }

    /// These roles and `component`.
    #[must_use]
    pub fn with(self, component: Component) -> Roles {
        Roles {
            bits: self.bits | Roles::bit(component),
        }
    }

    /// Whether the host acted as `component`.
    pub fn contains(&self, component: Component) -> bool {
        self.bits & Roles::bit(component) != 0
    }

    /// No component at all.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The components, in [`Component::ALL`]'s order.
    pub fn components(&self) -> impl Iterator<Item = Component> + '_ {
        let mut bits = self.bits;
        core::iter::from_fn(move || {
            let at = bits.trailing_zeros() as usize;
            bits &= bits.wrapping_sub(1);
            Component::ALL.get(at).copied()
        })
    }
}

/// The roles of every host, bounded.
#[derive(Debug)]
pub(crate) struct Hosts {
    map: HashMap<(u128, bool), Roles, ahash::RandomState>,
    max: usize,
    pub(crate) dropped: u64,
}

impl Hosts {
    pub(crate) fn new(max: usize) -> Hosts {
        Hosts {
            map: HashMap::with_hasher(ahash::RandomState::new()),
            max,
            dropped: 0,
        }
    }

    pub(crate) fn note(&mut self, addr: u128, v6: bool, component: Component) {
        let len = self.map.len();
        match self.map.get_mut(&(addr, v6)) {
            Some(roles) => *roles = roles.with(component),
            None if len < self.max => {
                self.map
                    .insert((addr, v6), Roles::default().with(component));
            }
            None => self.dropped += 1,
        }
    }

    /// The roles of the host at `addr` (none when it has none, or is not kept).
    pub(crate) fn roles(&self, addr: u128, v6: bool) -> Roles {
        self.map.get(&(addr, v6)).copied().unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub(crate) fn memory(&self) -> usize {
        self.map.capacity() * (core::mem::size_of::<((u128, bool), Roles)>() + 1)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (IpAddr, Roles)> + '_ {
        self.map
            .iter()
            .map(|(&(addr, v6), &roles)| (ip_of(addr, v6), roles))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_components_bit_is_its_place_in_all() {
        for (at, component) in Component::ALL.into_iter().enumerate() {
            assert_eq!(Roles::bit(component), 1 << at, "{component:?}");
            let roles = Roles::default().with(component);
            assert_eq!(roles.components().collect::<Vec<_>>(), [component]);
        }
        let all = Component::ALL
            .into_iter()
            .fold(Roles::default(), Roles::with);
        assert_eq!(all.components().collect::<Vec<_>>(), Component::ALL);
        assert!(Roles::default().is_empty() && Roles::default().components().next().is_none());
    }
}
