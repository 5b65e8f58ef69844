//! The guard: a target host and its resolved addresses in, a pass or a
//! typed refusal out.

use std::net::IpAddr;

use super::allow::AllowList;
use super::classify::lookup;
use super::error::{GuardError, echo};
use super::host::TargetHost;

/// Decides whether a webhook target may be connected to, from its host and
/// the addresses the caller resolved it to.
///
/// The default guard allows no exception: every forbidden range is
/// refused. An [`AllowList`] opens address blocks or host names.
///
/// ```
/// use std::net::IpAddr;
/// use webhook_kit::guard::{AddressClass, AllowList, Guard, GuardError};
///
/// let guard = Guard::new();
///
/// // The caller resolved the name once; these are the addresses it will use.
/// let resolved: Vec<IpAddr> = vec!["93.184.215.14".parse()?, "2606:2800:21f:cb07::1".parse()?];
/// guard.check("hooks.example.com", &resolved)?;
///
/// // One internal address in the answer refuses the whole target.
/// let rebinding: Vec<IpAddr> = vec!["93.184.215.14".parse()?, "169.254.169.254".parse()?];
/// let err = guard.check("hooks.example.com", &rebinding).unwrap_err();
/// assert_eq!(err.class(), Some(AddressClass::CloudMetadata));
///
/// // IP literals are checked too, and legacy IPv4 spellings are refused.
/// assert!(guard.check("[::ffff:127.0.0.1]", &["::ffff:127.0.0.1".parse()?]).is_err());
/// assert!(matches!(guard.check("0x7f.1", &resolved), Err(GuardError::InvalidHost { .. })));
///
/// // Tests reach their own servers through an explicit allow-list.
/// let local = Guard::with_allow_list(AllowList::new().with_loopback());
/// local.check("127.0.0.1", &["127.0.0.1".parse()?])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Security
///
/// The guard checks addresses; it cannot make the connection use them.
/// The caller must connect only to the addresses it passed to
/// [`Guard::check`] (pin them: a custom resolver or a fixed
/// name-to-address map in the HTTP client), keeping the host name for TLS
/// and the `Host` header. Resolving the name a second time lets a DNS
/// server answer the check with a public address and the connection with
/// an internal one (DNS rebinding). The caller must also refuse redirects
/// (a `Location` is a new, unchecked target) and bypass environment
/// proxies: behind a proxy, the proxy resolves and connects, and this
/// check says nothing about where it goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    allow: AllowList,
}

impl Guard {
    /// A guard with no exceptions.
    pub fn new() -> Guard {
        Guard::default()
    }

    /// A guard that lets through what `allow` names.
    pub fn with_allow_list(allow: AllowList) -> Guard {
        Guard { allow }
    }

    /// The exceptions this guard makes.
    pub fn allow_list(&self) -> &AllowList {
        &self.allow
    }

    /// Checks a target: its host as written in the URL and every address
    /// the caller will connect to.
    ///
    /// - The host is read strictly ([`TargetHost::parse`]): an ambiguous
    ///   IPv4 spelling or a malformed name is refused before any address
    ///   is looked at.
    /// - An empty `addresses` is refused: an empty answer never passes.
    /// - An IP literal host must come with its own address only (an
    ///   IPv4-mapped literal may come as the IPv4 address it maps, and
    ///   the other way round), which is then checked like any address.
    /// - A host name on the allow-list passes with whatever it resolved
    ///   to.
    /// - Otherwise the target is refused if **any** address is forbidden
    ///   and no allow-list block holds it; dropping the bad addresses and
    ///   keeping the rest would still deliver to a host that answers with
    ///   internal addresses.
    ///
    /// # Errors
    ///
    /// [`GuardError::InvalidHost`], [`GuardError::NoAddresses`],
    /// [`GuardError::LiteralMismatch`], or [`GuardError::Forbidden`] for
    /// the first forbidden address.
    ///
    /// # Security
    ///
    /// Connect only to `addresses`, as the [`Guard`] docs explain.
    pub fn check(&self, host: &str, addresses: &[IpAddr]) -> Result<(), GuardError> {
        let target = TargetHost::parse(host).map_err(|reason| GuardError::InvalidHost {
            host: echo(host),
            reason,
        })?;
        self.check_target(&target, addresses)
    }

    /// [`Guard::check`] for a host already read with [`TargetHost::parse`].
    ///
    /// # Errors
    ///
    /// As [`Guard::check`], apart from [`GuardError::InvalidHost`].
    ///
    /// # Security
    ///
    /// Connect only to `addresses`, as the [`Guard`] docs explain.
    pub fn check_target(&self, host: &TargetHost, addresses: &[IpAddr]) -> Result<(), GuardError> {
        if addresses.is_empty() {
            return Err(GuardError::NoAddresses {
                host: echo(&host.to_string()),
            });
        }

        match host {
            TargetHost::Ip(literal) => {
                if let Some(other) = addresses
                    .iter()
                    .find(|address| address.to_canonical() != literal.to_canonical())
                {
                    return Err(GuardError::LiteralMismatch {
                        literal: *literal,
                        address: *other,
                    });
                }
            }
            TargetHost::Name(name) => {
                if self.allow.allows_host(name) {
                    return Ok(());
                }
            }
        }

        addresses
            .iter()
            .try_for_each(|address| self.check_address(*address))
    }

