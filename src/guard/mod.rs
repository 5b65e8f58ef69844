//! The address guard of a webhook sender: which targets may be connected
//! to, so a customer-supplied URL cannot reach loopback, private networks
//! or cloud metadata (server-side request forgery).
//!
//! Pure and dependency-free: no DNS, no I/O. The caller resolves the host
//! once and passes the addresses in.
//!
//! - [`classify`] / [`is_forbidden`]: the [`AddressClass`] of one address,
//!   over every range of the SSRF checklist, IPv4 and IPv6.
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
//! use webhook_kit::guard::{AddressClass, classify};
//!
//! assert_eq!(classify("100.64.0.1".parse()?), AddressClass::Cgnat);
//! assert_eq!(classify("::ffff:127.0.0.1".parse()?), AddressClass::Loopback);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cidr;
mod class;
mod classify;
mod error;
mod ranges;

pub use cidr::Cidr;
pub use class::AddressClass;
pub use classify::{classify, is_forbidden};
pub use error::{AllowEntryError, GuardError, HostError, MAX_ECHOED_BYTES};
