//! Shopify's query-string signatures: the admin `hmac` (OAuth callbacks,
//! app loads) and the app proxy `signature`.

use std::borrow::Cow;

use super::{DEFAULT_TOLERANCE, HMAC_PARAM, SHOP_PARAM, SIGNATURE_PARAM, TIMESTAMP_PARAM};
use crate::crypto::{self, HmacSha256, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::provider::Provider;
use crate::secret::{Keyring, Secret};
use crate::time::{self, Timestamp, TimestampCheck, Tolerance};
use crate::verify::{Outcome, Request, Verified, Verify};

/// The parameters that must not appear more than once.
const SINGLE_VALUED: [&str; 4] = [HMAC_PARAM, SHOP_PARAM, SIGNATURE_PARAM, TIMESTAMP_PARAM];

/// A decoded parameter: key, arrival position, value. The position keeps
/// repeated keys in arrival order through an in-place sort.
type Param<'q> = (Cow<'q, str>, usize, Cow<'q, str>);

/// Which of the two query signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// OAuth and admin requests: `hmac`, `&`-joined and re-encoded.
    Admin,
    /// App proxy requests: `signature`, concatenated and decoded.
    AppProxy,
}

impl Form {
    fn signature_param(self) -> &'static str {
        match self {
            Form::Admin => HMAC_PARAM,
            Form::AppProxy => SIGNATURE_PARAM,
        }
    }

    /// Whether a parameter is left out of the signed message.
    fn drops(self, key: &str) -> bool {
        match self {
            Form::Admin => key == HMAC_PARAM || key == SIGNATURE_PARAM,
            Form::AppProxy => key == SIGNATURE_PARAM,
        }
    }

    /// The signed message of the kept parameters, which must be sorted.
    fn message(self, params: &[Param<'_>]) -> String {
        match self {
            Form::Admin => admin_message(params),
            Form::AppProxy => app_proxy_message(params),
        }
    }
}

/// Verifies the `hmac` Shopify adds to the query of OAuth callbacks and of
/// admin requests that load an app.
///
/// ```
/// use webhook_kit::providers::shopify;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let query = "code=0907a61c0c8d55e99db179b68161bc00\
///     &hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf\
///     &shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173";
/// let verifier = shopify::OAuthVerifier::new(Keyring::from(Secret::from_text("hush")?));
/// verifier.verify(query, Timestamp::from_unix_seconds(1_337_178_200))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct OAuthVerifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl OAuthVerifier {
    /// A verifier for the client secrets in `keyring` (as text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        OAuthVerifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a raw query string (without the `?`).
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] naming `hmac` or `timestamp` when the
    /// parameter is absent; [`VerifyError::MalformedHeader`] for a repeated
    /// `hmac`, `shop`, `signature` or `timestamp`, an `hmac` that is not 64
    /// hex digits, or a `timestamp` that is not unix seconds;
    /// [`VerifyError::SignatureMismatch`]; the timestamp errors.
    pub fn verify(&self, query: &str, now: Timestamp) -> Result<Verified, VerifyError> {
        verify(&self.keys, self.check, Form::Admin, query, now)
    }
}

/// Verifies the `signature` Shopify adds to the query of requests it
/// forwards through an app proxy.
///
/// ```
/// use webhook_kit::providers::shopify;
/// use webhook_kit::{Keyring, Secret, Timestamp};
///
/// let query = "extra=1&extra=2&shop=shop-name.myshopify.com\
///     &path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555\
///     &signature=a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3";
/// let verifier = shopify::AppProxyVerifier::new(Keyring::from(Secret::from_text("hush")?));
/// verifier.verify(query, Timestamp::from_unix_seconds(1_317_327_555))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct AppProxyVerifier {
    keys: MacKeys<HmacSha256>,
    check: TimestampCheck,
}

impl AppProxyVerifier {
    /// A verifier for the client secrets in `keyring` (as text).
    pub fn new(keyring: Keyring<Secret>) -> Self {
        AppProxyVerifier {
            keys: MacKeys::new(&keyring),
            check: TimestampCheck::Window(Tolerance::symmetric(DEFAULT_TOLERANCE)),
        }
    }

