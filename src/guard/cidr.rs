//! Address blocks in CIDR notation: a network address and a prefix length,
//! with no bits set below the prefix.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::error::{AllowEntryError, echo};

/// A block of IPv4 or IPv6 addresses, `10.0.0.0/8` or `fd00::/8`.
///
/// The address is always the block's first one: a block with bits set
/// below its prefix is refused ([`AllowEntryError::HostBitsSet`]), not
/// silently masked. The address parts are read by the standard library's
/// strict parsers, so IPv4 is a dotted quad without leading zeros and IPv6
/// has no zone id.
///
/// ```
/// use webhook_kit::guard::Cidr;
///
/// let block: Cidr = "10.0.0.0/8".parse()?;
/// assert!(block.contains("10.255.0.1".parse()?));
/// assert!(!block.contains("11.0.0.0".parse()?));
/// assert_eq!(block.last().to_string(), "10.255.255.255");
///
/// assert!("10.0.0.1/8".parse::<Cidr>().is_err()); // bits below the prefix
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix_len: u8,
}

impl Cidr {
    /// A block from its first address and prefix length.
    ///
    /// # Errors
    ///
    /// [`AllowEntryError::PrefixTooLong`] for a prefix above 32 (IPv4) or
    /// 128 (IPv6); [`AllowEntryError::HostBitsSet`] when `addr` has bits
    /// set below the prefix.
    pub fn new(addr: IpAddr, prefix_len: u8) -> Result<Cidr, AllowEntryError> {
        let written = || echo(&format!("{addr}/{prefix_len}"));
        let max = max_prefix(addr);
        if prefix_len > max {
            return Err(AllowEntryError::PrefixTooLong {
                entry: written(),
                prefix_len: u16::from(prefix_len),
                max,
            });
        }

        let network = Cidr {
            addr: mask(addr, prefix_len),
            prefix_len,
        };
        if network.addr != addr {
            return Err(AllowEntryError::HostBitsSet {
                entry: written(),
                network,
            });
        }
        Ok(network)
    }

    /// The block holding `addr` alone (`/32` or `/128`).
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr {
            addr,
            prefix_len: max_prefix(addr),
        }
    }

    /// A block of the built-in range tables; they are checked by tests to
    /// have no bits set below the prefix.
    pub(crate) const fn v4(octets: [u8; 4], prefix_len: u8) -> Cidr {
        let [a, b, c, d] = octets;
        Cidr {
            addr: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
            prefix_len,
        }
    }

    /// An IPv6 block of the built-in range tables.
    pub(crate) const fn v6(segments: [u16; 8], prefix_len: u8) -> Cidr {
        let [a, b, c, d, e, f, g, h] = segments;
        Cidr {
            addr: IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)),
            prefix_len,
        }
    }

    /// The block's first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length: how many leading bits every address of the
    /// block shares.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// The block's first address (the same as [`Cidr::addr`]).
    pub fn first(&self) -> IpAddr {
        self.addr
    }

    /// The block's last address.
    pub fn last(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) | !mask_v4(self.prefix_len))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) | !mask_v6(self.prefix_len))),
        }
    }

    /// Whether `ip` lies in this block. Families never mix: an IPv4 block
    /// holds no IPv6 address, not even an IPv4-mapped one (the allow-list
    /// unmaps those itself).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask_v4(self.prefix_len) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask_v6(self.prefix_len) == u128::from(net)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

impl FromStr for Cidr {
    type Err = AllowEntryError;

    /// Reads `address/prefix-length`; the `/` is required.
    fn from_str(text: &str) -> Result<Cidr, AllowEntryError> {
        if text.is_empty() {
            return Err(AllowEntryError::Empty);
        }
        let Some((addr, prefix)) = text.split_once('/') else {
            return Err(AllowEntryError::InvalidPrefix { entry: echo(text) });
        };

        let addr: IpAddr = addr
            .parse()
            .map_err(|_| AllowEntryError::InvalidAddress { entry: echo(text) })?;
        let prefix_len = parse_prefix(prefix)
            .ok_or_else(|| AllowEntryError::InvalidPrefix { entry: echo(text) })?;

        let max = max_prefix(addr);
        let prefix_len = u8::try_from(prefix_len)
            .ok()
            .filter(|len| *len <= max)
            .ok_or_else(|| AllowEntryError::PrefixTooLong {
                entry: echo(text),
                prefix_len,
                max,
            })?;

        // Re-wrap the error so it quotes the entry as written.
        Cidr::new(addr, prefix_len).map_err(|err| match err {
            AllowEntryError::HostBitsSet { network, .. } => AllowEntryError::HostBitsSet {
                entry: echo(text),
                network,
            },
            other => other,
        })
    }
}

/// A decimal prefix length: one to three ASCII digits, no leading zero
/// unless it is `0` itself.
fn parse_prefix(text: &str) -> Option<u16> {
    let well_formed = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !well_formed {
        return None;
    }
    text.parse().ok()
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask(addr: IpAddr, prefix_len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask_v4(prefix_len))),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask_v6(prefix_len))),
    }
}

/// The netmask of an IPv4 prefix; a length of 0 masks everything away.
fn mask_v4(prefix_len: u8) -> u32 {
    u32::MAX
        .checked_shl(32_u32.saturating_sub(u32::from(prefix_len)))
        .unwrap_or(0)
}

