//! What can go wrong around a delivery attempt in the dispatcher.

use std::fmt;

use crate::delivery::{FanOutError, SourceError, StoreError, TransitionError};

use super::SendError;

/// An error of the [`Dispatcher`](super::Dispatcher): returned by
/// [`submit`](super::Dispatcher::submit) and the redelivery methods, and
/// reported to [`DispatchHooks::on_error`](super::DispatchHooks::on_error)
/// by the run loop.
#[derive(Debug)]
#[non_exhaustive]
pub enum DispatchError {
    /// The fan-out refused the event (its payload is too large, or an
    /// endpoint of the source belongs to someone else); nothing was queued.
    FanOut(FanOutError),
    /// The endpoint source failed.
    Source(SourceError),
    /// The queue, the attempt log or the dead-letter store failed.
    Store(StoreError),
    /// A decision could not be applied to its job.
    Transition(TransitionError),
    /// The sender refused to make the attempt; nothing was sent.
    Send(SendError),
}

impl DispatchError {
    /// A stable snake_case code: the wrapped error's.
    pub fn code(&self) -> &'static str {
        match self {
            DispatchError::FanOut(e) => e.code(),
            DispatchError::Source(e) => e.code(),
            DispatchError::Store(e) => e.code(),
            DispatchError::Transition(e) => e.code(),
            DispatchError::Send(e) => e.code(),
        }
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchError::FanOut(e) => write!(f, "fan-out refused: {e}"),
            DispatchError::Source(e) => write!(f, "endpoint source failed: {e}"),
            DispatchError::Store(e) => write!(f, "store failed: {e}"),
            DispatchError::Transition(e) => write!(f, "decision not applicable: {e}"),
            DispatchError::Send(e) => write!(f, "attempt not made: {e}"),
        }
    }
}

impl std::error::Error for DispatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DispatchError::FanOut(e) => Some(e),
            DispatchError::Source(e) => Some(e),
            DispatchError::Store(e) => Some(e),
            DispatchError::Transition(e) => Some(e),
            DispatchError::Send(e) => Some(e),
        }
    }
}

impl From<FanOutError> for DispatchError {
    fn from(e: FanOutError) -> Self {
        DispatchError::FanOut(e)
    }
}

impl From<SourceError> for DispatchError {
    fn from(e: SourceError) -> Self {
        DispatchError::Source(e)
    }
}

impl From<StoreError> for DispatchError {
    fn from(e: StoreError) -> Self {
        DispatchError::Store(e)
    }
}

impl From<TransitionError> for DispatchError {
    fn from(e: TransitionError) -> Self {
        DispatchError::Transition(e)
    }
}

impl From<SendError> for DispatchError {
    fn from(e: SendError) -> Self {
        DispatchError::Send(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_wrapped_error() {
        let e = DispatchError::from(StoreError::Terminal);
        assert_eq!(e.code(), "terminal_transition");
        assert!(e.to_string().starts_with("store failed: "));
        assert!(std::error::Error::source(&e).is_some());
    }
}
