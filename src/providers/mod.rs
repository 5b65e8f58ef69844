//! One module per provider: its header names, what it signs, a `Verifier`
//! and a `sign` helper that produces what the provider sends.

/// Adds the three timestamp-window setters to a verifier type that holds a
/// `check: TimestampCheck` field, and lets the registry set its policy.
macro_rules! timestamp_options {
    ($verifier:ty) => {
        impl $verifier {
            /// Accepts timestamps up to `window` old or ahead of `now` (inclusive).
            pub fn with_tolerance(mut self, window: ::std::time::Duration) -> Self {
                self.check = $crate::time::TimestampCheck::Window(
                    $crate::time::Tolerance::symmetric(window),
                );
                self
            }

            /// Sets separate windows for the past and the future.
            pub fn with_tolerance_window(mut self, tolerance: $crate::time::Tolerance) -> Self {
                self.check = $crate::time::TimestampCheck::Window(tolerance);
                self
            }

            /// Accepts any signed timestamp, however old or far ahead.
            ///
            /// # Security
            ///
            /// Without the window, a captured delivery verifies forever and
            /// can be replayed. Use this only for re-processing stored
            /// deliveries, behind your own replay protection.
            pub fn dangerous_skip_timestamp_check(mut self) -> Self {
                self.check = $crate::time::TimestampCheck::Skip;
                self
            }
        }

        impl $crate::provider::TimestampPolicy for $verifier {
            fn with_check(mut self, check: $crate::time::TimestampCheck) -> Self {
                self.check = check;
                self
            }
        }
    };
}

pub mod clerk;
#[cfg(feature = "ed25519")]
pub mod discord;
pub mod github;
pub mod gitlab;
pub mod mailgun;
pub mod paddle;
#[cfg(feature = "rsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
pub mod paypal;
#[cfg(feature = "p256")]
#[cfg_attr(docsrs, doc(cfg(feature = "p256")))]
pub mod plaid;
pub mod resend;
#[cfg(feature = "p256")]
#[cfg_attr(docsrs, doc(cfg(feature = "p256")))]
pub mod sendgrid;
pub mod shopify;
pub mod slack;
pub mod square;
pub mod standard_webhooks;
pub mod stripe;
pub mod supabase_auth_hook;
pub mod svix;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod twilio;
mod v0;
pub mod zoom;