/// The netmask of an IPv6 prefix; a length of 0 masks everything away.
fn mask_v6(prefix_len: u8) -> u128 {
    u128::MAX
        .checked_shl(128_u32.saturating_sub(u32::from(prefix_len)))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_blocks() {
        for text in [
            "10.0.0.0/8",
            "127.0.0.1/32",
            "0.0.0.0/0",
            "::1/128",
            "::/0",
            "fd00::/8",
            "2001:db8::/32",
        ] {
            let block: Cidr = text.parse().unwrap();
            assert_eq!(block.to_string(), text);
        }
    }

    #[test]
    fn masks_are_exact_at_every_length() {
        assert_eq!(mask_v4(0), 0);
        assert_eq!(mask_v4(1), 0x8000_0000);
        assert_eq!(mask_v4(31), 0xffff_fffe);
        assert_eq!(mask_v4(32), u32::MAX);
        assert_eq!(mask_v6(0), 0);
        assert_eq!(mask_v6(1), 1 << 127);
        assert_eq!(mask_v6(127), u128::MAX - 1);
        assert_eq!(mask_v6(128), u128::MAX);
    }

    #[test]
    fn contains_both_ends_and_nothing_outside() {
        let block: Cidr = "172.16.0.0/12".parse().unwrap();
        assert!(block.contains(ip("172.16.0.0")));
        assert!(block.contains(ip("172.31.255.255")));
        assert!(!block.contains(ip("172.15.255.255")));
        assert!(!block.contains(ip("172.32.0.0")));
        assert_eq!(block.first(), ip("172.16.0.0"));
        assert_eq!(block.last(), ip("172.31.255.255"));

        let block: Cidr = "fc00::/7".parse().unwrap();
        assert!(block.contains(ip("fc00::")));
        assert!(block.contains(ip("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!block.contains(ip("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!block.contains(ip("fe00::")));

        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("255.255.255.255")));
        assert_eq!(all.last(), ip("255.255.255.255"));
    }

    #[test]
    fn families_never_mix() {
        let v4: Cidr = "127.0.0.0/8".parse().unwrap();
        assert!(!v4.contains(ip("::ffff:127.0.0.1")));
        let v6: Cidr = "::/0".parse().unwrap();
        assert!(!v6.contains(ip("127.0.0.1")));
    }

    #[test]
    fn host_bits_are_refused_with_the_network_named() {
        let err = "10.0.0.1/8".parse::<Cidr>().unwrap_err();
        assert_eq!(
            err,
            AllowEntryError::HostBitsSet {
                entry: "10.0.0.1/8".into(),
                network: "10.0.0.0/8".parse().unwrap(),
            }
        );
        assert!(err.to_string().contains("10.0.0.0/8"), "{err}");

        assert!(matches!(
            "fd00::1/8".parse::<Cidr>(),
            Err(AllowEntryError::HostBitsSet { .. })
        ));
        assert!(matches!(
            Cidr::new(ip("192.168.1.1"), 24),
            Err(AllowEntryError::HostBitsSet { .. })
        ));
    }

    #[test]
    fn prefix_lengths_are_bounded_per_family() {
        assert!(matches!(
            "10.0.0.0/33".parse::<Cidr>(),
            Err(AllowEntryError::PrefixTooLong {
                prefix_len: 33,
                max: 32,
                ..
            })
        ));
        assert!(matches!(
            "::/129".parse::<Cidr>(),
            Err(AllowEntryError::PrefixTooLong {
                prefix_len: 129,
                max: 128,
                ..
            })
        ));
        assert!(matches!(
            "::/999".parse::<Cidr>(),
            Err(AllowEntryError::PrefixTooLong {
                prefix_len: 999,
                ..
            })
        ));
        assert!(matches!(
            Cidr::new(ip("10.0.0.0"), 40),
            Err(AllowEntryError::PrefixTooLong { max: 32, .. })
        ));
    }

    #[test]
    fn malformed_prefixes_and_addresses_are_refused() {
        for text in [
            "10.0.0.0/",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "10.0.0.0/8 ",
            "10.0.0.0/1000",
            "10.0.0.0/x",
            "10.0.0.0",
            "10.0.0.0/8/8",
        ] {
            assert!(
                matches!(
                    text.parse::<Cidr>(),
                    Err(AllowEntryError::InvalidPrefix { .. })
                ),
                "{text}"
            );
        }
        for text in [
            "127.1/32",
            "0x7f.0.0.1/32",
            "0177.0.0.1/32",
            "[::1]/128",
            "fe80::1%eth0/64",
            " 10.0.0.0/8",
            "/8",
            "example.com/8",
        ] {
            assert!(
                matches!(
                    text.parse::<Cidr>(),
                    Err(AllowEntryError::InvalidAddress { .. })
                ),
                "{text}"
            );
        }
        assert_eq!("".parse::<Cidr>(), Err(AllowEntryError::Empty));
    }

    #[test]
    fn a_host_block_is_one_address() {
        let one = Cidr::host(ip("::1"));
        assert_eq!(one.to_string(), "::1/128");
        assert_eq!(one.first(), one.last());
        assert_eq!(Cidr::host(ip("127.0.0.1")).prefix_len(), 32);
    }
}
