use std::borrow::Cow;
use std::time::Duration;

use super::{MessageId, SignError, SigningSecret};
use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{DeliveryId, Outcome, Request, SignedHeaders, Verified, Verify};

/// How the signature bytes of a [`CustomScheme`] are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Lowercase hex (either case is accepted when verifying).
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// One piece of the signed content.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(Box<[u8]>),
    Timestamp,
    Id,
    Body,
}

/// The most pieces a layout may have, so verifying needs no allocation.
const MAX_PARTS: usize = 16;

/// Labels for errors: the configured header names are not `'static`.
const TIMESTAMP_LABEL: &str = "timestamp header of the custom scheme";
const SIGNATURE_LABEL: &str = "signature header of the custom scheme";

/// A configurable HMAC-SHA256 scheme in the common single-header style,
/// for senders that do not use Standard Webhooks, with its matching
/// verifier.
///
/// The defaults are `X-Webhook-Timestamp: <unix seconds>` and
/// `X-Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
/// Everything can be changed: the header names, an optional id header,
/// the layout of the signed content (a template of `{timestamp}`, `{id}`,
/// `{body}` and literal text), hex or base64, and the prefix.
///
/// ```
/// use webhook_kit::sign::{CustomScheme, MessageId, SignatureEncoding, SigningSecret};
/// use webhook_kit::{Keyring, Timestamp};
///
/// let scheme = CustomScheme::new()
///     .with_signature_header("X-Acme-Signature")?
///     .with_layout("{timestamp}:{body}")?
///     .with_encoding(SignatureEncoding::Base64)
///     .with_prefix("sha256=")?;
///
/// let secret = SigningSecret::from_random_bytes(&[9u8; 32])?;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let id = MessageId::new("evt_1")?;
/// let headers = scheme.sign(&Keyring::from(secret.clone()), &id, now, b"{}")?;
/// assert!(headers.get("X-Acme-Signature").unwrap().starts_with("sha256="));
///
/// // The receiving side: the same scheme, the same secret.
/// let verifier = scheme.verifier(Keyring::from(secret.into_secret()));
/// verifier.verify(&headers, b"{}", now)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomScheme {
    timestamp_header: Cow<'static, str>,
    signature_header: Cow<'static, str>,
    id_header: Option<Cow<'static, str>>,
    layout: Vec<Part>,
    encoding: SignatureEncoding,
    prefix: String,
}

impl Default for CustomScheme {
    fn default() -> Self {
        CustomScheme::new()
    }
}

impl CustomScheme {
    /// The default timestamp header.
    pub const DEFAULT_TIMESTAMP_HEADER: &'static str = "X-Webhook-Timestamp";
    /// The default signature header.
    pub const DEFAULT_SIGNATURE_HEADER: &'static str = "X-Webhook-Signature";

    /// The common style: `X-Webhook-Timestamp` and
    /// `X-Webhook-Signature: v1=<hex of "{timestamp}.{body}">`.
    pub fn new() -> Self {
        CustomScheme {
            timestamp_header: Cow::Borrowed(Self::DEFAULT_TIMESTAMP_HEADER),
            signature_header: Cow::Borrowed(Self::DEFAULT_SIGNATURE_HEADER),
            id_header: None,
            layout: vec![
                Part::Timestamp,
                Part::Literal(Box::from(&b"."[..])),
                Part::Body,
            ],
            encoding: SignatureEncoding::Hex,
            prefix: "v1=".to_owned(),
        }
    }

