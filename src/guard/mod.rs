//! The address guard of a webhook sender: which targets may be connected
//! to, so a customer-supplied URL cannot reach loopback, private networks
//! or cloud metadata (server-side request forgery).
//!
//! Pure and dependency-free: no DNS, no I/O. The caller resolves the host
//! once and passes the addresses in.
//!
//! - [`classify`] / [`is_forbidden`]: the [`AddressClass`] of one address,
//!   over every range of the SSRF checklist, IPv4 and IPv6.
//! - [`TargetHost`]: a URL host read strictly, as an IP literal or a host
//!   name; legacy IPv4 spellings (`127.1`, `0x7f.1`, `0177.0.0.1`) are
//!   refused, since resolvers disagree on them.
//! - [`AllowList`] of [`AllowEntry`]: the explicit exceptions, address
//!   blocks ([`Cidr`]) or exact host names.
//! - [`Guard`]: host and resolved addresses in; refused if **any** address
//!   is forbidden and not allowed, or if there is none.
//!
//! # IPv4 written inside IPv6
//!
//! Two forms reach the IPv4 address they carry, and are judged by it:
//! IPv4-mapped `::ffff:a.b.c.d` (the socket layer sends IPv4) and the
//! NAT64 well-known prefix `64:ff9b::/96` (a translator forwards to the
//! IPv4 address; refusing the prefix would stop all delivery from a
//! NAT64/DNS64 network). So `::ffff:8.8.8.8` passes and
//! `64:ff9b::7f00:1` is loopback. Every other form is refused whatever it
//! carries: IPv4-compatible `::/96`, SIIT `::ffff:0:0:0/96`, ISATAP
//! `::5efe:0:0/96`, local-use NAT64 `64:ff9b:1::/48`, 6to4 `2002::/16`,
//! Teredo `2001::/32`, and the rest of `::/8`.
//!
//! ```
//! use std::net::IpAddr;
//! use webhook_kit::guard::{AddressClass, AllowList, Guard, classify};
//!
//! assert_eq!(classify("100.64.0.1".parse()?), AddressClass::Cgnat);
//! assert_eq!(classify("::ffff:127.0.0.1".parse()?), AddressClass::Loopback);
//!
//! let guard = Guard::with_allow_list("10.20.0.0/16, hooks.corp.internal".parse::<AllowList>()?);
//! let resolved: Vec<IpAddr> = vec!["10.20.3.4".parse()?];
//! guard.check("billing.corp.internal", &resolved)?;
//! assert!(guard.check("billing.corp.internal", &["10.30.0.1".parse()?]).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Security
//!
//! The guard is one step of a safe send; the caller owns the others.
//!
//! - Resolve the name once, check the answer, then connect **only** to
//!   those addresses (pin them in the HTTP client, keeping the name for
//!   TLS and `Host`). A second lookup at connect time can return a
//!   different, internal address (DNS rebinding).
//! - Check the host as the URL parser produced it, never a raw string:
//!   the parser normalises what an attacker writes.
//! - Follow no redirect; bypass environment proxies (behind a proxy, the
//!   proxy resolves and connects, and this check does not apply).
//! - Allow-list entries open everything they cover, metadata endpoints
//!   included; keep them narrow.

mod allow;
mod check;
mod cidr;
mod class;
mod classify;
mod error;
mod host;
mod ranges;

pub use allow::{AllowEntry, AllowList};
pub use check::Guard;
pub use cidr::Cidr;
pub use class::AddressClass;
pub use classify::{classify, is_forbidden};
pub use error::{AllowEntryError, GuardError, HostError, MAX_ECHOED_BYTES};
pub use host::{HostName, TargetHost};
