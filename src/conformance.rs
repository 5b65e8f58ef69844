//! Running conformance vector files: one JSON array of cases per file, each
//! a delivery as it arrived, the verifier's configuration, and the verdict a
//! correct verifier gives. The same runner backs the crate's own tests and
//! `webhook-kit conformance`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::error::{Error, SecretError};
use crate::provider::{KeyFormat, Provider, VerifierConfig};
use crate::time::Timestamp;
use crate::verify::{Outcome, Request};

/// One case of a vector file. Unknown fields are ignored.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Case {
    /// The provider id.
    pub provider: String,
    /// What the case shows.
    pub name: String,
    /// `valid`, or a reason code.
    pub expected: String,
    /// Other reason codes that count as right.
    #[serde(default)]
    pub also_ok: Vec<String>,
    /// The configured secret or public key, as a user would paste it.
    #[serde(default)]
    pub secret: Option<String>,
    /// How the secret is decoded.
    #[serde(default)]
    pub secret_encoding: Option<String>,
    /// What the secret is, for token schemes (`verify_token`, ...).
    #[serde(default)]
    pub secret_note: Option<String>,
    /// A public key beside the secret (SendGrid, Plaid, PayPal), as the
    /// provider publishes it.
    #[serde(default)]
    pub public_key: Option<String>,
    /// How the public key is written (`base64-der-spki`, `pem-spki`, `jwk`).
    #[serde(default)]
    pub public_key_encoding: Option<String>,
    /// The HTTP method; `POST` when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// The URL the provider called.
    #[serde(default)]
    pub url: Option<String>,
    /// Decoded form or query parameters, in arrival order.
    #[serde(default)]
    pub params: Option<Vec<(String, String)>>,
    /// Header pairs in arrival order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body as text.
    #[serde(default)]
    pub body: Option<String>,
    /// The body as base64 of its exact bytes.
    #[serde(default)]
    pub body_b64: Option<String>,
    /// The verifier's clock in unix seconds.
    #[serde(default)]
    pub now_unix: Option<i64>,
    /// Verifier settings that differ from the defaults.
    #[serde(default)]
    pub options: CaseOptions,
    /// The reply a handshake needs.
    #[serde(default)]
    pub expected_response: Option<serde_json::Value>,
}

/// The `options` of a case.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct CaseOptions {
    /// A symmetric tolerance window in seconds.
    #[serde(default)]
    pub tolerance_s: Option<u64>,
    /// Accept GitHub's legacy SHA-1 header.
    #[serde(default)]
    pub allow_legacy_sha1: bool,
}

/// How a case came out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums, reason = "the three verdicts of the format")]
pub enum Verdict {
    /// The verifier gave the expected verdict.
    Pass,
    /// It did not.
    Fail,
    /// The case could not run here (unknown provider, disabled feature).
    Skip,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        })
    }
}

/// The result of one case: the verdict and what the verifier said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// Pass, fail or skip.
    pub verdict: Verdict,
    /// The code the verifier returned (`valid`, a reason code), or why the
    /// case was skipped; for a failed handshake, what was answered.
    pub got: String,
}

/// Parses a vector file.
///
/// # Errors
///
/// The JSON error when the text is not an array of cases.
pub fn parse_file(json: &str) -> Result<Vec<Case>, serde_json::Error> {
    serde_json::from_str(json)
}

/// Runs one case through this crate's verifier for its provider.
pub fn run_case(case: &Case) -> CaseResult {
    let provider: Provider = match case.provider.parse() {
        Ok(p) => p,
        Err(_) => return skip(format!("unknown provider `{}`", case.provider)),
    };
    let config = match config(case) {
        Ok(c) => c,
        Err(got) => return judge(case, got),
    };
    let verifier = match provider.verifier(&config) {
        Ok(v) => v,
        Err(SecretError::FeatureDisabled(feature)) => {
            return skip(format!("needs feature `{feature}`"));
        }
        Err(e) => return judge(case, Error::Secret(e).code().to_owned()),
    };

    let body = match body(case) {
        Ok(b) => b,
        Err(e) => return fail(format!("bad body in case: {e}")),
    };
    let url = url(case);
    let method = case
        .method
        .as_deref()
        .unwrap_or(if case.params.is_some() && case.url.is_none() {
            "GET"
        } else {
            "POST"
        });
    let mut request = Request::new(&case.headers, &body).with_method(method);
    if let Some(url) = url.as_deref() {
        request = request.with_url(url);
    }
    let now = Timestamp::from_unix_seconds(case.now_unix.unwrap_or(0));

    match verifier.verify_request(&request, now) {
        Ok(outcome) => judge_outcome(case, &outcome),
        Err(e) => judge(case, e.code().to_owned()),
    }
}