    /// Verifies a raw query string (without the `?`).
    ///
    /// # Errors
    ///
    /// As [`OAuthVerifier::verify`], with `signature` in place of `hmac`.
    pub fn verify(&self, query: &str, now: Timestamp) -> Result<Verified, VerifyError> {
        verify(&self.keys, self.check, Form::AppProxy, query, now)
    }
}

timestamp_options!(OAuthVerifier);
timestamp_options!(AppProxyVerifier);

impl Verify for OAuthVerifier {
    fn provider(&self) -> Provider {
        Provider::Shopify
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.query().unwrap_or_default(), now)
            .map(Outcome::Verified)
    }
}

impl Verify for AppProxyVerifier {
    fn provider(&self) -> Provider {
        Provider::Shopify
    }

    fn verify_request(
        &self,
        request: &Request<'_>,
        now: Timestamp,
    ) -> Result<Outcome, VerifyError> {
        self.verify(request.query().unwrap_or_default(), now)
            .map(Outcome::Verified)
    }
}

/// Whether the raw query has a parameter named `name` (after decoding).
pub(super) fn has_param(query: &str, name: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == name)
}

/// The check both query forms share.
pub(super) fn verify(
    keys: &MacKeys<HmacSha256>,
    check: TimestampCheck,
    form: Form,
    query: &str,
    now: Timestamp,
) -> Result<Verified, VerifyError> {
    let mut params = parse(query)?;

    let signature_name = form.signature_param();
    let presented =
        crypto::decode_tag::<32>(value(&params, signature_name)?.as_bytes(), TagEncoding::Hex);
    let raw_ts = value(&params, TIMESTAMP_PARAM)?;
    let signed_at = time::parse_unix_seconds(raw_ts.as_bytes())
        .map_err(|e| VerifyError::malformed(TIMESTAMP_PARAM, e))?;

    params.retain(|(key, _, _)| !form.drops(key));
    sort(&mut params);
    let message = form.message(&params);

    let target = MatchTarget {
        header: signature_name,
        scheme: "hmac-sha256",
        covers: SignedContent::Query,
    };
    let key_index = keys.find(now, &[message.as_bytes()], target, || {
        std::iter::once(presented)
    })?;

    check.apply(signed_at, now)?;
    Ok(Verified::new(Provider::Shopify, key_index)
        .signed_at(signed_at)
        .covering(SignedContent::Query))
}

/// Decodes the query into parameters, refusing repeats of the single-valued ones.
fn parse(query: &str) -> Result<Vec<Param<'_>>, VerifyError> {
    // The parser yields one pair per non-empty `&`-separated segment: sized
    // exactly, the vector never grows.
    let count = query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .count();
    let mut params = Vec::with_capacity(count);
    params.extend(
        form_urlencoded::parse(query.as_bytes())
            .enumerate()
            .map(|(position, (key, value))| (key, position, value)),
    );
    for name in SINGLE_VALUED {
        if params
            .iter()
            .filter(|(key, _, _)| key == name)
            .nth(1)
            .is_some()
        {
            return Err(VerifyError::malformed(
                name,
                Malformed::DuplicateParam(name),
            ));
        }
    }
    Ok(params)
}

fn value<'p>(params: &'p [Param<'_>], name: &'static str) -> Result<&'p str, VerifyError> {
    params
        .iter()
        .find(|(key, _, _)| key == name)
        .map(|(_, _, value)| value.as_ref())
        .ok_or(VerifyError::MissingHeader { name })
}

