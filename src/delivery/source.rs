//! Where endpoint definitions come from: the user's store, behind a trait,
//! and an in-memory implementation.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::endpoint::Endpoint;
use super::error::SourceError;
use super::ids::{EndpointId, OwnerId};
use crate::idempotency::BoxFuture;

/// The user's endpoint definitions and keys, as the crate reads them.
///
/// The fan-out asks for an owner's endpoints; the sender asks for one
/// endpoint at send time, so URL changes, key rotations and disabling
/// apply to pending retries. The crate only reads: it never writes an
/// endpoint or a secret back. Disabling an endpoint after a
/// [`Transition::EndpointDisabled`](super::Transition::EndpointDisabled)
/// is the user's to do in their own store.
///
/// The methods return `Send` futures and need no async runtime. For a
/// trait object, every source also implements [`DynEndpointSource`], and
/// `dyn DynEndpointSource`, `Arc<S>`, `Box<S>` and `&S` implement this
/// trait in turn.
pub trait EndpointSource: Send + Sync {
    /// Every endpoint of `owner`, enabled or not, in a stable order.
    ///
    /// # Errors
    ///
    /// [`SourceError::Unavailable`] when the backend fails.
    fn endpoints_of(
        &self,
        owner: &OwnerId,
    ) -> impl Future<Output = Result<Vec<Arc<Endpoint>>, SourceError>> + Send;

    /// The endpoint `id` of `owner`, or `None` when there is none (it was
    /// deleted, or belongs to someone else).
    ///
    /// # Errors
    ///
    /// [`SourceError::Unavailable`] when the backend fails.
    fn endpoint(
        &self,
        owner: &OwnerId,
        id: &EndpointId,
    ) -> impl Future<Output = Result<Option<Arc<Endpoint>>, SourceError>> + Send;
}

/// The dyn-compatible form of [`EndpointSource`], with boxed futures.
///
/// Every `EndpointSource` implements it:
///
/// ```
/// use std::sync::Arc;
/// use webhook_kit::delivery::{DynEndpointSource, MemoryEndpointSource};
///
/// let source: Arc<dyn DynEndpointSource> = Arc::new(MemoryEndpointSource::new());
/// # let _ = source;
/// ```
pub trait DynEndpointSource: Send + Sync {
    /// [`EndpointSource::endpoints_of`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointSource::endpoints_of`].
    fn endpoints_of_boxed<'a>(
        &'a self,
        owner: &'a OwnerId,
    ) -> BoxFuture<'a, Result<Vec<Arc<Endpoint>>, SourceError>>;

    /// [`EndpointSource::endpoint`], boxed.
    ///
    /// # Errors
    ///
    /// As [`EndpointSource::endpoint`].
    fn endpoint_boxed<'a>(
        &'a self,
        owner: &'a OwnerId,
        id: &'a EndpointId,
    ) -> BoxFuture<'a, Result<Option<Arc<Endpoint>>, SourceError>>;
}

impl<S: EndpointSource> DynEndpointSource for S {
    fn endpoints_of_boxed<'a>(
        &'a self,
        owner: &'a OwnerId,
    ) -> BoxFuture<'a, Result<Vec<Arc<Endpoint>>, SourceError>> {
        Box::pin(self.endpoints_of(owner))
    }

    fn endpoint_boxed<'a>(
        &'a self,
        owner: &'a OwnerId,
        id: &'a EndpointId,
    ) -> BoxFuture<'a, Result<Option<Arc<Endpoint>>, SourceError>> {
        Box::pin(self.endpoint(owner, id))
    }
}

// `async fn` lets each returned future borrow its arguments for as long as
// it needs, which one boxed lifetime could not express.
impl EndpointSource for dyn DynEndpointSource {
    async fn endpoints_of(&self, owner: &OwnerId) -> Result<Vec<Arc<Endpoint>>, SourceError> {
        self.endpoints_of_boxed(owner).await
    }

