//! Contentful (webhook request verification): `x-contentful-signature`
//! (hex HMAC-SHA256), `x-contentful-signed-headers` (the signed header
//! names, comma-separated) and `x-contentful-timestamp` (unix
//! **milliseconds**), keyed with the space's signing secret **as text**.
//!
//! - The signed text is a canonical request: the method, the path, the
//!   signed headers as `name:value` joined by `;`, and the raw body, joined
//!   by `\n`. Names are lowercase and sorted, values trimmed; the
//!   signed-headers and timestamp headers are always among them, the first
//!   with the sorted names joined by commas as its value. The path is
//!   escaped as Contentful's toolkit does it (`encodeURI` of the path, with
//!   the query escaped as one component first).
//! - Tolerance: 30 s, the toolkit's default time-to-live, checked both ways
//!   (the toolkit checks only age).
//! - A header named in the list but absent is [`VerifyError::MissingHeader`].
//!   At most [`MAX_SIGNED_HEADERS`] names are read.
//! - One signing secret per space; a keyring with several is tried in turn.
//!   No delivery id header.
//!
//! [`Verifier::verify`] allocates nothing for a URL without a query or
//! characters to escape; otherwise it builds the escaped path.

use std::borrow::Cow;
use std::time::Duration;

use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, SignedHeaders, Verified, Verify};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-contentful-signature";
/// The header listing the signed headers.
pub const SIGNED_HEADERS_HEADER: &str = "x-contentful-signed-headers";
/// The timestamp header (unix milliseconds).
pub const TIMESTAMP_HEADER: &str = "x-contentful-timestamp";

/// The toolkit's default time-to-live.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(30);

/// How many signed header names are read, the two Contentful headers included.
pub const MAX_SIGNED_HEADERS: usize = 32;

/// The name reported when a listed header is absent.
const LISTED_HEADER: &str = "a header listed in x-contentful-signed-headers";

/// Verifies Contentful webhooks signed with a webhook signing secret.
///
/// ```
/// use webhook_kit::providers::contentful;
/// use webhook_kit::{Keyring, Request, Secret, Timestamp, Verify};
///
/// let secret = Secret::from_text(&"s".repeat(64))?;
/// let body = br#"{"sys":{"id":"5KsDBWseXY6QegucYAoacS"}}"#;
/// let now = Timestamp::from_unix_millis(1_764_583_200_000);
/// let topic = ("x-contentful-topic", "ContentManagement.Entry.publish");
/// let headers = contentful::sign(&secret, "POST", "/hooks", &[topic], now, body)
///     .with_header(topic.0, topic.1);
///
/// let verifier = contentful::Verifier::new(Keyring::from(secret));
/// let request = Request::new(&headers, body).with_url("https://example.com/hooks");
/// verifier.verify_request(&request, now)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl Verifier {
    /// A verifier for the signing secrets in `keyring` (each built with
    /// [`Secret::from_text`]).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        Verifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a request with `method` to `path_and_query` (the URL's
    /// path and query, as the request line had them).
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] for any of the three headers or a
    /// listed one, [`VerifyError::MalformedHeader`] for a signature that is
    /// not 64 hex digits, a timestamp that is not digits or too long a
    /// list, [`VerifyError::SignatureMismatch`], and the timestamp errors.
    pub fn verify(
        &self,
        headers: &dyn Headers,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        let signature = headers::required(headers, SIGNATURE_HEADER)?;
        let listed = headers::required(headers, SIGNED_HEADERS_HEADER)?;
        let raw_ts = headers::required(headers, TIMESTAMP_HEADER)?;
        let signed_at = time::parse_unix_millis(raw_ts)
            .map_err(|e| VerifyError::malformed(TIMESTAMP_HEADER, e))?;

        let mut names: [&[u8]; MAX_SIGNED_HEADERS] = [b""; MAX_SIGNED_HEADERS];
        let count = sorted_names(listed, &mut names)?;
        let names = &names[..count];

        let path = canonical_path(path_and_query);
        // Digits as the toolkit reprints them (no leading zeros).
        let ts_digits = match raw_ts.iter().position(|&b| b != b'0') {
            Some(start) => &raw_ts[start..],
            None => b"0",
        };

        // method, path, per name `name:value;`, the joined list, body.
        let mut parts: [&[u8]; 8 + 6 * MAX_SIGNED_HEADERS] = [b""; 8 + 6 * MAX_SIGNED_HEADERS];
        let mut len = 0;
        macro_rules! put {
            ($part:expr) => {{
                parts[len] = $part;
                len += 1;
            }};
        }
        put!(method.as_bytes());
        put!(b"\n");
        put!(path.as_bytes());
        put!(b"\n");
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                put!(b";");
            }
            put!(name);
            put!(b":");
            if name.eq_ignore_ascii_case(SIGNED_HEADERS_HEADER.as_bytes()) {
                for (j, listed_name) in names.iter().enumerate() {
                    if j > 0 {
                        put!(b",");
                    }
                    put!(listed_name);
                }
            } else if name.eq_ignore_ascii_case(TIMESTAMP_HEADER.as_bytes()) {
                put!(ts_digits);
            } else {
                put!(listed_value(headers, name)?);
            }
        }
        put!(b"\n");
        put!(body);

        let candidate = || std::iter::once(crypto::decode_tag::<32>(signature, TagEncoding::Hex));
        let target = MatchTarget {
            header: SIGNATURE_HEADER,
            scheme: "sha256",
            covers: SignedContent::Body,
        };
        let key_index = self.keys.find(now, &parts[..len], target, candidate)?;

        self.check.apply(signed_at, now)?;
        Ok(Verified::new(Provider::Contentful, key_index).signed_at(signed_at))
    }
}

