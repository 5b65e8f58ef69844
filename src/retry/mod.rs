//! Retry schedules and decisions for sending webhooks: pure computation.
//!
//! Nothing here reads a clock, draws a random number or does I/O: the
//! caller passes `now`, and jitter draws come from the caller or from a
//! documented hash of `(delivery id, attempt)`. A decision is plain data to
//! persist with the job; any worker reaches the same one from the same job.
//!
//! - [`Schedule`]: the delay before each attempt, by number. Attempt 1 is
//!   the original send (no delay); attempt `n >= 2` waits
//!   [`Schedule::delay`]`(n)` after attempt `n - 1`.
//! - [`Jitter`]: how a delay is spread; the default never fires early.
//! - [`RetryAfter`]: the header, parsed in all RFC 9110 forms, used as a
//!   clamped lower bound.
//! - [`Classifier`]: what an attempt's status or transport failure means.
//! - [`RetryPolicy`]: all of it plus `max_attempts` and `max_age`
//!   (whichever comes first), turning an outcome into a [`Decision`].
//! - [`Preset`]: real senders' schedules by name.
//!
//! ```
//! use std::time::Duration;
//! use webhook_kit::Timestamp;
//! use webhook_kit::retry::{AttemptInput, AttemptResult, Decision, Preset};
//!
//! let policy = Preset::Svix.policy();
//! let first = Timestamp::from_unix_seconds(1_700_000_000);
//!
//! // The endpoint answered 503 with `Retry-After: 120`.
//! let input = AttemptInput::new("msg_1:ep_1", 1, first, first).with_retry_after(b"120");
//! let verdict = policy.evaluate(&AttemptResult::Response { status: 503 }, None, &input);
//! match verdict.decision {
//!     Decision::RetryAt { attempt, not_before } => {
//!         assert_eq!(attempt, 2);
//!         assert!(not_before >= first.saturating_add(Duration::from_secs(120)));
//!     }
//!     other => panic!("{other:?}"),
//! }
//!
//! let window = policy.window();
//! assert_eq!(window.nominal, Duration::from_secs(99_305)); // 27 h 35 min 5 s
//! ```

mod decision;
mod draw;
mod error;
mod jitter;
mod math;
mod outcome;
mod plan;
mod policy;
mod preset;
mod retry_after;
mod schedule;

pub use decision::{Decision, DisableReason, GiveUpReason};
pub use draw::{DRAW_KEY, Draw, DrawSource};
pub use error::{ConfigError, RetryAfterError, UnknownPreset};
pub use jitter::Jitter;
pub use outcome::{
    AttemptOutcome, AttemptResult, Classifier, DELIVERY_CONTROL_HEADER, FailureKind,
    ReceiverControl, TransportError,
};
pub use plan::{Limit, Plan, PlannedAttempt, Window};
pub use policy::{AttemptInput, DEFAULT_MAX_AGE, DEFAULT_OVERLOAD_MIN, RetryPolicy, Verdict};
pub use preset::Preset;
pub use retry_after::{RetryAfter, RetryAfterEval, RetryAfterRule, evaluate_retry_after};
pub use schedule::{Exponential, Linear, MAX_STEPS, Schedule};
