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

    /// Writes the first values of `name` (in arrival order) into `out` and
    /// returns how many values the header has in all, which may be more
    /// than `out` holds.
    ///
    /// The verifiers read each header through this once per request. The
    /// default asks [`Headers::value`] once per line; a map that finds all
    /// lines of a name in one lookup (as `http::HeaderMap` does) should
    /// override it, since each lookup costs a hash of the name.
    fn values_into<'a>(&'a self, name: &str, out: &mut [&'a [u8]]) -> usize {
        let mut total = 0;
        while let Some(value) = self.value(name, total) {
            if let Some(slot) = out.get_mut(total) {
                *slot = value;
            }
            total += 1;
        }
        total
    }

    /// [`Headers::values_into`] for a name prepared as a [`HeaderKey`].
    ///
    /// The default looks the name up as text; `http::HeaderMap` overrides
    /// it with the pre-built name, which saves parsing the name again.
    fn key_values_into<'a>(&'a self, key: &HeaderKey, out: &mut [&'a [u8]]) -> usize {
        self.values_into(key.as_str(), out)
    }
}

impl<T: Headers + ?Sized> Headers for &T {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        (**self).value(name, index)
    }

    fn values_into<'a>(&'a self, name: &str, out: &mut [&'a [u8]]) -> usize {
        (**self).values_into(name, out)
    }

    fn key_values_into<'a>(&'a self, key: &HeaderKey, out: &mut [&'a [u8]]) -> usize {
        (**self).key_values_into(key, out)
    }
}

/// A header name prepared once, so a map that can use it skips parsing
/// and lowercasing the name on every lookup.
///
/// Built in a `static` with [`HeaderKey::new`]; the verifiers of the most
/// used schemes look their headers up through such keys via
/// [`Headers::key_values_into`]. With the `http` feature it holds a
/// pre-built [`http::HeaderName`].
///
/// ```
/// use webhook_kit::{HeaderKey, Headers};
///
/// static SIGNATURE: HeaderKey = HeaderKey::new("X-Signature", "x-signature");
/// let headers = [("x-signature", "abc")];
/// let mut out = [&b""[..]; 1];
/// assert_eq!(headers.key_values_into(&SIGNATURE, &mut out), 1);
/// assert_eq!(out, [&b"abc"[..]]);
/// assert_eq!(SIGNATURE.as_str(), "X-Signature");
/// ```
#[derive(Debug)]
pub struct HeaderKey {
    name: &'static str,
    #[cfg(feature = "http")]
    http: http::HeaderName,
}

impl HeaderKey {
    /// A key for the header `name` (as errors will spell it), given also in
    /// `lowercase`.
    ///
    /// # Panics
    ///
    /// Unless `lowercase` is `name` in lowercase and a valid header name;
    /// in a `static` that is a compile-time error, never a runtime panic.
    #[must_use]
    pub const fn new(name: &'static str, lowercase: &'static str) -> Self {
        let (a, b) = (name.as_bytes(), lowercase.as_bytes());
        assert!(a.len() == b.len() && !b.is_empty(), "not the same name");
        let mut i = 0;
        while i < b.len() {
            assert!(
                a[i].to_ascii_lowercase() == b[i] && !b[i].is_ascii_uppercase(),
                "not the same name in lowercase"
            );
            i += 1;
        }
        HeaderKey {
            name,
            // Checks the name's characters too.
            #[cfg(feature = "http")]
            http: http::HeaderName::from_static(lowercase),
        }
    }

    /// The name as given to [`HeaderKey::new`].
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        self.name
    }

    /// The pre-built `http` name.
    #[cfg(feature = "http")]
    #[must_use]
    pub const fn http_name(&self) -> &http::HeaderName {
        &self.http
    }
}

/// A header name as the crate's helpers take it: plain text, or a
/// [`HeaderKey`] prepared once.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Name<'n> {
    Text(&'n str),
    Key(&'n HeaderKey),
}

impl<'n> Name<'n> {
    pub(crate) fn as_str(self) -> &'n str {
        match self {
            Name::Text(name) => name,
            Name::Key(key) => key.name,
        }
    }

    fn values_into<'h>(self, headers: &'h dyn Headers, out: &mut [&'h [u8]]) -> usize {
        match self {
            Name::Text(name) => headers.values_into(name, out),
            Name::Key(key) => headers.key_values_into(key, out),
        }
    }
}

impl<'n> From<&'n str> for Name<'n> {
    fn from(name: &'n str) -> Self {
        Name::Text(name)
    }
}

impl<'n> From<&'n HeaderKey> for Name<'n> {
    fn from(key: &'n HeaderKey) -> Self {
        Name::Key(key)
    }
}