/// The listed names, trimmed, with the two Contentful headers added,
/// sorted and without repeats; returns how many were written.
fn sorted_names<'h>(
    listed: &'h [u8],
    out: &mut [&'h [u8]; MAX_SIGNED_HEADERS],
) -> Result<usize, VerifyError> {
    let too_many = || {
        VerifyError::malformed(
            SIGNED_HEADERS_HEADER,
            Malformed::TooManyItems {
                max: MAX_SIGNED_HEADERS,
            },
        )
    };
    let mut count = 0;
    let fixed: [&'static [u8]; 2] = [
        SIGNED_HEADERS_HEADER.as_bytes(),
        TIMESTAMP_HEADER.as_bytes(),
    ];
    let items = listed
        .split(|&b| b == b',')
        .map(headers::trim)
        .filter(|item| !item.is_empty());
    for name in fixed.into_iter().chain(items) {
        if out[..count].contains(&name) {
            continue;
        }
        *out.get_mut(count).ok_or_else(too_many)? = name;
        count += 1;
    }
    out[..count].sort_unstable();
    Ok(count)
}

/// The trimmed value of a listed header (looked up ASCII case-insensitively).
fn listed_value<'h>(headers: &'h dyn Headers, name: &[u8]) -> Result<&'h [u8], VerifyError> {
    let missing = VerifyError::MissingHeader {
        name: LISTED_HEADER,
    };
    let Ok(name) = std::str::from_utf8(name) else {
        return Err(missing);
    };
    let first = headers.value(name, 0).ok_or(missing)?;
    let mut index = 1;
    while let Some(other) = headers.value(name, index) {
        if headers::trim(other) != headers::trim(first) {
            return Err(VerifyError::malformed(LISTED_HEADER, Malformed::Repeated));
        }
        index += 1;
    }
    Ok(headers::trim(first))
}

/// What `encodeURI` leaves alone.
fn uri_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b";,/?:@&=+$-_.!~*'()#".contains(&b)
}

/// What `querystring.escape` leaves alone.
fn component_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
}

fn escape_into(out: &mut String, text: &str, keep: fn(u8) -> bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// The path as the toolkit signs it: the query (up to a second `?`) escaped
/// as one component, then the whole through `encodeURI`.
fn canonical_path(path_and_query: &str) -> Cow<'_, str> {
    let mut pieces = path_and_query.split('?');
    let pathname = pieces.next().unwrap_or("");
    let search = pieces.next().unwrap_or("");
    if search.is_empty() && pathname.bytes().all(uri_safe) {
        return Cow::Borrowed(pathname);
    }
    let mut joined = String::with_capacity(path_and_query.len() * 2);
    joined.push_str(pathname);
    if !search.is_empty() {
        joined.push('?');
        escape_into(&mut joined, search, component_safe);
    }
    let mut out = String::with_capacity(joined.len() * 2);
    escape_into(&mut out, &joined, uri_safe);
    Cow::Owned(out)
}

/// The path and query of a URL (`/` when it has none), without a fragment.
fn path_and_query(url: &str) -> &str {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => return url.split('#').next().unwrap_or(url),
    };
    let path = match rest.find(['/', '?']) {
        Some(i) => &rest[i..],
        None => "/",
    };
    path.split('#').next().unwrap_or(path)
}

timestamp_options!(Verifier);

impl Verify for Verifier {
    fn provider(&self) -> Provider {
        Provider::Contentful
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        let path = path_and_query(request.require_url()?);
        self.verify(
            request.headers(),
            request.method(),
            path,
            request.body(),
            now,
        )
        .map(Outcome::Verified)
    }
}