    async fn endpoint(
        &self,
        owner: &OwnerId,
        id: &EndpointId,
    ) -> Result<Option<Arc<Endpoint>>, SourceError> {
        self.endpoint_boxed(owner, id).await
    }
}

/// Implements the trait for a pointer by asking what it points to.
macro_rules! through_pointer {
    ($($pointer:ty),*) => {$(
        impl<S: EndpointSource + ?Sized> EndpointSource for $pointer {
            fn endpoints_of(
                &self,
                owner: &OwnerId,
            ) -> impl Future<Output = Result<Vec<Arc<Endpoint>>, SourceError>> + Send {
                S::endpoints_of(self, owner)
            }

            fn endpoint(
                &self,
                owner: &OwnerId,
                id: &EndpointId,
            ) -> impl Future<Output = Result<Option<Arc<Endpoint>>, SourceError>> + Send {
                S::endpoint(self, owner, id)
            }
        }
    )*};
}

through_pointer!(&S, Box<S>, Arc<S>);

/// An [`EndpointSource`] in the process's memory, for tests, development
/// and users who load their definitions at start-up.
///
/// Endpoints are kept per owner, ordered by id; an endpoint id is unique
/// across owners ([`SourceError::OwnerMismatch`] otherwise). Thread-safe,
/// and its futures are ready at once.
///
/// ```
/// use webhook_kit::Keyring;
/// use webhook_kit::delivery::{Endpoint, EndpointId, EndpointSource, EndpointUrl, MemoryEndpointSource, OwnerId};
/// use webhook_kit::sign::SigningSecret;
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// # block_on(async {
/// let source = MemoryEndpointSource::new();
/// let owner = OwnerId::new("app_1")?;
/// source.insert(Endpoint::new(
///     EndpointId::new("ep_1")?,
///     owner.clone(),
///     EndpointUrl::parse("https://hooks.example.com/in")?,
///     Keyring::from(SigningSecret::from_random_bytes(&[7; 32])?),
/// )?)?;
///
/// let endpoints = source.endpoints_of(&owner).await?;
/// assert_eq!(endpoints.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Default)]
pub struct MemoryEndpointSource {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    by_owner: BTreeMap<OwnerId, BTreeMap<EndpointId, Arc<Endpoint>>>,
    owner_of: HashMap<EndpointId, OwnerId>,
}

impl MemoryEndpointSource {
    /// An empty source.
    pub fn new() -> MemoryEndpointSource {
        MemoryEndpointSource::default()
    }

    /// Adds `endpoint`, or replaces the one with its id, returning the one
    /// replaced.
    ///
    /// # Errors
    ///
    /// [`SourceError::OwnerMismatch`] when the id is registered under
    /// another owner, [`SourceError::Unavailable`] if the lock is poisoned.
    pub fn insert(&self, endpoint: Endpoint) -> Result<Option<Arc<Endpoint>>, SourceError> {
        let mut state = self.write()?;
        if let Some(owner) = state.owner_of.get(endpoint.id()) {
            if owner != endpoint.owner() {
                return Err(SourceError::OwnerMismatch {
                    endpoint: endpoint.id().clone(),
                });
            }
        }
        let (id, owner) = (endpoint.id().clone(), endpoint.owner().clone());
        state.owner_of.insert(id.clone(), owner.clone());
        Ok(state
            .by_owner
            .entry(owner)
            .or_default()
            .insert(id, Arc::new(endpoint)))
    }

    /// Removes the endpoint `id` of `owner`, returning it.
    ///
    /// # Errors
    ///
    /// [`SourceError::Unavailable`] if the lock is poisoned.
    pub fn remove(
        &self,
        owner: &OwnerId,
        id: &EndpointId,
    ) -> Result<Option<Arc<Endpoint>>, SourceError> {
        let mut state = self.write()?;
        let Some(endpoints) = state.by_owner.get_mut(owner) else {
            return Ok(None);
        };
        let removed = endpoints.remove(id);
        if endpoints.is_empty() {
            state.by_owner.remove(owner);
        }
        if removed.is_some() {
            state.owner_of.remove(id);
        }
        Ok(removed)
    }