/// Fills `out` from an iterator of values and counts them all.
fn fill<'a>(values: impl Iterator<Item = &'a [u8]>, out: &mut [&'a [u8]]) -> usize {
    let mut total = 0;
    for value in values {
        if let Some(slot) = out.get_mut(total) {
            *slot = value;
        }
        total += 1;
    }
    total
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Headers for [(N, V)] {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.iter()
            .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name.as_bytes()))
            .nth(index)
            .map(|(_, v)| v.as_ref())
    }

    fn values_into<'a>(&'a self, name: &str, out: &mut [&'a [u8]]) -> usize {
        let matching = self
            .iter()
            .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_ref());
        fill(matching, out)
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>, const LEN: usize> Headers for [(N, V); LEN] {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.as_slice().value(name, index)
    }

    fn values_into<'a>(&'a self, name: &str, out: &mut [&'a [u8]]) -> usize {
        self.as_slice().values_into(name, out)
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Headers for Vec<(N, V)> {
    fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
        self.as_slice().value(name, index)
    }

    fn values_into<'a>(&'a self, name: &str, out: &mut [&'a [u8]]) -> usize {
        self.as_slice().values_into(name, out)
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

    fn values_into<'a>(&'a self, name: &str, out: &mut [&'a [u8]]) -> usize {
        // One hash lookup for every line of the name.
        fill(
            self.get_all(name).iter().map(http::HeaderValue::as_bytes),
            out,
        )
    }

    fn key_values_into<'a>(&'a self, key: &HeaderKey, out: &mut [&'a [u8]]) -> usize {
        // The pre-built name is hashed as is: no parse, no lowercasing.
        fill(
            self.get_all(key.http_name())
                .iter()
                .map(http::HeaderValue::as_bytes),
            out,
        )
    }
}

/// How many lines of one header [`Lines`] keeps; more are read again by index.
const BUFFERED_LINES: usize = 4;

/// Every line of one header, looked up once.
#[derive(Clone, Copy)]
pub(crate) struct Lines<'h> {
    headers: &'h dyn Headers,
    name: &'h str,
    buffered: [&'h [u8]; BUFFERED_LINES],
    total: usize,
}

impl<'h> Lines<'h> {
    pub(crate) fn get(headers: &'h dyn Headers, name: impl Into<Name<'h>>) -> Self {
        let name = name.into();
        let mut buffered = [&[][..]; BUFFERED_LINES];
        let total = name.values_into(headers, &mut buffered);
        Lines {
            headers,
            name: name.as_str(),
            buffered,
            total,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The lines in arrival order.
    pub(crate) fn iter(self) -> impl Iterator<Item = &'h [u8]> + 'h {
        let Lines {
            headers,
            name,
            buffered,
            total,
        } = self;
        (0..total).filter_map(move |i| match buffered.get(i) {
            Some(line) => Some(*line),
            None => headers.value(name, i),
        })
    }

    /// The items of a list header across all lines: split on `separator`,
    /// trimmed of spaces and tabs, empty items dropped.
    pub(crate) fn items(self, separator: u8) -> impl Iterator<Item = &'h [u8]> + 'h {
        self.iter()
            .flat_map(move |line| line.split(move |&b| b == separator))
            .map(trim)
            .filter(|item| !item.is_empty())
    }
}

/// The one value of a single-valued header, if present.
///
/// Repeats with the same value are accepted (proxies duplicate headers);
/// repeats with a different value are refused.
pub(crate) fn single(
    headers: &dyn Headers,
    name: impl Into<Name<'static>>,
) -> Result<Option<&[u8]>, VerifyError> {
    let name = name.into();
    let lines = Lines::get(headers, name);
    let mut lines = lines.iter();
    let Some(first) = lines.next() else {
        return Ok(None);
    };
    for other in lines {
        // Header values are not secret: a plain comparison is fine here.
        if trim(other) != trim(first) {
            return Err(VerifyError::malformed(name.as_str(), Malformed::Repeated));
        }
    }
    Ok(Some(trim(first)))
}

/// The value of a single-valued header that the scheme requires.
pub(crate) fn required(
    headers: &dyn Headers,
    name: impl Into<Name<'static>>,
) -> Result<&[u8], VerifyError> {
    let name = name.into();
    single(headers, name)?.ok_or(VerifyError::MissingHeader {
        name: name.as_str(),
    })
}

/// Whether any line of the header is present.
pub(crate) fn present<'n>(headers: &dyn Headers, name: impl Into<Name<'n>>) -> bool {
    match name.into() {
        Name::Text(name) => headers.value(name, 0).is_some(),
        Name::Key(key) => headers.key_values_into(key, &mut []) > 0,
    }
}

/// The items of a list header across all its lines: split on `separator`,
/// trimmed of spaces and tabs, empty items dropped.
pub(crate) fn list_items<'h>(
    headers: &'h dyn Headers,
    name: &'h str,
    separator: u8,
) -> impl Iterator<Item = &'h [u8]> + 'h {
    Lines::get(headers, name).items(separator)
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

    /// A map that only answers `value`, so it uses the provided `values`.
    struct ByIndex(Vec<(&'static str, &'static str)>);

    impl Headers for ByIndex {
        fn value(&self, name: &str, index: usize) -> Option<&[u8]> {
            self.0.as_slice().value(name, index)
        }
    }

    #[test]
    fn values_agree_with_value_past_the_buffer() {
        let pairs: Vec<(&str, &str)> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|v| ("sig", *v))
            .chain([("other", "x")])
            .collect();
        let by_index = ByIndex(pairs.clone());
        for headers in [&pairs as &dyn Headers, &by_index] {
            let mut out = [&b""[..]; 2];
            assert_eq!(headers.values_into("SIG", &mut out), 6);
            assert_eq!(out, [&b"a"[..], b"b"]);
            let lines: Vec<_> = Lines::get(headers, "sig").iter().collect();
            assert_eq!(lines, [&b"a"[..], b"b", b"c", b"d", b"e", b"f"]);
            assert!(Lines::get(headers, "missing").is_empty());
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_map() {
        let mut map = http::HeaderMap::new();
        map.append("webhook-signature", "v1,a".parse().unwrap());
        map.append("Webhook-Signature", "v1,b".parse().unwrap());
        assert_eq!(map.value("WEBHOOK-SIGNATURE", 1), Some(&b"v1,b"[..]));
        let mut out = [&b""[..]; 1];
        assert_eq!(map.values_into("webhook-signature", &mut out), 2);
        assert_eq!(out, [&b"v1,a"[..]]);
        assert_eq!(map.value("not a valid name", 0), None);
    }
}