    /// Names the timestamp header.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidScheme`] for a name that is not a valid header name.
    pub fn with_timestamp_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
    ) -> Result<Self, SignError> {
        self.timestamp_header = header_name(name.into())?;
        self.distinct_headers()
    }

    /// Names the signature header.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidScheme`] for a name that is not a valid header name.
    pub fn with_signature_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
    ) -> Result<Self, SignError> {
        self.signature_header = header_name(name.into())?;
        self.distinct_headers()
    }

    /// Also sends the message id in this header (and lets the layout use `{id}`).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidScheme`] for a name that is not a valid header name.
    pub fn with_id_header(mut self, name: impl Into<Cow<'static, str>>) -> Result<Self, SignError> {
        self.id_header = Some(header_name(name.into())?);
        self.distinct_headers()
    }

    /// Refuses two roles under one header name (names compare case-insensitively).
    fn distinct_headers(self) -> Result<Self, SignError> {
        let (ts, sig) = (&self.timestamp_header, &self.signature_header);
        let clash = ts.eq_ignore_ascii_case(sig)
            || self
                .id_header
                .as_ref()
                .is_some_and(|id| id.eq_ignore_ascii_case(ts) || id.eq_ignore_ascii_case(sig));
        if clash {
            return Err(SignError::InvalidScheme(
                "the timestamp, signature and id headers need distinct names",
            ));
        }
        Ok(self)
    }

    /// Sets the layout of the signed content: `{timestamp}`, `{id}` and
    /// `{body}` placeholders between literal text, e.g. `{timestamp}.{body}`
    /// or `{id}.{timestamp}.{body}`.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidScheme`] when `{body}` or `{timestamp}` is not
    /// there exactly once, `{id}` without an id header (set it first) or
    /// more than once, two placeholders with no literal text between them,
    /// an unknown `{...}` placeholder, or more than 16 pieces.
    pub fn with_layout(mut self, template: &str) -> Result<Self, SignError> {
        let layout = parse_layout(template)?;
        let count = |p: &Part| layout.iter().filter(|q| *q == p).count();
        if count(&Part::Body) != 1 {
            return Err(SignError::InvalidScheme(
                "the layout needs `{body}` exactly once",
            ));
        }
        if count(&Part::Timestamp) != 1 {
            // Without a signed timestamp a captured delivery verifies forever.
            return Err(SignError::InvalidScheme(
                "the layout needs `{timestamp}` exactly once",
            ));
        }
        if count(&Part::Id) > 1 {
            return Err(SignError::InvalidScheme("`{id}` may appear once"));
        }
        if count(&Part::Id) == 1 && self.id_header.is_none() {
            return Err(SignError::InvalidScheme(
                "`{id}` needs an id header: call `with_id_header` first",
            ));
        }
        // Two placeholders side by side could trade bytes (`evt_1` + `0170...`
        // signs like `evt_10` + `170...`): literal text must stand between them.
        let literal = |p: &Part| matches!(p, Part::Literal(_));
        if layout.windows(2).any(|w| w.iter().all(|p| !literal(p))) {
            return Err(SignError::InvalidScheme(
                "placeholders need literal text between them",
            ));
        }
        self.layout = layout;
        Ok(self)
    }

    /// Sets how the signature bytes are written.
    pub fn with_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets the text written before each signature (`v1=` by default; may be empty).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidScheme`] for a prefix with a comma (the list
    /// separator), whitespace or anything but printable ASCII.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Result<Self, SignError> {
        let prefix = prefix.into();
        if !prefix.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(SignError::InvalidScheme(
                "a prefix is printable ASCII without commas or spaces",
            ));
        }
        self.prefix = prefix;
        Ok(self)
    }

    fn signs_timestamp(&self) -> bool {
        self.layout.contains(&Part::Timestamp)
    }

    /// Fills `out` with the signed content's pieces; returns how many.
    fn pieces<'a>(
        &'a self,
        out: &mut [&'a [u8]; MAX_PARTS],
        timestamp: &'a [u8],
        id: &'a [u8],
        body: &'a [u8],
    ) -> usize {
        for (slot, part) in out.iter_mut().zip(&self.layout) {
            *slot = match part {
                Part::Literal(text) => text,
                Part::Timestamp => timestamp,
                Part::Id => id,
                Part::Body => body,
            };
        }
        self.layout.len().min(MAX_PARTS)
    }

    /// Signs one attempt of a message at `timestamp` with every active key
    /// (several signatures are joined with `,`).
    ///
    /// The timestamp header is sent whether or not the layout signs it, so
    /// receivers can judge freshness; the id header when one is configured.
    ///
    /// # Errors
    ///
    /// [`SignError::NoActiveKey`] when every key has expired at `timestamp`,
    /// and [`SignError::TimestampOutOfRange`] for a time before 1970 or
    /// past what verifiers accept.
    pub fn sign(
        &self,
        keys: &Keyring<SigningSecret>,
        id: &MessageId,
        timestamp: Timestamp,
        body: &[u8],
    ) -> Result<SignedHeaders, SignError> {
        let seconds = super::signed_seconds(timestamp)?;
        let mut buffer = [&[][..]; MAX_PARTS];
        let n = self.pieces(
            &mut buffer,
            seconds.as_bytes(),
            id.as_str().as_bytes(),
            body,
        );

        let signatures: Vec<String> = keys
            .active(timestamp)
            .map(|(_, key)| {
                let tag = crypto::hmac_sha256(key.secret().expose_bytes(), &buffer[..n]);
                let encoded = match self.encoding {
                    SignatureEncoding::Hex => crypto::hex(&tag),
                    SignatureEncoding::Base64 => crypto::base64(&tag),
                };
                format!("{}{encoded}", self.prefix)
            })
            .collect();
        if signatures.is_empty() {
            return Err(SignError::NoActiveKey);
        }

        let mut headers = SignedHeaders::new();
        if let Some(name) = &self.id_header {
            headers = headers.with_header(name.clone(), id.as_str());
        }
        Ok(headers
            .with_header(self.timestamp_header.clone(), seconds)
            .with_header(self.signature_header.clone(), signatures.join(",")))
    }

    /// The verifier for deliveries signed with this scheme, with a 300 s
    /// window both ways.
    pub fn verifier(&self, keyring: Keyring<Secret>) -> CustomVerifier {
        CustomVerifier {
            scheme: self.clone(),
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(CustomVerifier::DEFAULT_TOLERANCE)),
        }
    }
}

fn header_name(name: Cow<'static, str>) -> Result<Cow<'static, str>, SignError> {
    // RFC 9110 token characters.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(SignError::InvalidScheme(
            "a header name must be a non-empty HTTP token",
        ));
    }
    Ok(name)
}

fn parse_layout(template: &str) -> Result<Vec<Part>, SignError> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            parts.push(Part::Literal(rest.as_bytes().into()));
            break;
        };
        if open > 0 {
            parts.push(Part::Literal(rest.as_bytes()[..open].into()));
        }
        let after = &rest[open..];
        let (part, len) = [
            ("{timestamp}", Part::Timestamp),
            ("{id}", Part::Id),
            ("{body}", Part::Body),
        ]
        .into_iter()
        .find(|(name, _)| after.starts_with(name))
        .map(|(name, part)| (part, name.len()))
        .ok_or(SignError::InvalidScheme(
            "unknown placeholder: use {timestamp}, {id} or {body}",
        ))?;
        parts.push(part);
        rest = &after[len..];
    }
    if parts.len() > MAX_PARTS {
        return Err(SignError::InvalidScheme(
            "the layout has more than 16 pieces",
        ));
    }
    Ok(parts)
}

/// Verifies deliveries signed with a [`CustomScheme`].
///
/// Built by [`CustomScheme::verifier`]. The proof names
/// [`Provider::Custom`]; the delivery id is the id header's value when the
/// scheme has one.
#[derive(Clone, Debug)]
pub struct CustomVerifier {
    scheme: CustomScheme,
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl CustomVerifier {
    /// The default window: 300 s both ways.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// Verifies a delivery.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] or [`VerifyError::MalformedHeader`]
    /// for the timestamp, id or signature header (named generically, since
    /// the configured names are not known to the error type),
    /// [`VerifyError::NoMatchingScheme`] when no entry has the prefix,
    /// [`VerifyError::SignatureMismatch`], and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let scheme = &self.scheme;
        let raw_ts = single(headers, &scheme.timestamp_header, TIMESTAMP_LABEL)?;
        let signed_at = time::parse_unix_seconds(raw_ts)
            .map_err(|e| VerifyError::malformed(TIMESTAMP_LABEL, e))?;
        let id = match &scheme.id_header {
            Some(name) => Some(single(headers, name, "id header of the custom scheme")?),
            None => None,
        };
        if headers.value(&scheme.signature_header, 0).is_none() {
            return Err(VerifyError::MissingHeader {
                name: SIGNATURE_LABEL,
            });
        }

        let mut buffer = [&[][..]; MAX_PARTS];
        let n = scheme.pieces(&mut buffer, raw_ts, id.unwrap_or_default(), body);
        let encoding = match scheme.encoding {
            SignatureEncoding::Hex => TagEncoding::Hex,
            SignatureEncoding::Base64 => TagEncoding::Base64,
        };
        let prefix = scheme.prefix.as_bytes();
        let candidates = || {
            headers::list_items(headers, &scheme.signature_header, b',')
                .filter_map(move |item| item.strip_prefix(prefix))
                .map(move |value| crypto::decode_tag::<32>(value, encoding))
        };
        let target = MatchTarget {
            header: SIGNATURE_LABEL,
            scheme: "the configured prefix",
            covers: SignedContent::Body,
        };
        let key = self.keys.find(now, &buffer[..n], target, candidates)?;

        if scheme.signs_timestamp() {
            self.check.apply(signed_at, now)?;
        }
        let id = id.and_then(DeliveryId::from_header);
        let verified = Verified::new(Provider::Custom, key).signed_at(signed_at);
        // The id is authentic only when the layout signs it.
        Ok(if scheme.layout.contains(&Part::Id) {
            verified.with_signed_delivery_id(id)
        } else {
            verified.with_delivery_id(id)
        })
    }
}

/// A single-valued header under a configured name, reported under `label`.
fn single<'h>(
    headers: &'h dyn Headers,
    name: &str,
    label: &'static str,
) -> Result<&'h [u8], VerifyError> {
    let first = headers
        .value(name, 0)
        .ok_or(VerifyError::MissingHeader { name: label })?;
    let mut index = 1;
    while let Some(other) = headers.value(name, index) {
        if headers::trim(other) != headers::trim(first) {
            return Err(VerifyError::malformed(label, Malformed::Repeated));
        }
        index += 1;
    }
    Ok(headers::trim(first))
}

timestamp_options!(CustomVerifier);

impl Verify for CustomVerifier {
    fn provider(&self) -> Provider {
        Provider::Custom
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.headers(), request.body(), now)
            .map(Outcome::Verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    fn key() -> SigningSecret {
        SigningSecret::from_random_bytes(b"a-custom-scheme-secret-0123456789").unwrap()
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn default_layout_matches_an_independent_hmac() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'a-custom-scheme-secret-0123456789',b'1700000000.{}',hashlib.sha256).hexdigest())"
        let expected = "v1=9888a66dde7e5d4ee2ad735ff1e9d878f9defb5eada53d877fc922ebb2c98804";
        let scheme = CustomScheme::new();
        let id = MessageId::new("evt_1").unwrap();
        let headers = scheme
            .sign(
                &Keyring::from(key()),
                &id,
                Timestamp::from_unix_seconds(NOW),
                b"{}",
            )
            .unwrap();
        assert_eq!(headers.get("X-Webhook-Timestamp"), Some("1700000000"));
        assert_eq!(headers.get("X-Webhook-Signature"), Some(expected));
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let scheme = CustomScheme::new()
            .with_id_header("X-Webhook-Id")
            .unwrap()
            .with_layout("{id}.{timestamp}.{body}")
            .unwrap();
        let secret = key();
        let verifier = scheme.verifier(Keyring::from(secret.secret().clone()));
        let id = MessageId::new("evt_1").unwrap();
        let now = Timestamp::from_unix_seconds(NOW);
        let body = b"\x00\xffbytes";
        let headers = scheme
            .sign(&Keyring::from(secret.clone()), &id, now, body)
            .unwrap();
        let verified = verifier.verify(&headers, body, now).unwrap();
        assert_eq!(verified.delivery_id(), Some("evt_1"));
        assert_eq!(verified.provider(), Provider::Custom);

        for changed in bit_flips(body) {
            assert!(verifier.verify(&headers, &changed, now).is_err());
        }
        let other_id = headers
            .clone()
            .into_vec()
            .into_iter()
            .map(|(n, v)| {
                if n == "X-Webhook-Id" {
                    (n, "evt_2".to_owned())
                } else {
                    (n, v)
                }
            })
            .collect::<Vec<_>>();
        assert!(verifier.verify(&other_id, body, now).is_err());
        for changed in bit_flips(secret.secret().expose_bytes()) {
            let other = scheme.verifier(Keyring::from(Secret::from_bytes(changed)));
            assert!(other.verify(&headers, body, now).is_err());
        }
    }

    #[test]
    fn base64_and_prefixes_and_rotation() {
        let scheme = CustomScheme::new()
            .with_encoding(SignatureEncoding::Base64)
            .with_prefix("")
            .unwrap();
        let (old, new) = (key(), SigningSecret::from_random_bytes(&[3u8; 32]).unwrap());
        let id = MessageId::new("evt_1").unwrap();
        let now = Timestamp::from_unix_seconds(NOW);
        let headers = scheme
            .sign(
                &Keyring::from(old.clone()).with_key(new.clone()),
                &id,
                now,
                b"{}",
            )
            .unwrap();
        assert_eq!(
            headers
                .get("X-Webhook-Signature")
                .unwrap()
                .split(',')
                .count(),
            2
        );
        let verified = scheme
            .verifier(Keyring::from(new.into_secret()))
            .verify(&headers, b"{}", now)
            .unwrap();
        assert_eq!(verified.key_index(), 0);
    }

    #[test]
    fn window_and_errors() {
        let scheme = CustomScheme::new();
        let secret = key();
        let verifier = scheme.verifier(Keyring::from(secret.secret().clone()));
        let id = MessageId::new("evt_1").unwrap();
        let headers = scheme
            .sign(
                &Keyring::from(secret),
                &id,
                Timestamp::from_unix_seconds(NOW),
                b"{}",
            )
            .unwrap();
        assert_eq!(
            verifier
                .verify(&headers, b"{}", Timestamp::from_unix_seconds(NOW + 301))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        assert_eq!(
            verifier
                .verify(&headers, b"{}", Timestamp::from_unix_seconds(NOW - 301))
                .unwrap_err()
                .code(),
            "timestamp_in_future"
        );
        let empty: [(&str, &str); 0] = [];
        assert_eq!(
            verifier
                .verify(&empty, b"{}", Timestamp::from_unix_seconds(NOW))
                .unwrap_err()
                .code(),
            "missing_header"
        );
        let wrong_prefix = [
            ("X-Webhook-Timestamp", "1700000000"),
            ("X-Webhook-Signature", "v2=00"),
        ];
        assert_eq!(
            verifier
                .verify(&wrong_prefix, b"{}", Timestamp::from_unix_seconds(NOW))
                .unwrap_err()
                .code(),
            "no_matching_scheme"
        );
    }

    #[test]
    fn configuration_is_checked() {
        assert!(CustomScheme::new().with_layout("{body}").is_err());
        let with_id = CustomScheme::new().with_id_header("X-Webhook-Id").unwrap();
        assert!(
            with_id
                .clone()
                .with_layout("{id}{timestamp}.{body}")
                .is_err()
        );
        assert!(with_id.with_layout("{id}.{timestamp}.{body}").is_ok());
        assert!(CustomScheme::new().with_prefix("v1,").is_err());
        assert!(CustomScheme::new().with_prefix(" v1=").is_err());
        assert!(
            CustomScheme::new()
                .with_prefix("x\r\nX-Injected: yes")
                .is_err()
        );
        assert!(
            CustomScheme::new()
                .with_timestamp_header("x-webhook-signature")
                .is_err()
        );
        assert!(
            CustomScheme::new()
                .with_id_header("X-WEBHOOK-TIMESTAMP")
                .is_err()
        );
        assert!(
            CustomScheme::new()
                .with_signature_header("Bad Header")
                .is_err()
        );
        assert!(CustomScheme::new().with_signature_header("").is_err());
        assert!(CustomScheme::new().with_layout("{timestamp}").is_err());
        assert!(CustomScheme::new().with_layout("{body}{body}").is_err());
        assert!(CustomScheme::new().with_layout("{id}.{body}").is_err());
        assert!(CustomScheme::new().with_layout("{nope}.{body}").is_err());
        assert!(
            CustomScheme::new()
                .with_layout("a{timestamp}b{body}")
                .is_ok()
        );
        assert!(CustomScheme::new().with_layout("{{body}").is_err());
    }
}
