//! The guarded resolver: the only DNS path of the sender's client. It looks
//! the host up once, runs the address guard over every answer, and hands
//! reqwest only the addresses it checked, so the connection goes to a
//! checked address and no second lookup can rebind the name.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::guard::{Guard, GuardError};

/// The resolver installed in the sender's client.
#[derive(Clone, Debug)]
pub(super) struct GuardedResolver {
    guard: Arc<Guard>,
    timeout: Duration,
    // The egress proxy's host name: the operator's choice, looked up unguarded.
    exempt: Option<String>,
}

impl GuardedResolver {
    pub(super) fn new(guard: Arc<Guard>, timeout: Duration) -> GuardedResolver {
        GuardedResolver {
            guard,
            timeout,
            exempt: None,
        }
    }

    /// The same resolver, letting `proxy_host` (lowercase) through unchecked.
    pub(super) fn exempting(mut self, proxy_host: Option<String>) -> GuardedResolver {
        self.exempt = proxy_host;
        self
    }
}

/// Why the guarded resolver gave no address; found again in the source
/// chain of reqwest's error to classify the attempt.
#[derive(Debug)]
pub(super) enum ResolveFailure {
    /// The guard refused the answer.
    Refused(GuardError),
    /// The lookup failed.
    Lookup(std::io::Error),
    /// The lookup took longer than the DNS time budget.
    TimedOut,
}

impl fmt::Display for ResolveFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveFailure::Refused(e) => write!(f, "refused by the address guard: {e}"),
            ResolveFailure::Lookup(e) => write!(f, "dns lookup failed: {e}"),
            ResolveFailure::TimedOut => f.write_str("dns lookup timed out"),
        }
    }
}

impl std::error::Error for ResolveFailure {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = Arc::clone(&self.guard);
        let timeout = self.timeout;
        let exempt = self
            .exempt
            .as_deref()
            .is_some_and(|proxy| proxy.eq_ignore_ascii_case(name.as_str()));
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs = lookup(&host, timeout).await?;
            let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
            if !exempt {
                guard.check(&host, &ips).map_err(ResolveFailure::Refused)?;
            }
            let checked: Addrs = Box::new(addrs.into_iter());
            Ok(checked)
        })
    }
}

/// One system lookup of `host` (the port is a placeholder: reqwest puts
/// the URL's port on the addresses), within `timeout`.
pub(super) async fn lookup(
    host: &str,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, ResolveFailure> {
    let found = tokio::time::timeout(timeout, tokio::net::lookup_host((host, 0))).await;
    match found {
        Err(_) => Err(ResolveFailure::TimedOut),
        Ok(Err(e)) => Err(ResolveFailure::Lookup(e)),
        Ok(Ok(addrs)) => Ok(addrs.collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::AllowList;

    fn resolver(guard: Guard) -> GuardedResolver {
        GuardedResolver::new(Arc::new(guard), Duration::from_secs(5))
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn localhost_is_refused_by_default() {
        let name: Name = "localhost".parse().unwrap();
        let err = run(resolver(Guard::new()).resolve(name)).err().unwrap();
        let failure = err.downcast_ref::<ResolveFailure>().unwrap();
        assert!(matches!(
            failure,
            ResolveFailure::Refused(GuardError::Forbidden { .. })
        ));
    }

    #[test]
    fn only_the_proxy_host_is_exempt() {
        let exempting = |host: &str| resolver(Guard::new()).exempting(Some(host.to_owned()));
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = run(exempting("localhost").resolve(name)).unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
        let name: Name = "localhost".parse().unwrap();
        assert!(run(exempting("proxy.internal").resolve(name)).is_err());
    }

    #[test]
    fn allowed_answers_are_passed_on() {
        let guard = Guard::with_allow_list(AllowList::new().with_loopback());
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = run(resolver(guard).resolve(name)).unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