/// Signs a request as Contentful does, at `timestamp` (milliseconds are
/// kept), over the `signed` headers given (names in any case): the three
/// Contentful headers. The signed headers themselves must be sent too.
pub fn sign(
    secret: &Secret,
    method: &str,
    path_and_query: &str,
    signed: &[(&str, &str)],
    timestamp: Timestamp,
    body: &[u8],
) -> SignedHeaders {
    let ts = timestamp.as_unix_millis().to_string();
    let mut entries: Vec<(String, String)> = signed
        .iter()
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(n, _)| n != SIGNED_HEADERS_HEADER && n != TIMESTAMP_HEADER)
        .collect();
    entries.push((TIMESTAMP_HEADER.to_owned(), ts.clone()));
    entries.push((SIGNED_HEADERS_HEADER.to_owned(), String::new()));
    entries.sort();
    entries.dedup_by(|a, b| a.0 == b.0);
    let list = entries
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let joined = entries
        .iter()
        .map(|(n, v)| {
            let value = if n == SIGNED_HEADERS_HEADER { &list } else { v };
            format!("{n}:{value}")
        })
        .collect::<Vec<_>>()
        .join(";");
    let path = canonical_path(path_and_query);
    let tag = crypto::hmac_sha256(
        secret.expose_bytes(),
        &[
            method.as_bytes(),
            b"\n",
            path.as_bytes(),
            b"\n",
            joined.as_bytes(),
            b"\n",
            body,
        ],
    );
    SignedHeaders::new()
        .with(SIGNATURE_HEADER, crypto::hex(&tag))
        .with(SIGNED_HEADERS_HEADER, list)
        .with(TIMESTAMP_HEADER, ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bit_flips;

    const BODY: &[u8] = br#"{"sys":{"id":"abc"}}"#;
    const NOW_MS: i64 = 1_764_583_200_000;
    const TOPIC: (&str, &str) = ("X-Contentful-Topic", "ContentManagement.Entry.save");

    fn secret() -> Secret {
        Secret::from_text(&"k".repeat(64)).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(Keyring::from(secret()))
    }

    fn now() -> Timestamp {
        Timestamp::from_unix_millis(NOW_MS)
    }

    #[test]
    fn round_trip_and_single_bit_changes() {
        let headers =
            sign(&secret(), "POST", "/hook", &[TOPIC], now(), BODY).with_header(TOPIC.0, TOPIC.1);
        assert_eq!(
            headers.get(SIGNED_HEADERS_HEADER),
            Some("x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic")
        );
        let verified = verifier()
            .verify(&headers, "POST", "/hook", BODY, now())
            .unwrap();
        assert_eq!(verified.timestamp(), Some(now()));
        for changed in bit_flips(BODY) {
            assert!(
                verifier()
                    .verify(&headers, "POST", "/hook", &changed, now())
                    .is_err()
            );
        }
        assert!(
            verifier()
                .verify(&headers, "PUT", "/hook", BODY, now())
                .is_err()
        );
    }

    #[test]
    fn paths_are_escaped_like_the_toolkit() {
        assert_eq!(canonical_path("/a/b"), "/a/b");
        assert_eq!(canonical_path("/a?x=1&y=2"), "/a?x%253D1%2526y%253D2");
        assert_eq!(canonical_path("/caf\u{e9} x"), "/caf%C3%A9%20x");
        assert_eq!(canonical_path("/a?"), "/a");
        assert_eq!(path_and_query("https://h.example/p?q=1#frag"), "/p?q=1");
        assert_eq!(path_and_query("https://h.example"), "/");
        assert_eq!(path_and_query("https://h.example?q"), "?q");
    }

    #[test]
    fn names_are_sorted_and_bounded() {
        let mut out = [&b""[..]; MAX_SIGNED_HEADERS];
        let n = sorted_names(b" b ,a,x-contentful-timestamp,a", &mut out).unwrap();
        assert_eq!(
            &out[..n],
            &[
                &b"a"[..],
                b"b",
                b"x-contentful-signed-headers",
                b"x-contentful-timestamp"
            ]
        );
        let long: Vec<String> = (0..MAX_SIGNED_HEADERS).map(|i| format!("h{i}")).collect();
        let joined = long.join(",");
        let error = sorted_names(joined.as_bytes(), &mut out).unwrap_err();
        assert_eq!(error.code(), "malformed_header");
    }

    #[test]
    fn window_and_missing_listed_header() {
        let old = Timestamp::from_unix_millis(NOW_MS - 30_001);
        let headers =
            sign(&secret(), "POST", "/hook", &[TOPIC], old, BODY).with_header(TOPIC.0, TOPIC.1);
        assert_eq!(
            verifier()
                .verify(&headers, "POST", "/hook", BODY, now())
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );
        let without_topic = sign(&secret(), "POST", "/hook", &[TOPIC], now(), BODY);
        assert_eq!(
            verifier()
                .verify(&without_topic, "POST", "/hook", BODY, now())
                .unwrap_err()
                .code(),
            "missing_header"
        );
    }
}
