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

#[macro_use]
mod macros;

pub mod adyen;
pub mod asana;
pub mod bitbucket;
mod body_hmac;
pub mod box_com;
pub mod buildkite;
pub mod calendly;
pub mod circleci;
pub mod clerk;
pub mod cloudflare;
pub mod coinbase_commerce;
pub mod contentful;
#[cfg(feature = "ed25519")]
pub mod discord;
pub mod docusign;
pub mod dropbox;
pub mod figma;
pub mod github;
pub mod gitlab;
pub mod gocardless;
pub mod hubspot;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod intercom;
pub mod jira;
pub mod lemonsqueezy;
pub mod linear;
pub mod mailgun;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod mandrill;
pub mod meta;
pub mod mollie;
pub mod mux;
pub mod notion;
pub mod okta;
pub mod paddle;
pub mod pagerduty;
#[cfg(feature = "rsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
pub mod paypal;
pub mod paystack;
#[cfg(feature = "p256")]
#[cfg_attr(docsrs, doc(cfg(feature = "p256")))]
pub mod plaid;
pub mod postmark;
pub mod razorpay;
pub mod resend;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod segment;
#[cfg(feature = "p256")]
#[cfg_attr(docsrs, doc(cfg(feature = "p256")))]
pub mod sendgrid;
pub mod sentry;
pub mod shopify;
pub mod slack;
pub mod square;
pub mod standard_webhooks;
pub mod stripe;
pub mod supabase_auth_hook;
pub mod svix;
mod t_v1;
pub mod telegram;
mod token;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod trello;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod twilio;
pub mod twitch;
pub mod twitter;
pub mod typeform;
mod v0;
#[cfg(feature = "sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
pub mod vercel;
pub mod webflow;
pub mod woocommerce;
pub mod workos;
pub mod xero;
pub mod zendesk;
pub mod zoom;
