//! The `Idempotency-Key` header value: the message id as an RFC 8941
//! structured-field string.

/// `text` as an RFC 8941 sf-string: in double quotes, with `"` and `\`
/// escaped by a backslash; `None` when `text` holds a character an
/// sf-string cannot carry (outside printable ASCII, 0x20 to 0x7e).
///
/// ```
/// use webhook_kit::send::sf_string;
///
/// assert_eq!(sf_string("msg_2b7k").as_deref(), Some(r#""msg_2b7k""#));
/// assert_eq!(sf_string(r#"a"b\c"#).as_deref(), Some(r#""a\"b\\c""#));
/// assert_eq!(sf_string("caf\u{e9}"), None);
/// ```
pub fn sf_string(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len().saturating_add(2));
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => return None,
        }
    }
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(sf_string("").as_deref(), Some("\"\""));
        assert_eq!(sf_string("msg_1").as_deref(), Some("\"msg_1\""));
        assert_eq!(sf_string("\\\"").as_deref(), Some("\"\\\\\\\"\""));
        assert_eq!(sf_string("a b~").as_deref(), Some("\"a b~\""));
    }

    #[test]
    fn refuses_what_an_sf_string_cannot_carry() {
        assert_eq!(sf_string("a\tb"), None);
        assert_eq!(sf_string("a\u{7f}"), None);
        assert_eq!(sf_string("\u{1f600}"), None);
    }
}
