//! The timestamped list header several providers share:
//! `<header>: t=<time>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 over
//! `"{t}.{body}"` with `t` exactly as sent. Each provider's module names
//! the header, the unit of `t` and what a header without `v1` means; this
//! module holds the one parse and verify path they call.
//!
//! - `t` may repeat only with the same value, since one time is signed.
//! - Any `v1` item may match (rotation on the sender's side); items of
//!   other versions are ignored.
//! - The signature is checked before the timestamp window, so a stale but
//!   forged delivery is reported as a forgery.
//!
//! [`verify_untimed`] is the same list without `t`, over the body alone
//! (PagerDuty, CircleCI).
//!
//! Verifying allocates nothing: items are read in place from the header.

use crate::crypto::{self, HmacSha256, KeyMatch, MacKeys, MatchTarget, TagEncoding};
use crate::error::{Malformed, SignedContent, VerifyError};
use crate::headers::{self, Headers};
use crate::time::{self, Timestamp, TimestampCheck};

/// What unit the provider's `t` counts in.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TimeUnit {
    /// Unix seconds.
    Seconds,
    /// Unix milliseconds.
    Millis,
}

/// Where a provider puts its `t=..,v1=..` list and how it reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheme {
    /// The header that carries the list.
    pub(crate) header: &'static str,
    /// The unit of `t`.
    pub(crate) unit: TimeUnit,
    /// Whether a list without any `v1` item is malformed. When false it is
    /// [`VerifyError::NoMatchingScheme`]: the sender may have moved to a
    /// version this crate does not know.
    pub(crate) v1_required: bool,
}

impl Scheme {
    /// Checks the header against the keys, then the signed time against
    /// `check`; gives the matching key and the signed time.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MissingHeader`] without the header,
    /// [`VerifyError::MalformedHeader`] without one `t` of digits (or, when
    /// required, without a `v1`) or for a `v1` that is not 64 hex digits,
    /// [`VerifyError::NoMatchingScheme`] without a `v1` when that is not
    /// required, [`VerifyError::SignatureMismatch`] when no key matches,
    /// and the timestamp errors of `check`.
    pub(crate) fn verify(
        &self,
        keys: &MacKeys<HmacSha256>,
        check: &TimestampCheck,
        headers: &dyn Headers,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(KeyMatch, Timestamp), VerifyError> {
        if !headers::present(headers, self.header) {
            return Err(VerifyError::MissingHeader { name: self.header });
        }
        let raw_t = self.timestamp_item(headers)?;
        let signed_at = match self.unit {
            TimeUnit::Seconds => time::parse_unix_seconds(raw_t),
            TimeUnit::Millis => time::parse_unix_millis(raw_t),
        }
        .map_err(|e| VerifyError::malformed(self.header, e))?;
        if self.v1_required && self.v1_items(headers).next().is_none() {
            return Err(VerifyError::malformed(
                self.header,
                Malformed::MissingPart("v1"),
            ));
        }

        let candidates = || {
            self.v1_items(headers)
                .map(|value| crypto::decode_tag::<32>(value, TagEncoding::Hex))
        };
        let target = MatchTarget {
            header: self.header,
            scheme: "v1",
            covers: SignedContent::Body,
        };
        let key = keys.find(now, &[raw_t, b".", body], target, candidates)?;
        check.apply(signed_at, now)?;
        Ok((key, signed_at))
    }

    fn v1_items<'h>(&self, headers: &'h dyn Headers) -> impl Iterator<Item = &'h [u8]> + 'h {
        v1_items(self.header, headers)
    }

    /// The raw digits of the one `t=` item.
    fn timestamp_item<'h>(&self, headers: &'h dyn Headers) -> Result<&'h [u8], VerifyError> {
        let mut found: Option<&[u8]> = None;
        for item in headers::list_items(headers, self.header, b',') {
            if let Some(value) = item.strip_prefix(b"t=") {
                let value = headers::trim(value);
                if found.is_some_and(|f| f != value) {
                    return Err(VerifyError::malformed(
                        self.header,
                        Malformed::DuplicateParam("t"),
                    ));
                }
                found = Some(value);
            }
        }
        found.ok_or(VerifyError::malformed(
            self.header,
            Malformed::MissingPart("t"),
        ))
    }
}

/// Checks a `v1=<hex>[,v1=<hex>...]` list in `header`, HMAC-SHA256 over the
/// body alone (no timestamp); any `v1` may match.
///
/// # Errors
///
/// [`VerifyError::MissingHeader`] without the header,
/// [`VerifyError::NoMatchingScheme`] without a `v1` item,
/// [`VerifyError::MalformedHeader`] when no `v1` is 64 hex digits,
/// [`VerifyError::SignatureMismatch`] when none matches.
pub(crate) fn verify_untimed(
    header: &'static str,
    keys: &MacKeys<HmacSha256>,
    headers: &dyn Headers,
    body: &[u8],
    now: Timestamp,
) -> Result<KeyMatch, VerifyError> {
    if !headers::present(headers, header) {
        return Err(VerifyError::MissingHeader { name: header });
    }
    let candidates =
        || v1_items(header, headers).map(|value| crypto::decode_tag::<32>(value, TagEncoding::Hex));
    let target = MatchTarget {
        header,
        scheme: "v1",
        covers: SignedContent::Body,
    };
    keys.find(now, &[body], target, candidates)
}

/// The trimmed values of the `v1=` items of `header`.
fn v1_items<'h>(
    header: &'static str,
    headers: &'h dyn Headers,
) -> impl Iterator<Item = &'h [u8]> + 'h {
    headers::list_items(headers, header, b',')
        .filter_map(|item| item.strip_prefix(b"v1="))
        .map(headers::trim)
}