/// Sorts by key in byte order, repeated keys in arrival order.
fn sort(params: &mut [Param<'_>]) {
    params.sort_unstable_by(|a, b| (a.0.as_bytes(), a.1).cmp(&(b.0.as_bytes(), b.1)));
}

/// `k1=v1&k2=v2a%2Cv2b...`, keys and values encoded as `URLSearchParams`
/// writes them, with a space as `%20`.
fn admin_message(params: &[Param<'_>]) -> String {
    // Encoding at most triples each byte; one `=` and one `&` per parameter.
    let capacity = params
        .iter()
        .map(|(key, _, value)| 3 * (key.len() + value.len()) + 2)
        .sum();
    let mut out = String::with_capacity(capacity);
    let mut previous: Option<&str> = None;
    for (key, _, value) in params {
        if previous == Some(key.as_ref()) {
            // The `,` that joins repeated values, encoded like the values.
            out.push_str("%2C");
        } else {
            if previous.is_some() {
                out.push('&');
            }
            encode_into(&mut out, key);
            out.push('=');
        }
        encode_into(&mut out, value);
        previous = Some(key);
    }
    out
}

/// `k1=v1k2=v2a,v2b...`, decoded, with no separator between parameters.
fn app_proxy_message(params: &[Param<'_>]) -> String {
    let capacity = params
        .iter()
        .map(|(key, _, value)| key.len() + value.len() + 1)
        .sum();
    let mut out = String::with_capacity(capacity);
    let mut previous: Option<&str> = None;
    for (key, _, value) in params {
        if previous == Some(key.as_ref()) {
            out.push(',');
        } else {
            out.push_str(key);
            out.push('=');
        }
        out.push_str(value);
        previous = Some(key);
    }
    out
}

/// Appends `text` form-encoded, with `%20` for a space instead of `+`.
fn encode_into(out: &mut String, text: &str) {
    // A literal `+` is encoded as `%2B`, so every `+` here stands for a space.
    for chunk in form_urlencoded::byte_serialize(text.as_bytes()) {
        for (i, piece) in chunk.split('+').enumerate() {
            if i > 0 {
                out.push_str("%20");
            }
            out.push_str(piece);
        }
    }
}

/// The signed message and lowercase hex HMAC of decoded `params`.
fn sign_params(secret: &Secret, form: Form, params: &[(&str, &str)]) -> String {
    let mut kept: Vec<Param<'_>> = params
        .iter()
        .enumerate()
        .filter(|(_, (key, _))| !form.drops(key))
        .map(|(i, (key, value))| (Cow::Borrowed(*key), i, Cow::Borrowed(*value)))
        .collect();
    sort(&mut kept);
    let message = form.message(&kept);
    crypto::hex(&crypto::hmac_sha256(
        secret.expose_bytes(),
        &[message.as_bytes()],
    ))
}

/// The query string (without `?`) of an admin request as Shopify sends it:
/// `params` (decoded, in the given order, form-encoded) with `hmac`
/// appended. Include `timestamp`; any `hmac` or `signature` given is left out.
pub fn sign_oauth_query(secret: &Secret, params: &[(&str, &str)]) -> String {
    signed_query(secret, Form::Admin, params)
}

/// The query string (without `?`) of an app proxy request as Shopify
/// sends it: `params` (decoded, in the given order, form-encoded) with
/// `signature` appended. Include `timestamp`; any `signature` given is left out.
pub fn sign_app_proxy_query(secret: &Secret, params: &[(&str, &str)]) -> String {
    signed_query(secret, Form::AppProxy, params)
}

fn signed_query(secret: &Secret, form: Form, params: &[(&str, &str)]) -> String {
    let tag = sign_params(secret, form, params);
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(key, _)| !form.drops(key)))
        .append_pair(form.signature_param(), &tag)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OAUTH_QUERY: &str = "code=0907a61c0c8d55e99db179b68161bc00\
        &hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf\
        &shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173";
    const OAUTH_HMAC: &str = "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf";
    const OAUTH_TS: i64 = 1_337_178_173;
    const PROXY_QUERY: &str = "extra=1&extra=2&shop=shop-name.myshopify.com\
        &path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555\
        &signature=a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3";
    const PROXY_SIGNATURE: &str =
        "a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3";
    const PROXY_TS: i64 = 1_317_327_555;

    fn hush() -> Secret {
        Secret::from_text("hush").unwrap()
    }

    fn oauth() -> OAuthVerifier {
        OAuthVerifier::new(Keyring::from(hush()))
    }

    fn proxy() -> AppProxyVerifier {
        AppProxyVerifier::new(Keyring::from(hush()))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds)
    }

    fn message_of(form: Form, query: &str) -> String {
        let mut params = parse(query).unwrap();
        params.retain(|(key, _, _)| !form.drops(key));
        sort(&mut params);
        form.message(&params)
    }

    #[test]
    fn oauth_docs_vector_exactly() {
        assert_eq!(
            message_of(Form::Admin, OAUTH_QUERY),
            "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com\
             &state=0.6784241404160823&timestamp=1337178173"
        );
        let params = [
            ("code", "0907a61c0c8d55e99db179b68161bc00"),
            ("shop", "some-shop.myshopify.com"),
            ("state", "0.6784241404160823"),
            ("timestamp", "1337178173"),
        ];
        let query = sign_oauth_query(&hush(), &params);
        assert_eq!(
            query,
            format!(
                "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com\
                 &state=0.6784241404160823&timestamp=1337178173&hmac={OAUTH_HMAC}"
            )
        );
        let verified = oauth().verify(OAUTH_QUERY, at(OAUTH_TS + 30)).unwrap();
        assert_eq!(verified.provider(), Provider::Shopify);
        assert_eq!(verified.timestamp(), Some(at(OAUTH_TS)));
        assert!(oauth().verify(&query, at(OAUTH_TS)).is_ok());
    }

    #[test]
    fn app_proxy_docs_vectors_exactly() {
        assert_eq!(
            message_of(Form::AppProxy, PROXY_QUERY),
            "extra=1,2path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555"
        );
        let params = [
            ("extra", "1"),
            ("extra", "2"),
            ("shop", "shop-name.myshopify.com"),
            ("path_prefix", "/apps/awesome_reviews"),
            ("timestamp", "1317327555"),
        ];
        let query = sign_app_proxy_query(&hush(), &params);
        assert!(query.ends_with(&format!("&signature={PROXY_SIGNATURE}")));
        assert!(proxy().verify(PROXY_QUERY, at(PROXY_TS)).is_ok());
        assert!(proxy().verify(&query, at(PROXY_TS)).is_ok());

        // The docs give this one as `4c68c862…7395ddb`; the middle was
        // recomputed with Python's `hmac`.
        let mut with_customer = params.to_vec();
        with_customer.push(("logged_in_customer_id", "1"));
        let query = sign_app_proxy_query(&hush(), &with_customer);
        let (_, signature) = query.rsplit_once("signature=").unwrap();
        assert!(signature.starts_with("4c68c862"));
        assert!(signature.ends_with("7395ddb"));
        assert_eq!(
            signature,
            "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
        );
    }

    #[test]
    fn repeated_values_join_in_arrival_order() {
        let reordered = PROXY_QUERY.replacen("extra=1&extra=2", "extra=2&extra=1", 1);
        assert_eq!(
            proxy().verify(&reordered, at(PROXY_TS)).unwrap_err().code(),
            "signature_mismatch"
        );
        // Admin queries join them too, and encode the comma (checked with
        // Node's `URLSearchParams`).
        assert_eq!(
            message_of(Form::Admin, "ids=1&shop=s&ids=2&timestamp=5"),
            "ids=1%2C2&shop=s&timestamp=5"
        );
    }

    #[test]
    fn admin_values_are_encoded_like_url_search_params() {
        // Expected text and HMAC from Node's `URLSearchParams` and `crypto`.
        let query = "a=x+y%2Bz%2F%C3%A9*-._~!'()%2C&timestamp=1337178173";
        assert_eq!(
            message_of(Form::Admin, query),
            "a=x%20y%2Bz%2F%C3%A9*-._%7E%21%27%28%29%2C&timestamp=1337178173"
        );
        let hmac = "53e6e2c5e0bba433ee2fae39b4c57df779f21b4375a8641a130384242ca3f75d";
        let signed = format!("{query}&hmac={hmac}");
        assert!(oauth().verify(&signed, at(OAUTH_TS)).is_ok());
        // A space sent as `%20` decodes to the same value.
        let signed = signed.replacen("x+y", "x%20y", 1);
        assert!(oauth().verify(&signed, at(OAUTH_TS)).is_ok());

        let params = [("a", "x y+z/é*-._~!'(),"), ("timestamp", "1337178173")];
        assert!(sign_oauth_query(&hush(), &params).ends_with(hmac));
    }

    #[test]
    fn app_proxy_values_are_decoded() {
        let params = [
            ("path_prefix", "/apps/a b"),
            ("shop", "s.myshopify.com"),
            ("timestamp", "1317327555"),
        ];
        let query = sign_app_proxy_query(&hush(), &params);
        assert!(query.starts_with("path_prefix=%2Fapps%2Fa+b&"));
        assert_eq!(
            message_of(Form::AppProxy, &query),
            "path_prefix=/apps/a bshop=s.myshopify.comtimestamp=1317327555"
        );
        assert!(proxy().verify(&query, at(PROXY_TS)).is_ok());
    }

    #[test]
    fn keys_sort_in_byte_order() {
        assert_eq!(
            message_of(Form::AppProxy, "b=1&a_b=2&B=3&a1=4&timestamp=0"),
            "B=3a1=4a_b=2b=1timestamp=0"
        );
    }

    #[test]
    fn only_signature_is_dropped_from_app_proxy_messages() {
        assert_eq!(
            message_of(Form::AppProxy, "hmac=x&signature=y&timestamp=1"),
            "hmac=xtimestamp=1"
        );
        assert_eq!(
            message_of(Form::Admin, "hmac=x&signature=y&timestamp=1"),
            "timestamp=1"
        );
    }

    #[test]
    fn single_bit_flips_fail() {
        let v = oauth();
        let now = at(OAUTH_TS);
        let (before, rest) = OAUTH_QUERY.split_once(OAUTH_HMAC).unwrap();
        let signed = [before, rest].concat();
        for i in 0..signed.len() * 8 {
            let mut flipped = signed.as_bytes().to_vec();
            flipped[i / 8] ^= 1 << (i % 8);
            let Ok(text) = String::from_utf8(flipped) else {
                continue;
            };
            let cut = before.len();
            let query = format!("{}{OAUTH_HMAC}{}", &text[..cut], &text[cut..]);
            assert!(v.verify(&query, now).is_err(), "query bit {i}: {query}");
        }

        let tag = crypto::decode_tag::<32>(OAUTH_HMAC.as_bytes(), TagEncoding::Hex).unwrap();
        for i in 0..tag.len() * 8 {
            let mut flipped = tag;
            flipped[i / 8] ^= 1 << (i % 8);
            let query = OAUTH_QUERY.replacen(OAUTH_HMAC, &crypto::hex(&flipped), 1);
            let err = v.verify(&query, now).unwrap_err();
            assert_eq!(err.code(), "signature_mismatch", "signature bit {i}");
        }

        let key = b"hush";
        for i in 0..key.len() * 8 {
            let mut flipped = key.to_vec();
            flipped[i / 8] ^= 1 << (i % 8);
            let wrong = OAuthVerifier::new(Keyring::from(Secret::from_bytes(flipped)));
            assert!(wrong.verify(OAUTH_QUERY, now).is_err(), "key bit {i}");
        }

        let tampered = OAUTH_QUERY.replacen("some-shop", "evil-shop", 1);
        assert!(matches!(
            v.verify(&tampered, now),
            Err(VerifyError::SignatureMismatch {
                covers: SignedContent::Query,
                ..
            })
        ));
        let later = OAUTH_QUERY.replacen("1337178173", "1337178174", 1);
        assert_eq!(
            v.verify(&later, now).unwrap_err().code(),
            "signature_mismatch"
        );
    }

    #[test]
    fn timestamp_window_is_90_seconds_both_ways() {
        let v = oauth();
        assert!(v.verify(OAUTH_QUERY, at(OAUTH_TS + 90)).is_ok());
        assert!(v.verify(OAUTH_QUERY, at(OAUTH_TS - 90)).is_ok());
        assert_eq!(
            v.verify(OAUTH_QUERY, at(OAUTH_TS + 91)).unwrap_err().code(),
            "timestamp_too_old"
        );
        assert_eq!(
            v.verify(OAUTH_QUERY, at(OAUTH_TS - 91)).unwrap_err().code(),
            "timestamp_in_future"
        );
        assert_eq!(
            proxy()
                .verify(PROXY_QUERY, at(PROXY_TS + 91))
                .unwrap_err()
                .code(),
            "timestamp_too_old"
        );

        let wide = oauth().with_tolerance(std::time::Duration::from_secs(600));
        assert!(wide.verify(OAUTH_QUERY, at(OAUTH_TS + 600)).is_ok());
        let unchecked = oauth().dangerous_skip_timestamp_check();
        assert!(unchecked.verify(OAUTH_QUERY, at(OAUTH_TS + 86_400)).is_ok());
    }

    #[test]
    fn missing_and_malformed_parameters() {
        let now = at(OAUTH_TS);
        let v = oauth();
        assert_eq!(
            v.verify("shop=s&timestamp=1337178173", now).unwrap_err(),
            VerifyError::MissingHeader { name: HMAC_PARAM }
        );
        assert_eq!(
            v.verify(&format!("shop=s&hmac={OAUTH_HMAC}"), now)
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: TIMESTAMP_PARAM
            }
        );
        assert_eq!(
            v.verify(&format!("timestamp=1337178173.5&hmac={OAUTH_HMAC}"), now)
                .unwrap_err(),
            VerifyError::malformed(TIMESTAMP_PARAM, Malformed::TimestampNotDigits)
        );
        assert_eq!(
            v.verify("timestamp=1337178173&hmac=zz", now).unwrap_err(),
            VerifyError::malformed(HMAC_PARAM, Malformed::NotHex)
        );
        assert_eq!(
            proxy()
                .verify("timestamp=1317327555&shop=s", at(PROXY_TS))
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_PARAM
            }
        );
        assert_eq!(
            v.verify("", now).unwrap_err(),
            VerifyError::MissingHeader { name: HMAC_PARAM }
        );

        let upper = OAUTH_QUERY.replacen(OAUTH_HMAC, &OAUTH_HMAC.to_uppercase(), 1);
        assert!(v.verify(&upper, now).is_ok());
    }

    #[test]
    fn single_valued_parameters_may_not_repeat() {
        for name in SINGLE_VALUED {
            // Twice, since `hmac` is not in the proxy query nor `signature` in the other.
            let query = format!("{PROXY_QUERY}&{name}=1&{name}=1");
            assert_eq!(
                proxy().verify(&query, at(PROXY_TS)).unwrap_err(),
                VerifyError::malformed(name, Malformed::DuplicateParam(name)),
                "{name}"
            );
            let query = format!("{OAUTH_QUERY}&{name}=1&{name}=1");
            assert_eq!(
                oauth().verify(&query, at(OAUTH_TS)).unwrap_err(),
                VerifyError::malformed(name, Malformed::DuplicateParam(name)),
                "{name}"
            );
        }
    }

    #[test]
    fn verify_trait_reads_the_request_query() {
        let none: [(&str, &str); 0] = [];
        let url = format!("https://app.example/cb?{OAUTH_QUERY}#frag");
        let request = Request::new(&none, b"").with_method("GET").with_url(&url);
        assert!(oauth().verify_request(&request, at(OAUTH_TS)).is_ok());

        let url = format!("https://app.example/proxy?{PROXY_QUERY}");
        let request = Request::new(&none, b"").with_url(&url);
        assert!(proxy().verify_request(&request, at(PROXY_TS)).is_ok());
        assert_eq!(
            proxy()
                .verify_request(&Request::new(&none, b""), at(PROXY_TS))
                .unwrap_err(),
            VerifyError::MissingHeader {
                name: SIGNATURE_PARAM
            }
        );
    }

    #[test]
    fn odd_queries_do_not_panic() {
        for query in [
            "&&&",
            "=",
            "==&=",
            "%",
            "%zz=%",
            "hmac",
            "timestamp=&hmac=",
            "a=%FF%FE",
            "\u{e9}=\u{e9}",
        ] {
            assert!(oauth().verify(query, at(0)).is_err(), "{query}");
            assert!(proxy().verify(query, at(0)).is_err(), "{query}");
        }
    }
}
