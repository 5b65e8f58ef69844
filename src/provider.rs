//! The provider registry, for services that pick a scheme from configuration.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{Error, SecretError, UnknownProvider};
use crate::providers;
use crate::secret::{Keyring, Secret, SecretEncoding};
use crate::time::{Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, Verify};

macro_rules! provider_table {
    ($( $variant:ident => $id:literal, $name:literal; )*) => {
        /// A provider whose webhooks this crate verifies.
        ///
        /// Ids are snake_case and are the ones the conformance vectors use:
        /// `"stripe".parse::<Provider>()`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Provider {
            $(
                #[doc = concat!($name, " (`", $id, "`).")]
                $variant,
            )*
        }

        impl Provider {
            /// Every provider, in id order.
            pub const ALL: &'static [Provider] = &[$(Provider::$variant),*];

            /// The provider's id, as in configuration and vector files.
            pub fn id(self) -> &'static str {
                match self {
                    $(Provider::$variant => $id,)*
                }
            }

            /// The provider's name for people.
            pub fn name(self) -> &'static str {
                match self {
                    $(Provider::$variant => $name,)*
                }
            }
        }

        impl FromStr for Provider {
            type Err = UnknownProvider;

            fn from_str(id: &str) -> Result<Self, Self::Err> {
                match id {
                    $($id => Ok(Provider::$variant),)*
                    _ => Err(UnknownProvider { id: id.to_owned() }),
                }
            }
        }
    };
}

