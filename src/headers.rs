//! Case-insensitive header lookup over whatever the caller's framework holds.

use crate::error::{Malformed, VerifyError};

/// Read access to request headers, by name, ASCII case-insensitively.
///
/// The verifiers take `&dyn Headers`, so one trait object works for every
/// framework. It is implemented for [`http::HeaderMap`] (feature `http`,
/// on by default) and for slices and vectors of `(name, value)` pairs; any
/// other map needs only [`Headers::value`].
///
/// A header that arrives on several lines has several values, numbered in
/// arrival order. How the crate combines them:
///
/// - a **list** header (Standard Webhooks' `webhook-signature`, Stripe's
///   `Stripe-Signature`) contributes the items of every line;
/// - a **single-valued** header (a timestamp, a token) repeated with the
///   same value is accepted, and repeated with different values is refused
///   as [`Malformed::Repeated`].
///
/// ```
/// use webhook_kit::Headers;
///
/// let headers = [("Webhook-Id", "msg_1"), ("x-other", "a"), ("X-OTHER", "b")];
/// assert_eq!(headers.value("webhook-id", 0), Some(&b"msg_1"[..]));
/// assert_eq!(headers.value("x-other", 1), Some(&b"b"[..]));
/// assert_eq!(headers.value("x-other", 2), None);
/// ```
pub trait Headers {
    /// The `index`-th value (0-based, in arrival order) of the header
    /// `name`, compared ASCII case-insensitively; `None` past the last one.
    fn value(&self, name: &str, index: usize) -> Option<&[u8]>;
}

impl<T: Headers + ?Sized> Headers for &T {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        (**self).value(name, index)
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Headers for [(N, V)] {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.iter()
            .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name.as_bytes()))
            .nth(index)
            .map(|(_, v)| v.as_ref())
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>, const LEN: usize> Headers for [(N, V); LEN] {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.as_slice().value(name, index)
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Headers for Vec<(N, V)> {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.as_slice().value(name, index)
    }
}

#[cfg(feature = "http")]
impl Headers for http::HeaderMap {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        // `get_all` with a `&str` lowercases the name on the stack: no allocation.
        self.get_all(name)
            .iter()
            .nth(index)
            .map(http::HeaderValue::as_bytes)
    }
}

/// The one value of a single-valued header, if present.
///
/// Repeats with the same value are accepted (proxies duplicate headers);
/// repeats with a different value are refused.
pub(crate) fn single<'h>(
    headers: &'h dyn Headers,
    name: &'static str,
) -> Result<Option<&'h [u8]>, VerifyError> {
    let Some(first) = headers.value(name, 0) else {
        return Ok(None);
    };
    let mut index = 1;
    while let Some(other) = headers.value(name, index) {
        // Header values are not secret: a plain comparison is fine here.
        if trim(other) != trim(first) {
            return Err(VerifyError::malformed(name, Malformed::Repeated));
        }
        index += 1;
    }
    Ok(Some(trim(first)))
}

/// The value of a single-valued header that the scheme requires.
pub(crate) fn required<'h>(
    headers: &'h dyn Headers,
    name: &'static str,
) -> Result<&'h [u8], VerifyError> {
    single(headers, name)?.ok_or(VerifyError::MissingHeader { name })
}

/// Whether any line of the header is present.
pub(crate) fn present(headers: &dyn Headers, name: &str) -> bool {
    headers.value(name, 0).is_some()
}

/// The items of a list header across all its lines: split on `separator`,
/// trimmed of spaces and tabs, empty items dropped.
pub(crate) fn list_items<'h>(
    headers: &'h dyn Headers,
    name: &'h str,
    separator: u8,
) -> impl Iterator<Item = &'h [u8]> + 'h {
    (0..)
        .map_while(move |i| headers.value(name, i))
        .flat_map(move |line| line.split(move |&b| b == separator))
        .map(trim)
        .filter(|item| !item.is_empty())
}

/// Removes spaces and tabs around a value (HTTP's optional whitespace);
/// other control characters stay and make a value malformed.
pub(crate) fn trim(value: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_folds_ascii_case() {
        let headers = vec![("X-Hub-Signature-256".to_string(), b"a".to_vec())];
        assert_eq!(headers.value("x-hub-signature-256", 0), Some(&b"a"[..]));
        assert_eq!(headers.value("X-HUB-SIGNATURE-256", 0), Some(&b"a"[..]));
        assert_eq!(headers.value("x-hub-signature", 0), None);
    }

    #[test]
    fn single_valued_repeats() {
        let same = [("t", "1"), ("T", " 1")];
        assert_eq!(single(&same, "t").unwrap(), Some(&b"1"[..]));

        let different = [("t", "1"), ("t", "2")];
        assert_eq!(
            single(&different, "t").unwrap_err(),
            VerifyError::malformed("t", Malformed::Repeated)
        );
        assert_eq!(
            required(&[("a", "b")], "t").unwrap_err(),
            VerifyError::MissingHeader { name: "t" }
        );
    }

    #[test]
    fn only_spaces_and_tabs_are_trimmed() {
        assert_eq!(trim(b" \t1700000000 \t"), b"1700000000");
        assert_eq!(trim(b"1700000000\n"), b"1700000000\n");
        assert_eq!(trim(b"\r1"), b"\r1");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim(b""), b"");
    }

    #[test]
    fn list_items_span_lines_and_are_trimmed() {
        let headers = [("sig", " v1,a  v1,b"), ("Sig", "v2,c ")];
        let items: Vec<_> = list_items(&headers, "sig", b' ').collect();
        assert_eq!(items, [&b"v1,a"[..], b"v1,b", b"v2,c"]);
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_map() {
        let mut map = http::HeaderMap::new();
        map.append("webhook-signature", "v1,a".parse().unwrap());
        map.append("Webhook-Signature", "v1,b".parse().unwrap());
        assert_eq!(map.value("WEBHOOK-SIGNATURE", 1), Some(&b"v1,b"[..]));
        assert_eq!(map.value("not a valid name", 0), None);
    }
}
