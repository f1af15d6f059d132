//! Converting the timestamps stored in pcap and pcapng files to [`Timestamp`].

use crate::record::{Timestamp, NANOS_PER_SEC};

/// Converts a legacy pcap record timestamp (seconds plus micro- or nanoseconds).
///
/// A fraction of a second that is out of range is carried into the seconds.
#[inline]
pub(crate) fn legacy_timestamp(secs: u32, fraction: u32, nanosecond: bool) -> Timestamp {
    // Constant divisors: the compiler multiplies instead of dividing, once per record.
    let (carry, nanos) = if nanosecond {
        (fraction / NANOS_PER_SEC, fraction % NANOS_PER_SEC)
    } else {
        (fraction / 1_000_000, (fraction % 1_000_000) * 1_000)
    };
    Timestamp {
        secs: u64::from(secs) + u64::from(carry),
        nanos,
    }
}

/// Resolution of a pcapng interface's timestamps (the `if_tsresol` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resolution {
    /// Timestamp units per second; `None` when larger than any `u128`.
    units_per_sec: Option<u128>,
}

impl Resolution {
    /// Microseconds, the pcapng default when `if_tsresol` is absent.
    pub(crate) const MICROS: Resolution = Resolution {
        units_per_sec: Some(1_000_000),
    };

    /// Decodes an `if_tsresol` byte: high bit clear means 10^-n seconds, set means 2^-n.
    pub(crate) fn from_tsresol(tsresol: u8) -> Self {
        let exponent = u32::from(tsresol & 0x7F);
        let units_per_sec = if tsresol & 0x80 == 0 {
            10u128.checked_pow(exponent)
        } else {
            1u128.checked_shl(exponent)
        };
        Resolution { units_per_sec }
    }

    /// Converts a pcapng 64-bit timestamp, adding `offset_secs` (the `if_tsoffset` option).
    ///
    /// Times before the epoch are clamped to the epoch, times past `u64::MAX` seconds to that.
    pub(crate) fn timestamp(&self, high: u32, low: u32, offset_secs: i64) -> Timestamp {
        let ticks = (u128::from(high) << 32) | u128::from(low);
        let (secs, nanos) = match self.units_per_sec {
            Some(units) if units > 0 => {
                let nanos = (ticks % units) * u128::from(NANOS_PER_SEC) / units;
                (ticks / units, u32::try_from(nanos).unwrap_or(0))
            }
            // A resolution finer than any u128 leaves every 64-bit tick count below one
            // nanosecond.
            _ => (0, 0),
        };
        let secs = i128::try_from(secs).unwrap_or(i128::MAX) + i128::from(offset_secs);
        if secs < 0 {
            Timestamp::default()
        } else {
            match u64::try_from(secs) {
                Ok(secs) => Timestamp { secs, nanos },
                Err(_) => Timestamp {
                    secs: u64::MAX,
                    nanos,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_micro_and_nano() {
        assert_eq!(
            legacy_timestamp(10, 250_000, false),
            Timestamp {
                secs: 10,
                nanos: 250_000_000
            }
        );
        assert_eq!(
            legacy_timestamp(10, 250_000, true),
            Timestamp {
                secs: 10,
                nanos: 250_000
            }
        );
        assert_eq!(
            legacy_timestamp(10, 2_500_000, false),
            Timestamp {
                secs: 12,
                nanos: 500_000_000
            }
        );
        assert_eq!(
            legacy_timestamp(u32::MAX, u32::MAX, true).secs,
            u64::from(u32::MAX) + 4
        );
    }

    #[test]
    fn pcapng_resolutions() {
        let ticks: u64 = 1_700_000_000_123_456;
        let (high, low) = ((ticks >> 32) as u32, ticks as u32);
        assert_eq!(
            Resolution::MICROS.timestamp(high, low, 0),
            Timestamp {
                secs: 1_700_000_000,
                nanos: 123_456_000
            }
        );
        assert_eq!(
            Resolution::from_tsresol(9).timestamp(high, low, 0),
            Timestamp {
                secs: 1_700_000,
                nanos: 123_456
            }
        );
        // 2^-10 seconds: 1536 ticks are 1.5 s.
        assert_eq!(
            Resolution::from_tsresol(0x80 | 10).timestamp(0, 1536, 0),
            Timestamp {
                secs: 1,
                nanos: 500_000_000
            }
        );
        assert_eq!(
            Resolution::from_tsresol(6).timestamp(0, 1_000_000, 100),
            Timestamp {
                secs: 101,
                nanos: 0
            }
        );
        assert_eq!(
            Resolution::from_tsresol(6).timestamp(0, 1_000_000, -5),
            Timestamp::default()
        );
        // Extreme resolutions must not overflow.
        for tsresol in [0u8, 19, 38, 39, 127, 0x80, 0x80 | 63, 0x80 | 127, 0xFF] {
            let _ = Resolution::from_tsresol(tsresol).timestamp(u32::MAX, u32::MAX, i64::MAX);
            let _ = Resolution::from_tsresol(tsresol).timestamp(u32::MAX, u32::MAX, i64::MIN);
        }
    }
}