fn config(case: &Case) -> Result<VerifierConfig, String> {
    let mut config = VerifierConfig::new();
    if let Some(secret) = &case.secret
        && case.secret_note.as_deref() == Some("verify_token")
    {
        // A verify token is not a key: it is what a subscription GET echoes.
        config = config.with_verify_token(secret.clone());
    } else if let Some(secret) = &case.secret {
        let format = match case.secret_encoding.as_deref() {
            None => None,
            Some(id) => Some(
                KeyFormat::from_id(id).ok_or_else(|| format!("unknown secret_encoding `{id}`"))?,
            ),
        };
        config.push_key(secret.clone(), format, None);
    }
    if let Some(key) = &case.public_key {
        let format = match case.public_key_encoding.as_deref() {
            None => None,
            Some(id) => Some(
                KeyFormat::from_id(id)
                    .ok_or_else(|| format!("unknown public_key_encoding `{id}`"))?,
            ),
        };
        config.push_key(key.clone(), format, None);
    }
    if let Some(seconds) = case.options.tolerance_s {
        config = config.with_tolerance(std::time::Duration::from_secs(seconds));
    }
    if case.options.allow_legacy_sha1 {
        config = config.allow_legacy_sha1();
    }
    Ok(config)
}

/// The body bytes: `body_b64`, `body`, or the form encoding of `params`
/// when the case has a URL (a form post); empty otherwise.
fn body(case: &Case) -> Result<Vec<u8>, base64::DecodeError> {
    if let Some(b64) = &case.body_b64 {
        return STANDARD.decode(b64);
    }
    if let Some(text) = &case.body {
        return Ok(text.as_bytes().to_vec());
    }
    match (&case.params, &case.url) {
        (Some(params), Some(_)) => Ok(form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish()
            .into_bytes()),
        _ => Ok(Vec::new()),
    }
}

/// The URL: the case's own, or for parameters without one (a query
/// signature), a loopback URL carrying them as its query.
fn url(case: &Case) -> Option<String> {
    match (&case.url, &case.params) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(params)) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish();
            Some(format!("https://127.0.0.1/?{query}"))
        }
        (None, None) => None,
    }
}

fn judge_outcome(case: &Case, outcome: &Outcome) -> CaseResult {
    let Some(expected) = &case.expected_response else {
        return match outcome {
            Outcome::Verified(_) => judge(case, "valid".to_owned()),
            // A signed handshake is a valid request; the case does not check the reply.
            Outcome::Handshake(h) if h.verified().is_some() => judge(case, "valid".to_owned()),
            Outcome::Handshake(h) => judge(case, format!("handshake {}", h.body())),
        };
    };
    let Outcome::Handshake(reply) = outcome else {
        return fail("valid, but no handshake reply".to_owned());
    };
    let matches = match expected {
        // A reply answered in a header: `{"headers": {name: value}}`.
        _ if expected.get("headers").is_some() => header_reply_matches(expected, reply),
        serde_json::Value::String(text) => reply.body() == text,
        json => {
            serde_json::from_str::<serde_json::Value>(reply.body()).is_ok_and(|got| &got == json)
        }
    };
    if matches && case.expected == "valid" {
        CaseResult {
            verdict: Verdict::Pass,
            got: "valid".to_owned(),
        }
    } else {
        fail(format!("handshake {}", reply.body()))
    }
}

/// Whether every header of `expected` (`{"headers": {name: value}}`, names
/// compared ASCII case-insensitively) is in the reply, and the reply body
/// is empty or `expected` also gives it as `"body"`.
fn header_reply_matches(expected: &serde_json::Value, reply: &crate::verify::Handshake) -> bool {
    let Some(headers) = expected
        .get("headers")
        .and_then(serde_json::Value::as_object)
    else {
        return false;
    };
    let body = expected
        .get("body")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    !headers.is_empty()
        && headers.iter().all(|(n, v)| {
            reply
                .headers()
                .any(|(name, value)| n.eq_ignore_ascii_case(name) && v.as_str() == Some(value))
        })
        && reply.body() == body
}

fn judge(case: &Case, got: String) -> CaseResult {
    let pass = got == case.expected || case.also_ok.contains(&got);
    CaseResult {
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        got,
    }
}

fn skip(reason: String) -> CaseResult {
    CaseResult {
        verdict: Verdict::Skip,
        got: reason,
    }
}

fn fail(got: String) -> CaseResult {
    CaseResult {
        verdict: Verdict::Fail,
        got,
    }
}
