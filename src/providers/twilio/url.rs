//! Just enough URL splitting to try a URL with and without its port.
//!
//! The URL is never re-encoded or normalised: each form is the given text
//! with at most the `:port` cut out or a default port put in, because
//! Twilio signs the string it called, byte for byte.

/// A URL written as three pieces whose concatenation is the signed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct UrlForm<'a> {
    head: &'a str,
    port: &'static str,
    tail: &'a str,
}

impl<'a> UrlForm<'a> {
    pub(super) fn given(url: &'a str) -> Self {
        UrlForm {
            head: url,
            port: "",
            tail: "",
        }
    }

    /// The pieces, in order, for a MAC over their concatenation.
    pub(super) fn parts(&self) -> [&[u8]; 3] {
        [
            self.head.as_bytes(),
            self.port.as_bytes(),
            self.tail.as_bytes(),
        ]
    }
}

/// Where the host ends and the authority ends, in a URL with a known shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Authority<'a> {
    scheme: &'a str,
    /// Offset just past the host (the `:` of the port, or the authority's end).
    host_end: usize,
    /// Offset just past the authority (the `/`, `?` or `#` after it, or the end).
    end: usize,
}

/// Splits `scheme://[userinfo@]host[:port]...`; `None` for anything else.
fn authority(url: &str) -> Option<Authority<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let start = scheme.len() + 3;

    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len)?;
    // Userinfo ends at the last `@` of the authority.
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_and_port = authority.get(host_start..)?;

    let host_len = if host_and_port.starts_with('[') {
        // An IPv6 literal holds colons of its own.
        host_and_port.find(']')? + 1
    } else {
        host_and_port.find(':').unwrap_or(host_and_port.len())
    };
    let after_host = host_and_port.get(host_len..)?;
    // Only `:` and digits may follow the host: anything else is not a port,
    // and cutting it out would let another URL pass for this one.
    let port_ok = match after_host.strip_prefix(':') {
        Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        None => after_host.is_empty(),
    };
    if !port_ok {
        return None;
    }

    Some(Authority {
        scheme,
        host_end: start + host_start + host_len,
        end: start + authority_len,
    })
}

/// The port a scheme implies when the URL names none.
fn default_port(scheme: &str) -> Option<&'static str> {
    if scheme.eq_ignore_ascii_case("https") {
        Some(":443")
    } else if scheme.eq_ignore_ascii_case("http") {
        Some(":80")
    } else {
        None
    }
}

/// The URL as given, and the other form to try: without its port when it
/// has one, with the scheme's default port when it has none.
pub(super) fn forms(url: &str) -> (UrlForm<'_>, Option<UrlForm<'_>>) {
    let given = UrlForm::given(url);
    let Some(authority) = authority(url) else {
        return (given, None);
    };
    let (Some(head), Some(tail)) = (url.get(..authority.host_end), url.get(authority.host_end..))
    else {
        return (given, None);
    };

    let other = if authority.host_end < authority.end {
        url.get(authority.end..).map(|after_port| UrlForm {
            head,
            port: "",
            tail: after_port,
        })
    } else {
        default_port(authority.scheme).map(|port| UrlForm { head, port, tail })
    };
    (given, other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(form: UrlForm<'_>) -> String {
        // Forms are cut at ASCII bytes only, so they stay UTF-8.
        String::from_utf8(form.parts().concat()).unwrap()
    }

    fn other(url: &str) -> Option<String> {
        let (given, other) = forms(url);
        assert_eq!(text(given), url);
        other.map(text)
    }

    #[test]
    fn port_removed_or_default_added() {
        let cases = [
            (
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            ),
            (
                "https://mycompany.com:1234/myapp.php?foo=1",
                "https://mycompany.com/myapp.php?foo=1",
            ),
            ("http://mycompany.com/a", "http://mycompany.com:80/a"),
            ("HTTP://h?x=1", "HTTP://h:80?x=1"),
            ("https://h#frag", "https://h:443#frag"),
            ("https://h", "https://h:443"),
            ("https://h:443", "https://h"),
            (
                "https://user:pass@mycompany.com/myapp.php",
                "https://user:pass@mycompany.com:443/myapp.php",
            ),
            ("https://us@er:p@h:8443/x", "https://us@er:p@h/x"),
            ("https://[::1]:8080/x", "https://[::1]/x"),
            ("https://[::1]/x", "https://[::1]:443/x"),
        ];
        for (url, expected) in cases {
            assert_eq!(other(url).as_deref(), Some(expected), "{url}");
        }
    }

    #[test]
    fn only_a_numeric_port_is_cut_out() {
        for url in [
            "https://h:/x",
            "https://mycompany.com:not-a-port/x?a=1",
            "https://mycompany.com:443:443/x?a=1",
            "https://mycompany.com:.evil.example/x?a=1",
        ] {
            assert_eq!(other(url), None, "{url}");
        }
    }

    #[test]
    fn percent_encoding_is_left_alone() {
        assert_eq!(
            other("https://h/p%2Fq?Body=It%27s+amazing").as_deref(),
            Some("https://h:443/p%2Fq?Body=It%27s+amazing")
        );
    }

    #[test]
    fn odd_input_gives_the_url_only() {
        for url in [
            "",
            "mycompany.com/x",
            "://h/x",
            "ht tp://h/x",
            "ftp://h/x",
            "https://[::1/x",
            "https://[::1]x/y",
            "https://h\u{e9}\u{e9}:\u{e9}/x",
        ] {
            let (given, other_form) = forms(url);
            assert_eq!(text(given), url);
            if let Some(form) = other_form {
                // Only a port-bearing host may give a second form here.
                assert!(url.starts_with("https://h\u{e9}"), "{url}: {form:?}");
            }
        }
    }

    #[test]
    fn never_panics_on_short_strings() {
        let alphabet = [":", "/", "@", "[", "]", "?", "#", "h", "s", "1", "\u{e9}"];
        let mut url = String::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    for d in alphabet {
                        url.clear();
                        url.push_str("https://");
                        url.push_str(a);
                        url.push_str(b);
                        url.push_str(c);
                        url.push_str(d);
                        let (given, _) = forms(&url);
                        assert_eq!(given.parts().concat(), url.as_bytes());
                    }
                }
            }
        }
    }
}