    /// Checks one address on its own: refused if it is in a forbidden
    /// range and no allow-list block holds it. Host-name entries play no
    /// part.
    ///
    /// # Errors
    ///
    /// [`GuardError::Forbidden`], naming the address, its class and range.
    ///
    /// # Security
    ///
    /// Connect only to the address checked, as the [`Guard`] docs explain.
    pub fn check_address(&self, address: IpAddr) -> Result<(), GuardError> {
        let Some(found) = lookup(address) else {
            return Ok(());
        };
        if self.allow.allows_address(address) {
            return Ok(());
        }
        Err(GuardError::Forbidden {
            address,
            class: found.class,
            range: found.range,
            embedded: found.embedded,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::{AddressClass, Cidr, HostError};

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn ips(texts: &[&str]) -> Vec<IpAddr> {
        texts.iter().map(|text| ip(text)).collect()
    }

    fn guard(allow: &str) -> Guard {
        Guard::with_allow_list(allow.parse().unwrap())
    }

    #[test]
    fn global_answers_pass() {
        let guard = Guard::new();
        assert_eq!(
            guard.check("hooks.example.com", &ips(&["93.184.215.14"])),
            Ok(())
        );
        assert_eq!(
            guard.check(
                "hooks.example.com.",
                &ips(&["1.1.1.1", "2606:4700:4700::1111", "64:ff9b::101:101"])
            ),
            Ok(())
        );
        assert_eq!(guard.check("8.8.8.8", &ips(&["8.8.8.8"])), Ok(()));
        assert_eq!(
            guard.check("[2606:4700:4700::1111]", &ips(&["2606:4700:4700::1111"])),
            Ok(())
        );
    }

    #[test]
    fn any_forbidden_address_refuses_the_target() {
        let err = Guard::new()
            .check("mixed.example", &ips(&["1.1.1.1", "10.0.0.5", "8.8.8.8"]))
            .unwrap_err();
        assert_eq!(
            err,
            GuardError::Forbidden {
                address: ip("10.0.0.5"),
                class: AddressClass::Private,
                range: "10.0.0.0/8".parse().unwrap(),
                embedded: None,
            }
        );
        assert_eq!(err.code(), "forbidden_address");
        assert_eq!(
            err.to_string(),
            "10.0.0.5 is in 10.0.0.0/8, private (rfc 1918); no allow-list entry opens it"
        );
    }

    #[test]
    fn embedded_addresses_name_what_they_carry() {
        let err = Guard::new()
            .check("x.example", &ips(&["::ffff:169.254.169.254"]))
            .unwrap_err();
        assert_eq!(
            err,
            GuardError::Forbidden {
                address: ip("::ffff:169.254.169.254"),
                class: AddressClass::CloudMetadata,
                range: "169.254.169.254/32".parse().unwrap(),
                embedded: Some("169.254.169.254".parse().unwrap()),
            }
        );
        assert!(
            err.to_string()
                .contains("carries the ipv4 address 169.254.169.254")
        );

        let err = Guard::new()
            .check("x.example", &ips(&["64:ff9b::7f00:1"]))
            .unwrap_err();
        assert_eq!(err.class(), Some(AddressClass::Loopback));
    }

    #[test]
    fn an_empty_answer_is_refused() {
        assert_eq!(
            Guard::new().check("Hooks.Example.", &[]),
            Err(GuardError::NoAddresses {
                host: "hooks.example".into()
            })
        );
        // Even for a name or a literal the allow-list opens.
        assert!(matches!(
            guard("hooks.example").check("hooks.example", &[]),
            Err(GuardError::NoAddresses { .. })
        ));
        assert!(matches!(
            Guard::new().check("[::1]", &[]),
            Err(GuardError::NoAddresses { host }) if host == "[::1]"
        ));
    }

    #[test]
    fn literals_are_checked_like_addresses() {
        let guard = Guard::new();
        for (host, class) in [
            ("127.0.0.1", AddressClass::Loopback),
            ("[::1]", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("0.0.0.0", AddressClass::Unspecified),
            ("[::]", AddressClass::Unspecified),
            ("169.254.169.254", AddressClass::CloudMetadata),
            ("[fd00:ec2::254]", AddressClass::CloudMetadata),
            ("[::ffff:10.0.0.1]", AddressClass::Private),
            ("[fe80::1]", AddressClass::LinkLocal),
        ] {
            let literal = TargetHost::parse(host).unwrap().ip().unwrap();
            let err = guard.check(host, &[literal]).unwrap_err();
            assert_eq!(err.class(), Some(class), "{host}");
        }
    }

    #[test]
    fn legacy_ipv4_hosts_are_refused_before_the_addresses() {
        for host in ["127.1", "0x7f.1", "0177.0.0.1", "2130706433", "127.0.0.1."] {
            assert_eq!(
                Guard::new().check(host, &ips(&["127.0.0.1"])),
                Err(GuardError::InvalidHost {
                    host: host.into(),
                    reason: HostError::AmbiguousIpv4,
                }),
                "{host}"
            );
        }
        // The loopback switch does not make them acceptable either.
        assert!(matches!(
            Guard::with_allow_list(AllowList::new().with_loopback())
                .check("127.1", &ips(&["127.0.0.1"])),
            Err(GuardError::InvalidHost { .. })
        ));
    }

    #[test]
    fn a_literal_comes_with_its_own_address_only() {
        let guard = Guard::new();
        assert_eq!(
            guard.check("1.1.1.1", &ips(&["10.0.0.1"])),
            Err(GuardError::LiteralMismatch {
                literal: ip("1.1.1.1"),
                address: ip("10.0.0.1"),
            })
        );
        assert!(matches!(
            guard.check("1.1.1.1", &ips(&["1.1.1.1", "8.8.8.8"])),
            Err(GuardError::LiteralMismatch { .. })
        ));
        // The mapped and plain forms of one IPv4 address are the same target.
        assert_eq!(guard.check("[::ffff:1.1.1.1]", &ips(&["1.1.1.1"])), Ok(()));
        assert_eq!(guard.check("1.1.1.1", &ips(&["::ffff:1.1.1.1"])), Ok(()));
        assert_eq!(
            guard.check("1.1.1.1", &ips(&["1.1.1.1", "1.1.1.1"])),
            Ok(())
        );
    }

    #[test]
    fn allow_list_blocks_open_exactly_their_addresses() {
        let guard = guard("10.1.0.0/16, fd12::/16, 127.0.0.1/32, ::1/128");
        assert_eq!(guard.check("a.internal", &ips(&["10.1.255.255"])), Ok(()));
        assert_eq!(guard.check("a.internal", &ips(&["fd12::1"])), Ok(()));
        assert_eq!(guard.check("127.0.0.1", &ips(&["127.0.0.1"])), Ok(()));
        assert_eq!(guard.check("[::1]", &ips(&["::1"])), Ok(()));
        assert_eq!(
            guard.check("[::ffff:127.0.0.1]", &ips(&["::ffff:127.0.0.1"])),
            Ok(())
        );

        assert_eq!(
            guard
                .check("a.internal", &ips(&["10.1.0.1", "10.2.0.1"]))
                .unwrap_err()
                .class(),
            Some(AddressClass::Private)
        );
        assert!(guard.check("127.0.0.2", &ips(&["127.0.0.2"])).is_err());
        assert!(guard.check("a.internal", &ips(&["fd13::1"])).is_err());
    }

    #[test]
    fn allowed_host_names_pass_with_any_answer() {
        let guard = guard("Hooks.Internal");
        assert_eq!(
            guard.check("hooks.internal.", &ips(&["10.0.0.1", "169.254.169.254"])),
            Ok(())
        );
        assert_eq!(guard.check("HOOKS.INTERNAL", &ips(&["::1"])), Ok(()));
        assert!(guard.check("other.internal", &ips(&["10.0.0.1"])).is_err());
        assert!(
            guard
                .check("x.hooks.internal", &ips(&["10.0.0.1"]))
                .is_err()
        );
    }

    #[test]
    fn check_address_ignores_host_names() {
        let guard = guard("localhost");
        assert!(guard.check_address(ip("127.0.0.1")).is_err());
        assert_eq!(guard.check_address(ip("8.8.8.8")), Ok(()));
        let guard =
            Guard::with_allow_list(AllowList::new().with(Cidr::host(ip("169.254.169.254"))));
        assert_eq!(guard.check_address(ip("169.254.169.254")), Ok(()));
        assert!(guard.check_address(ip("169.254.169.253")).is_err());
        assert_eq!(guard.allow_list().len(), 1);
    }

    #[test]
    fn malformed_hosts_are_refused_with_their_reason() {
        let err = Guard::new()
            .check("exa mple.com", &ips(&["1.1.1.1"]))
            .unwrap_err();
        assert_eq!(
            err,
            GuardError::InvalidHost {
                host: "exa mple.com".into(),
                reason: HostError::InvalidCharacter { ch: ' ' },
            }
        );
        assert_eq!(err.code(), "invalid_character");

        let long = "a".repeat(10_000);
        let Err(GuardError::InvalidHost { host, .. }) =
            Guard::new().check(&long, &ips(&["1.1.1.1"]))
        else {
            panic!("a 10 kB host must be refused");
        };
        assert_eq!(host.len(), crate::guard::MAX_ECHOED_BYTES);
    }
}
