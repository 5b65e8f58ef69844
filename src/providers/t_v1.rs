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
use crate::headers::{self, HeaderKey, Headers, Lines};
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
#[derive(Debug)]
pub(crate) struct Scheme {
    /// The header that carries the list, prepared for lookups.
    pub(crate) key: &'static HeaderKey,
    /// The unit of `t`.
    pub(crate) unit: TimeUnit,
    /// Whether a list without any `v1` item is malformed. When false it is
    /// [`VerifyError::NoMatchingScheme`]: the sender may have moved to a
    /// version this crate does not know.
    pub(crate) v1_required: bool,
}

/// How many `v1` values one pass over the header keeps.
pub(crate) const BUFFERED_V1: usize = 8;

/// What one pass over the header's items finds.
struct Items<'h> {
    /// The raw digits of the one `t=` item.
    t: &'h [u8],
    /// The first `v1=` values, trimmed.
    v1: [&'h [u8]; BUFFERED_V1],
    /// How many `v1=` items there are in all.
    count: usize,
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
        let header = self.key.as_str();
        // One lookup serves the timestamp and every candidate.
        let lines = Lines::get(headers, self.key);
        if lines.is_empty() {
            return Err(VerifyError::MissingHeader { name: header });
        }
        let Items {
            t: raw_t,
            v1,
            count,
        } = self.items(lines)?;
        let signed_at = match self.unit {
            TimeUnit::Seconds => time::parse_unix_seconds(raw_t),
            TimeUnit::Millis => time::parse_unix_millis(raw_t),
        }
        .map_err(|e| VerifyError::malformed(header, e))?;
        if self.v1_required && count == 0 {
            return Err(VerifyError::malformed(header, Malformed::MissingPart("v1")));
        }

        // The `v1` values kept by the one pass over the header; past the
        // buffer (never seen in practice) the rest are found by a second pass.
        let beyond = if count > BUFFERED_V1 { count } else { 0 };
        let candidates = || {
            v1.iter()
                .take(count)
                .copied()
                .chain(v1_values(lines).take(beyond).skip(BUFFERED_V1))
                .map(|value| crypto::decode_tag::<32>(value, TagEncoding::Hex))
        };
        let target = MatchTarget {
            header,
            scheme: "v1",
            covers: SignedContent::Body,
        };
        let key = keys.find(now, &[raw_t, b".", body], target, candidates)?;
        check.apply(signed_at, now)?;
        Ok((key, signed_at))
    }

    /// Reads the one `t=` item and the `v1=` values in one pass.
    fn items<'h>(&self, lines: Lines<'h>) -> Result<Items<'h>, VerifyError> {
        let header = self.key.as_str();
        let mut found: Option<&[u8]> = None;
        let mut v1 = [&[][..]; BUFFERED_V1];
        let mut count = 0;
        for item in lines.items(b',') {
            if let Some(value) = item.strip_prefix(b"v1=") {
                if let Some(slot) = v1.get_mut(count) {
                    *slot = headers::trim(value);
                }
                count += 1;
            } else if let Some(value) = item.strip_prefix(b"t=") {
                let value = headers::trim(value);
                if found.is_some_and(|f| f != value) {
                    return Err(VerifyError::malformed(
                        header,
                        Malformed::DuplicateParam("t"),
                    ));
                }
                found = Some(value);
            }
        }
        let t = found.ok_or(VerifyError::malformed(header, Malformed::MissingPart("t")))?;
        Ok(Items { t, v1, count })
    }
}

/// Every `v1=` value of the header, trimmed.
fn v1_values(lines: Lines<'_>) -> impl Iterator<Item = &[u8]> + '_ {
    lines
        .items(b',')
        .filter_map(|item| item.strip_prefix(b"v1="))
        .map(headers::trim)
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
    let lines = Lines::get(headers, header);
    if lines.is_empty() {
        return Err(VerifyError::MissingHeader { name: header });
    }
    let candidates =
        || v1_values(lines).map(|value| crypto::decode_tag::<32>(value, TagEncoding::Hex));
    let target = MatchTarget {
        header,
        scheme: "v1",
        covers: SignedContent::Body,
    };
    keys.find(now, &[body], target, candidates)
}