    /// Enables or disables the endpoint `id` of `owner`; whether it exists.
    ///
    /// # Errors
    ///
    /// [`SourceError::Unavailable`] if the lock is poisoned.
    pub fn set_enabled(
        &self,
        owner: &OwnerId,
        id: &EndpointId,
        enabled: bool,
    ) -> Result<bool, SourceError> {
        let mut state = self.write()?;
        let Some(slot) = state.by_owner.get_mut(owner).and_then(|m| m.get_mut(id)) else {
            return Ok(false);
        };
        // Readers holding the old `Arc` keep their snapshot.
        *slot = Arc::new((**slot).clone().with_enabled(enabled));
        Ok(true)
    }

    /// The number of endpoints held.
    ///
    /// # Errors
    ///
    /// [`SourceError::Unavailable`] if the lock is poisoned.
    pub fn len(&self) -> Result<usize, SourceError> {
        Ok(self.read()?.owner_of.len())
    }

    /// Whether no endpoint is held.
    ///
    /// # Errors
    ///
    /// [`SourceError::Unavailable`] if the lock is poisoned.
    pub fn is_empty(&self) -> Result<bool, SourceError> {
        Ok(self.len()? == 0)
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, State>, SourceError> {
        self.state.read().map_err(|_| poisoned())
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, State>, SourceError> {
        self.state.write().map_err(|_| poisoned())
    }

    fn list(&self, owner: &OwnerId) -> Result<Vec<Arc<Endpoint>>, SourceError> {
        Ok(self
            .read()?
            .by_owner
            .get(owner)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default())
    }

    fn get(&self, owner: &OwnerId, id: &EndpointId) -> Result<Option<Arc<Endpoint>>, SourceError> {
        Ok(self
            .read()?
            .by_owner
            .get(owner)
            .and_then(|m| m.get(id))
            .cloned())
    }
}

fn poisoned() -> SourceError {
    SourceError::unavailable("memory", "the endpoint source's lock is poisoned")
}

impl EndpointSource for MemoryEndpointSource {
    fn endpoints_of(
        &self,
        owner: &OwnerId,
    ) -> impl Future<Output = Result<Vec<Arc<Endpoint>>, SourceError>> + Send {
        ready(self.list(owner))
    }

    fn endpoint(
        &self,
        owner: &OwnerId,
        id: &EndpointId,
    ) -> impl Future<Output = Result<Option<Arc<Endpoint>>, SourceError>> + Send {
        ready(self.get(owner, id))
    }
}

impl fmt::Debug for MemoryEndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.read().map(|s| s.owner_of.len()).ok();
        f.debug_struct("MemoryEndpointSource")
            .field("endpoints", &count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::EndpointUrl;
    use crate::secret::Keyring;
    use crate::sign::SigningSecret;
    use crate::test_support::block_on;

    fn endpoint(owner: &str, id: &str) -> Endpoint {
        Endpoint::new(
            EndpointId::new(id).unwrap(),
            OwnerId::new(owner).unwrap(),
            EndpointUrl::parse("https://hooks.example.com/in").unwrap(),
            Keyring::from(SigningSecret::from_random_bytes(&[9; 32]).unwrap()),
        )
        .unwrap()
    }

    fn owner(id: &str) -> OwnerId {
        OwnerId::new(id).unwrap()
    }

    fn ep(id: &str) -> EndpointId {
        EndpointId::new(id).unwrap()
    }

    fn ids(list: &[Arc<Endpoint>]) -> Vec<&str> {
        list.iter().map(|e| e.id().as_str()).collect()
    }

    #[test]
    fn owners_have_several_endpoints_in_id_order() {
        let source = MemoryEndpointSource::new();
        for id in ["ep_b", "ep_a", "ep_c"] {
            assert!(source.insert(endpoint("app_1", id)).unwrap().is_none());
        }
        source.insert(endpoint("app_2", "ep_z")).unwrap();
        let list = block_on(source.endpoints_of(&owner("app_1"))).unwrap();
        assert_eq!(ids(&list), ["ep_a", "ep_b", "ep_c"]);
        assert!(
            block_on(source.endpoints_of(&owner("nobody")))
                .unwrap()
                .is_empty()
        );
        assert_eq!(source.len().unwrap(), 4);
    }

    #[test]
    fn lookups_are_scoped_to_the_owner() {
        let source = MemoryEndpointSource::new();
        source.insert(endpoint("app_1", "ep_1")).unwrap();
        assert!(
            block_on(source.endpoint(&owner("app_1"), &ep("ep_1")))
                .unwrap()
                .is_some()
        );
        assert!(
            block_on(source.endpoint(&owner("app_2"), &ep("ep_1")))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn ids_are_unique_across_owners() {
        let source = MemoryEndpointSource::new();
        source.insert(endpoint("app_1", "ep_1")).unwrap();
        assert!(matches!(
            source.insert(endpoint("app_2", "ep_1")),
            Err(SourceError::OwnerMismatch { .. })
        ));
        // The same owner replaces its endpoint.
        let replaced = source.insert(endpoint("app_1", "ep_1")).unwrap();
        assert!(replaced.is_some());
        assert_eq!(source.len().unwrap(), 1);
    }

    #[test]
    fn remove_and_disable() {
        let source = MemoryEndpointSource::new();
        source.insert(endpoint("app_1", "ep_1")).unwrap();
        let before = block_on(source.endpoint(&owner("app_1"), &ep("ep_1")))
            .unwrap()
            .unwrap();
        assert!(
            source
                .set_enabled(&owner("app_1"), &ep("ep_1"), false)
                .unwrap()
        );
        assert!(
            !source
                .set_enabled(&owner("app_2"), &ep("ep_1"), false)
                .unwrap()
        );
        let after = block_on(source.endpoint(&owner("app_1"), &ep("ep_1")))
            .unwrap()
            .unwrap();
        assert!(before.is_enabled());
        assert!(!after.is_enabled());

        assert!(
            source
                .remove(&owner("app_2"), &ep("ep_1"))
                .unwrap()
                .is_none()
        );
        assert!(
            source
                .remove(&owner("app_1"), &ep("ep_1"))
                .unwrap()
                .is_some()
        );
        assert!(source.is_empty().unwrap());
        // The id is free for another owner now.
        source.insert(endpoint("app_2", "ep_1")).unwrap();
    }

    #[test]
    fn works_through_dyn_and_pointers() {
        let shared: Arc<dyn DynEndpointSource> = Arc::new({
            let s = MemoryEndpointSource::new();
            s.insert(endpoint("app_1", "ep_1")).unwrap();
            s
        });
        fn assert_source<S: EndpointSource>(_: &S) {}
        assert_source(&shared);
        assert_eq!(
            block_on(shared.endpoints_of(&owner("app_1")))
                .unwrap()
                .len(),
            1
        );
        let boxed: Box<dyn DynEndpointSource> = Box::new(Arc::clone(&shared));
        assert!(
            block_on(boxed.endpoint(&owner("app_1"), &ep("ep_1")))
                .unwrap()
                .is_some()
        );
        let by_ref = &*shared;
        assert_eq!(
            block_on(by_ref.endpoints_of(&owner("app_1")))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let source = MemoryEndpointSource::new();
        source.insert(endpoint("app_1", "ep_1")).unwrap();
        assert_eq!(
            format!("{source:?}"),
            "MemoryEndpointSource { endpoints: Some(1) }"
        );
    }
}