provider_table! {
    Adyen => "adyen", "Adyen";
    Asana => "asana", "Asana";
    Bitbucket => "bitbucket", "Bitbucket";
    Box => "box", "Box";
    Buildkite => "buildkite", "Buildkite";
    Calendly => "calendly", "Calendly";
    Circleci => "circleci", "CircleCI";
    Clerk => "clerk", "Clerk";
    Cloudflare => "cloudflare", "Cloudflare notifications";
    CoinbaseCommerce => "coinbase_commerce", "Coinbase Commerce";
    Contentful => "contentful", "Contentful";
    Custom => "custom", "a custom single-header scheme";
    Discord => "discord", "Discord";
    Docusign => "docusign", "DocuSign Connect";
    Dropbox => "dropbox", "Dropbox";
    Figma => "figma", "Figma";
    Github => "github", "GitHub";
    Gitlab => "gitlab", "GitLab";
    Gocardless => "gocardless", "GoCardless";
    Hubspot => "hubspot", "HubSpot";
    Intercom => "intercom", "Intercom";
    Jira => "jira", "Jira admin webhooks";
    Lemonsqueezy => "lemonsqueezy", "Lemon Squeezy";
    Linear => "linear", "Linear";
    Mailgun => "mailgun", "Mailgun";
    Mandrill => "mandrill", "Mandrill (Mailchimp Transactional)";
    Meta => "meta", "Meta (Facebook, Messenger, Instagram, WhatsApp)";
    Mollie => "mollie", "Mollie";
    Mux => "mux", "Mux";
    Notion => "notion", "Notion";
    Okta => "okta", "Okta event hooks";
    Paddle => "paddle", "Paddle Billing";
    Pagerduty => "pagerduty", "PagerDuty";
    Paypal => "paypal", "PayPal";
    Paystack => "paystack", "Paystack";
    Plaid => "plaid", "Plaid";
    Postmark => "postmark", "Postmark";
    Razorpay => "razorpay", "Razorpay";
    Resend => "resend", "Resend";
    Segment => "segment", "Segment";
    Sendgrid => "sendgrid", "SendGrid Event Webhook";
    Sentry => "sentry", "Sentry";
    Shopify => "shopify", "Shopify";
    Slack => "slack", "Slack";
    Square => "square", "Square";
    StandardWebhooks => "standard_webhooks", "Standard Webhooks";
    Stripe => "stripe", "Stripe";
    StripeThin => "stripe_thin", "Stripe thin events";
    SupabaseAuthHook => "supabase_auth_hook", "Supabase Auth hooks";
    Svix => "svix", "Svix";
    Telegram => "telegram", "Telegram Bot API";
    Trello => "trello", "Trello";
    Twilio => "twilio", "Twilio";
    Twitch => "twitch", "Twitch EventSub";
    Twitter => "twitter", "X (Twitter) Account Activity";
    Typeform => "typeform", "Typeform";
    Vercel => "vercel", "Vercel";
    Webflow => "webflow", "Webflow";
    Woocommerce => "woocommerce", "WooCommerce";
    Workos => "workos", "WorkOS";
    Xero => "xero", "Xero";
    Zendesk => "zendesk", "Zendesk";
    Zoom => "zoom", "Zoom";
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Provider {
    /// Builds this provider's verifier from a configuration.
    ///
    /// Build it once at start-up and keep it: secrets are decoded and keys
    /// prepared here, not per request.
    ///
    /// # Errors
    ///
    /// A [`SecretError`] when a configured secret cannot be used by this
    /// provider, or none is configured.
    pub fn verifier(self, config: &VerifierConfig) -> Result<Box<dyn Verify>, SecretError> {
        if config.keys.is_empty() && config.verify_tokens.is_empty() {
            return Err(SecretError::NoSecrets);
        }
        use providers::*;
        let verifier: Box<dyn Verify> = match self {
            Provider::Adyen => Box::new(adyen::from_config(config)?),
            Provider::Asana => Box::new(asana::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            )),
            Provider::Bitbucket => Box::new(bitbucket::from_config(config)?),
            Provider::Box => Box::new(config.timed(box_com::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Buildkite => Box::new(buildkite::from_config(config)?),
            Provider::Calendly => Box::new(config.timed(calendly::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Circleci => Box::new(circleci::from_config(config)?),
            Provider::Clerk => Box::new(config.timed(clerk::verifier(
                config.secrets(self, SecretEncoding::WhsecBase64)?,
            ))),
            Provider::Cloudflare => Box::new(cloudflare::from_config(config)?),
            Provider::CoinbaseCommerce => Box::new(coinbase_commerce::from_config(config)?),
            Provider::Contentful => Box::new(config.timed(contentful::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Custom => {
                let scheme = config.custom_scheme.clone().unwrap_or_default();
                Box::new(config.timed(scheme.verifier(config.secrets(self, SecretEncoding::Utf8)?)))
            }
            #[cfg(feature = "ed25519")]
            Provider::Discord => Box::new(discord::from_config(config)?),
            #[cfg(not(feature = "ed25519"))]
            Provider::Discord => return Err(SecretError::FeatureDisabled("ed25519")),
            Provider::Docusign => Box::new(docusign::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            )),
            Provider::Dropbox => Box::new(dropbox::from_config(config)?),
            Provider::Figma => Box::new(figma::from_config(config)?),
            Provider::Github => Box::new(github::from_config(config)?),
            Provider::Gitlab => Box::new(gitlab::from_config(config)?),
            Provider::Gocardless => Box::new(gocardless::from_config(config)?),
            Provider::Hubspot => Box::new(config.timed(hubspot::from_config(config)?)),
            #[cfg(feature = "sha1")]
            Provider::Intercom => Box::new(intercom::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            )),
            #[cfg(not(feature = "sha1"))]
            Provider::Intercom => return Err(SecretError::FeatureDisabled("sha1")),
            Provider::Jira => Box::new(jira::from_config(config)?),
            Provider::Lemonsqueezy => Box::new(lemonsqueezy::from_config(config)?),
            Provider::Linear => Box::new(config.timed(linear::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Mailgun => Box::new(config.timed(mailgun::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            #[cfg(feature = "sha1")]
            Provider::Mandrill => Box::new(mandrill::from_config(config)?),
            #[cfg(not(feature = "sha1"))]
            Provider::Mandrill => return Err(SecretError::FeatureDisabled("sha1")),
            Provider::Meta => Box::new(meta::from_config(config)?),
            Provider::Mollie => Box::new(mollie::from_config(config)?),
            Provider::Mux => Box::new(mux::from_config(config)?),
            Provider::Notion => Box::new(notion::from_config(config)?),
            Provider::Okta => Box::new(okta::from_config(config)?),
            Provider::Paddle => Box::new(config.timed(paddle::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Pagerduty => Box::new(pagerduty::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            )),
            #[cfg(feature = "rsa")]
            Provider::Paypal => Box::new(paypal::from_config(config)?),
            #[cfg(not(feature = "rsa"))]
            Provider::Paypal => return Err(SecretError::FeatureDisabled("rsa")),
            Provider::Paystack => Box::new(paystack::from_config(config)?),
            #[cfg(feature = "p256")]
            Provider::Plaid => Box::new(config.timed(plaid::from_config(config)?)),
            #[cfg(not(feature = "p256"))]
            Provider::Plaid => return Err(SecretError::FeatureDisabled("p256")),
            Provider::Postmark => Box::new(postmark::from_config(config)?),
            Provider::Razorpay => Box::new(razorpay::from_config(config)?),
            Provider::Resend => Box::new(config.timed(resend::verifier(
                config.secrets(self, SecretEncoding::WhsecBase64)?,
            ))),
            #[cfg(feature = "sha1")]
            Provider::Segment => Box::new(segment::from_config(config)?),
            #[cfg(not(feature = "sha1"))]
            Provider::Segment => return Err(SecretError::FeatureDisabled("sha1")),
            #[cfg(feature = "p256")]
            Provider::Sendgrid => Box::new(config.timed(sendgrid::from_config(config)?)),
            #[cfg(not(feature = "p256"))]
            Provider::Sendgrid => return Err(SecretError::FeatureDisabled("p256")),
            Provider::Sentry => Box::new(sentry::from_config(config)?),
            Provider::Shopify => Box::new(config.timed(shopify::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Slack => Box::new(config.timed(slack::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Square => {
                let verifier = square::Verifier::new(config.secrets(self, SecretEncoding::Utf8)?);
                match &config.notification_url {
                    Some(url) => Box::new(verifier.with_notification_url(url.clone())),
                    None => Box::new(verifier),
                }
            }
            Provider::StandardWebhooks => Box::new(standard_webhooks::from_config(config)?),
            Provider::Stripe => Box::new(config.timed(stripe::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::StripeThin => Box::new(config.timed(stripe::Verifier::new_thin(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::SupabaseAuthHook => Box::new(config.timed(supabase_auth_hook::verifier(
                config.secrets(self, SecretEncoding::V1WhsecBase64)?,
            ))),
            Provider::Svix => Box::new(config.timed(svix::verifier(
                config.secrets(self, SecretEncoding::WhsecBase64)?,
            ))),
            Provider::Telegram => Box::new(telegram::from_config(config)?),
            #[cfg(feature = "sha1")]
            Provider::Trello => Box::new(trello::from_config(config)?),
            #[cfg(not(feature = "sha1"))]
            Provider::Trello => return Err(SecretError::FeatureDisabled("sha1")),
            #[cfg(feature = "sha1")]
            Provider::Twilio => Box::new(twilio::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            )),
            #[cfg(not(feature = "sha1"))]
            Provider::Twilio => return Err(SecretError::FeatureDisabled("sha1")),
            Provider::Twitch => Box::new(config.timed(twitch::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Twitter => Box::new(twitter::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            )),
            Provider::Typeform => Box::new(typeform::from_config(config)?),
            #[cfg(feature = "sha1")]
            Provider::Vercel => Box::new(vercel::from_config(config)?),
            #[cfg(not(feature = "sha1"))]
            Provider::Vercel => return Err(SecretError::FeatureDisabled("sha1")),
            Provider::Webflow => Box::new(config.timed(webflow::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Woocommerce => Box::new(woocommerce::from_config(config)?),
            Provider::Workos => Box::new(config.timed(workos::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Xero => Box::new(xero::from_config(config)?),
            Provider::Zendesk => Box::new(config.timed(zendesk::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
            Provider::Zoom => Box::new(config.timed(zoom::Verifier::new(
                config.secrets(self, SecretEncoding::Utf8)?,
            ))),
        };
        Ok(verifier)
    }
}

/// The event id inside the body, for providers that put it there.
pub(crate) fn body_event_id(provider: Provider, body: &[u8]) -> Option<String> {
    match provider {
        Provider::Box => providers::box_com::event_id(body),
        Provider::Circleci => providers::circleci::event_id(body),
        Provider::CoinbaseCommerce => providers::coinbase_commerce::event_id(body),
        Provider::Discord => json_string_field(body, &["id"]),
        Provider::Intercom => json_string_field(body, &["id"]),
        Provider::Mux => providers::mux::event_id(body),
        Provider::Notion => providers::notion::event_id(body),
        Provider::Okta => providers::okta::event_id(body),
        Provider::Paddle => providers::paddle::event_id(body),
        Provider::Pagerduty => providers::pagerduty::event_id(body),
        Provider::Paypal => json_string_field(body, &["id"]),
        #[cfg(feature = "sha1")]
        Provider::Segment => providers::segment::event_id(body),
        Provider::Slack => providers::slack::event_id(body),
        Provider::Square => providers::square::event_id(body),
        Provider::Stripe | Provider::StripeThin => providers::stripe::event_id(body),
        Provider::Telegram => providers::telegram::event_id(body),
        #[cfg(feature = "sha1")]
        Provider::Trello => providers::trello::event_id(body),
        Provider::Typeform => json_string_field(body, &["event_id"]),
        #[cfg(feature = "sha1")]
        Provider::Vercel => providers::vercel::event_id(body),
        Provider::Workos => providers::workos::event_id(body),
        _ => None,
    }
}

/// Reads a string (or number) at `path` in a JSON body.
pub(crate) fn json_string_field(body: &[u8], path: &[&str]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut at = &value;
    for key in path {
        at = at.get(key)?;
    }
    match at {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// How a configured key's text is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFormat {
    /// A shared secret in one of the [`SecretEncoding`]s.
    Secret(SecretEncoding),
    /// An Ed25519 public key as 64 hex characters (Discord).
    Ed25519Hex,
    /// An Ed25519 public key as `whpk_` + base64 (Standard Webhooks `v1a`).
    Ed25519Whpk,
    /// A public key as base64 of its DER SubjectPublicKeyInfo, no armour
    /// (SendGrid's verification key).
    SpkiBase64,
    /// PEM: a `PUBLIC KEY` (or `RSA PUBLIC KEY`) block, or a `CERTIFICATE`
    /// whose key is used (PayPal's signing certificate).
    Pem,
    /// A JSON Web Key (Plaid's webhook verification key).
    Jwk,
    /// A public key as hex: of its DER SubjectPublicKeyInfo, or for an
    /// elliptic-curve key, of the SEC1 point.
    PublicKeyHex,
}

impl KeyFormat {
    /// Looks a format up by its name in the vector format (`utf8`,
    /// `whsec_base64`, `hex_ed25519_public_key`, ...).
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "hex_ed25519_public_key" => Some(KeyFormat::Ed25519Hex),
            "whpk_base64_ed25519_public_key" => Some(KeyFormat::Ed25519Whpk),
            "base64-der-spki" => Some(KeyFormat::SpkiBase64),
            "pem-spki" | "pem" | "pem-certificate" => Some(KeyFormat::Pem),
            "jwk" => Some(KeyFormat::Jwk),
            "hex-public-key" => Some(KeyFormat::PublicKeyHex),
            other => SecretEncoding::from_id(other).map(KeyFormat::Secret),
        }
    }

    /// The name of this format in the vector format.
    pub fn id(self) -> &'static str {
        match self {
            KeyFormat::Secret(e) => e.id(),
            KeyFormat::Ed25519Hex => "hex_ed25519_public_key",
            KeyFormat::Ed25519Whpk => "whpk_base64_ed25519_public_key",
            KeyFormat::SpkiBase64 => "base64-der-spki",
            KeyFormat::Pem => "pem-spki",
            KeyFormat::Jwk => "jwk",
            KeyFormat::PublicKeyHex => "hex-public-key",
        }
    }
}

/// One configured key: its text, how to decode it, and an optional expiry.
#[derive(Clone)]
pub(crate) struct KeySpec {
    pub(crate) text: Zeroizing<String>,
    pub(crate) format: Option<KeyFormat>,
    pub(crate) not_after: Option<Timestamp>,
}

/// The configuration of a verifier picked by provider id: its keys and
/// options.
///
/// A key given without a format is decoded the way its provider says
/// (Stripe's `whsec_...` as text, Standard Webhooks' as base64). Options a
/// provider has no use for are ignored by it.
///
/// ```
/// use webhook_kit::{Provider, VerifierConfig};
///
/// let config = VerifierConfig::new().with_secret("whsec_test_secret");
/// let verifier = "stripe".parse::<Provider>()?.verifier(&config)?;
/// assert_eq!(verifier.provider(), Provider::Stripe);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct VerifierConfig {
    pub(crate) keys: Vec<KeySpec>,
    pub(crate) tolerance: Option<Tolerance>,
    pub(crate) skip_timestamp: bool,
    pub(crate) allow_legacy_sha1: bool,
    pub(crate) require_hubspot_v3: bool,
    pub(crate) notification_url: Option<String>,
    pub(crate) custom_scheme: Option<crate::sign::CustomScheme>,
    pub(crate) verify_tokens: Vec<Zeroizing<String>>,
}

impl VerifierConfig {
    /// A configuration with no keys.
    pub fn new() -> Self {
        VerifierConfig::default()
    }

    /// Adds a key, decoded the way the provider says.
    pub fn with_secret(mut self, text: impl Into<String>) -> Self {
        self.push_key(text.into(), None, None);
        self
    }

    /// Adds a key in an explicit format.
    pub fn with_key(mut self, text: impl Into<String>, format: KeyFormat) -> Self {
        self.push_key(text.into(), Some(format), None);
        self
    }

    /// Adds a key, with an optional format and not-after time.
    pub fn push_key(
        &mut self,
        text: String,
        format: Option<KeyFormat>,
        not_after: Option<Timestamp>,
    ) {
        self.keys.push(KeySpec {
            text: Zeroizing::new(text),
            format,
            not_after,
        });
    }

    /// Sets a symmetric timestamp window instead of the provider's default.
    pub fn with_tolerance(mut self, window: Duration) -> Self {
        self.tolerance = Some(Tolerance::symmetric(window));
        self
    }

    /// Sets a timestamp window instead of the provider's default.
    pub fn with_tolerance_window(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Switches the timestamp check off.
    ///
    /// # Security
    ///
    /// Captured deliveries then verify forever; see the verifiers'
    /// `dangerous_skip_timestamp_check`.
    pub fn dangerous_skip_timestamp_check(mut self) -> Self {
        self.skip_timestamp = true;
        self
    }

    /// The URL a provider that signs its notification URL (Square, HubSpot) was
    /// configured with; without it, the request's URL is used, which
    /// differs behind a proxy that rewrites the host or scheme.
    pub fn with_notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    /// The scheme [`Provider::Custom`] verifies; the default
    /// [`CustomScheme`](crate::sign::CustomScheme) without it.
    pub fn with_custom_scheme(mut self, scheme: crate::sign::CustomScheme) -> Self {
        self.custom_scheme = Some(scheme);
        self
    }

    /// Adds a verify token: the string a provider's subscription GET echoes
    /// back (Meta's `hub.verify_token`), which is not a signing key.
    pub fn with_verify_token(mut self, token: impl Into<String>) -> Self {
        self.verify_tokens.push(Zeroizing::new(token.into()));
        self
    }

    /// Accepts the legacy SHA-1 `X-Hub-Signature` header of GitHub and Meta
    /// when it is the only signature header; other providers ignore it.
    /// Building such a verifier needs the `sha1` feature.
    pub fn allow_legacy_sha1(mut self) -> Self {
        self.allow_legacy_sha1 = true;
        self
    }

    /// Refuses HubSpot's v1 and v2 signatures, which are open to length
    /// extension; see [`hubspot::Verifier::require_v3`](crate::providers::hubspot::Verifier::require_v3).
    pub fn require_hubspot_v3(mut self) -> Self {
        self.require_hubspot_v3 = true;
        self
    }

    /// The shared secrets, decoded with `default` unless a key names its format.
    pub(crate) fn secrets(
        &self,
        provider: Provider,
        default: SecretEncoding,
    ) -> Result<Keyring<Secret>, SecretError> {
        self.secrets_where(provider, default, |_| true)
    }

    /// The shared secrets among the keys `keep` selects.
    pub(crate) fn secrets_where(
        &self,
        provider: Provider,
        default: SecretEncoding,
        keep: impl Fn(&KeySpec) -> bool,
    ) -> Result<Keyring<Secret>, SecretError> {
        // A configuration with only verify tokens has no key for signatures.
        if self.keys.is_empty() {
            return Err(SecretError::NoSecrets);
        }
        let mut keyring = Keyring::new();
        for spec in self.keys.iter().filter(|k| keep(k)) {
            let encoding = match spec.format {
                None => default,
                Some(KeyFormat::Secret(e)) => e,
                Some(other) => {
                    return Err(SecretError::UnsupportedEncoding {
                        provider: provider.id(),
                        encoding: other.id(),
                    });
                }
            };
            keyring.push(Secret::parse(&spec.text, encoding)?, spec.not_after);
        }
        Ok(keyring)
    }

    /// The timestamp policy, with `default` when none was configured.
    pub(crate) fn timestamp_check(&self, default: Duration) -> TimestampCheck {
        if self.skip_timestamp {
            return TimestampCheck::Skip;
        }
        TimestampCheck::Window(self.tolerance.unwrap_or(Tolerance::symmetric(default)))
    }

    /// Applies the configured timestamp policy, if any, to a verifier.
    fn timed<V: TimestampPolicy>(&self, verifier: V) -> V {
        if self.skip_timestamp {
            return verifier.with_check(TimestampCheck::Skip);
        }
        match self.tolerance {
            Some(t) => verifier.with_check(TimestampCheck::Window(t)),
            None => verifier,
        }
    }
}

/// Verifiers whose timestamp policy the registry can set.
pub(crate) trait TimestampPolicy {
    fn with_check(self, check: TimestampCheck) -> Self;
}

impl fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let formats: Vec<_> = self
            .keys
            .iter()
            .map(|k| k.format.map(KeyFormat::id))
            .collect();
        f.debug_struct("VerifierConfig")
            .field("keys", &formats)
            .field("tolerance", &self.tolerance)
            .field("skip_timestamp", &self.skip_timestamp)
            .field("allow_legacy_sha1", &self.allow_legacy_sha1)
            .field("require_hubspot_v3", &self.require_hubspot_v3)
            .field("notification_url", &self.notification_url)
            .field("custom_scheme", &self.custom_scheme)
            .field("verify_tokens", &self.verify_tokens.len())
            .finish()
    }
}

/// Verifies `request` for the provider named `provider`, in one call.
///
/// This builds the verifier on every call; a service should build it once
/// with [`Provider::verifier`] and keep it.
///
/// # Errors
///
/// [`Error::UnknownProvider`], [`Error::Secret`] for an unusable
/// configuration, or [`Error::Verify`] when the request is refused.
pub fn verify(
    provider: &str,
    config: &VerifierConfig,
    request: &Request<'_>,
    now: Timestamp,
) -> Result<Outcome, Error> {
    let provider: Provider = provider.parse()?;
    let verifier = provider.verifier(config)?;
    Ok(verifier.verify_request(request, now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for &p in Provider::ALL {
            assert_eq!(p.id().parse::<Provider>(), Ok(p));
            assert_eq!(p.to_string(), p.id());
        }
        assert_eq!("nope".parse::<Provider>().unwrap_err().id(), "nope");
    }

    #[test]
    fn square_uses_the_configured_notification_url() {
        let key = Secret::from_text("signature-key").unwrap();
        let body = br#"{"event_id":"e1"}"#;
        let headers = providers::square::sign(&key, "https://example.com/square", body);
        let config = VerifierConfig::new()
            .with_secret("signature-key")
            .with_notification_url("https://example.com/square");
        let verifier = Provider::Square.verifier(&config).unwrap();
        // The request arrived through a proxy under another URL.
        let request = Request::new(&headers, body).with_url("http://internal:8080/square");
        let outcome = verifier
            .verify_request(&request, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(outcome.verified().unwrap().provider(), Provider::Square);
    }

    #[test]
    fn config_debug_hides_keys() {
        let config = VerifierConfig::new().with_secret("super-secret-text");
        assert!(!format!("{config:?}").contains("super-secret"));
    }
}
