//! Event types and the filter an endpoint subscribes with.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::ValidationError;

/// The type of an event: dot-separated segments such as `invoice.paid` or
/// `order.payment.failed`.
///
/// 1 to 128 bytes; each segment is non-empty and holds ASCII letters,
/// digits and `_-/:` (so Shopify-style `orders/create` fits). `*` is not
/// allowed: it belongs to filters.
///
/// ```
/// use webhook_kit::delivery::EventType;
///
/// assert!(EventType::new("invoice.paid").is_ok());
/// assert!(EventType::new("invoice..paid").is_err());
/// assert!(EventType::new("invoice.*").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventType(String);

impl EventType {
    /// The longest event type, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Checks and wraps an event type.
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidEventType`] for an empty or too long name,
    /// an empty segment, or a character outside the rules.
    pub fn new(name: impl Into<String>) -> Result<Self, ValidationError> {
        let name = name.into();
        check_event_type(&name).map_err(|reason| ValidationError::InvalidEventType { reason })?;
        Ok(EventType(name))
    }

    /// The event type as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_event_type(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() > EventType::MAX_LEN {
        return Err("it is longer than 128 bytes");
    }
    for segment in name.split('.') {
        if segment.is_empty() {
            return Err("a segment between dots is empty");
        }
        if !segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/' | b':'))
        {
            return Err("only ASCII letters, digits, `_-/:` and dots between segments are allowed");
        }
    }
    Ok(())
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for EventType {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::new(s)
    }
}

impl TryFrom<String> for EventType {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        EventType::new(s)
    }
}

impl From<EventType> for String {
    fn from(t: EventType) -> String {
        t.0
    }
}

/// Which event types an endpoint receives.
///
/// A list of patterns, any of which may match:
///
/// - `*`: every event type;
/// - an event type (`invoice.paid`): exactly that type;
/// - an event type followed by `.*` (`invoice.*`): every type that starts
///   with it and a dot, at any depth (`invoice.paid`,
///   `invoice.payment.failed`), but not `invoice` itself, nor
///   `invoices.paid`.
///
/// Nothing else is a pattern: `*` stands alone or as the last segment, so
/// `inv*`, `*.paid` and `invoice.*.failed` are refused rather than guessed
/// at. An empty list is refused too; [`EventFilter::all`] says "everything"
/// explicitly. Serde writes the patterns as a list of strings and checks
/// them when reading.
///
/// ```
/// use webhook_kit::delivery::{EventFilter, EventType};
///
/// let filter = EventFilter::new(["invoice.*", "customer.created"])?;
/// let paid = EventType::new("invoice.paid")?;
/// let deleted = EventType::new("customer.deleted")?;
/// assert!(filter.matches(&paid));
/// assert!(!filter.matches(&deleted));
/// assert!(EventFilter::all().matches(&deleted));
/// # Ok::<(), webhook_kit::delivery::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct EventFilter {
    patterns: Vec<Pattern>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Pattern {
    All,
    Exact(EventType),
    /// The event type before `.*`, with its dot: `invoice.`.
    Prefix(String),
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, &'static str> {
        if text == "*" {
            return Ok(Pattern::All);
        }
        if let Some(prefix) = text.strip_suffix(".*") {
            check_event_type(prefix)?;
            return Ok(Pattern::Prefix(format!("{prefix}.")));
        }
        if text.contains('*') {
            return Err("`*` stands alone or as the last segment after a dot");
        }
        check_event_type(text)?;
        Ok(Pattern::Exact(EventType(text.to_owned())))
    }

    fn matches(&self, event_type: &EventType) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Exact(t) => t == event_type,
            Pattern::Prefix(prefix) => event_type.as_str().starts_with(prefix.as_str()),
        }
    }

    fn text(&self) -> String {
        match self {
            Pattern::All => "*".to_owned(),
            Pattern::Exact(t) => t.as_str().to_owned(),
            Pattern::Prefix(prefix) => format!("{prefix}*"),
        }
    }
}

impl EventFilter {
    /// The most patterns in one filter.
    pub const MAX_PATTERNS: usize = 256;

    /// The filter that accepts every event type (`*`).
    pub fn all() -> EventFilter {
        EventFilter {
            patterns: vec![Pattern::All],
        }
    }

    /// A filter of `patterns`, in the forms the type documentation lists.
    ///
    /// # Errors
    ///
    /// [`ValidationError::EmptyFilter`] for no pattern,
    /// [`ValidationError::TooManyPatterns`] for more than
    /// [`EventFilter::MAX_PATTERNS`], and [`ValidationError::InvalidPattern`]
    /// with the position of the first pattern that is not one.
    pub fn new<I>(patterns: I) -> Result<EventFilter, ValidationError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for (index, text) in patterns.into_iter().enumerate() {
            if index >= Self::MAX_PATTERNS {
                return Err(ValidationError::TooManyPatterns {
                    count: index.saturating_add(1),
                    max: Self::MAX_PATTERNS,
                });
            }
            let pattern = Pattern::parse(text.as_ref())
                .map_err(|reason| ValidationError::InvalidPattern { index, reason })?;
            parsed.push(pattern);
        }
        if parsed.is_empty() {
            return Err(ValidationError::EmptyFilter);
        }
        Ok(EventFilter { patterns: parsed })
    }

    /// Whether `event_type` is one this filter accepts.
    pub fn matches(&self, event_type: &EventType) -> bool {
        self.patterns.iter().any(|p| p.matches(event_type))
    }

    /// Whether the filter accepts every event type.
    pub fn accepts_all(&self) -> bool {
        self.patterns.contains(&Pattern::All)
    }

    /// The patterns as text, in order.
    pub fn patterns(&self) -> impl Iterator<Item = String> + '_ {
        self.patterns.iter().map(Pattern::text)
    }
}

impl Default for EventFilter {
    /// [`EventFilter::all`].
    fn default() -> Self {
        EventFilter::all()
    }
}

impl fmt::Debug for EventFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.patterns()).finish()
    }
}

impl TryFrom<Vec<String>> for EventFilter {
    type Error = ValidationError;

    fn try_from(patterns: Vec<String>) -> Result<Self, Self::Error> {
        EventFilter::new(patterns)
    }
}

impl From<EventFilter> for Vec<String> {
    fn from(filter: EventFilter) -> Vec<String> {
        filter.patterns().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> EventType {
        EventType::new(name).unwrap()
    }

    #[test]
    fn event_types_are_checked() {
        for good in [
            "a",
            "invoice.paid",
            "orders/create",
            "a.b-c.d_e",
            "v2:user.created",
        ] {
            assert!(EventType::new(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "a.", ".a", "a..b", "a b", "a.*", "*", "é", "a\n"] {
            assert!(EventType::new(bad).is_err(), "{bad:?}");
        }
        assert!(EventType::new("a".repeat(128)).is_ok());
        assert!(EventType::new("a".repeat(129)).is_err());
    }

    #[test]
    fn exact_and_prefix_patterns() {
        let f = EventFilter::new(["invoice.*", "customer.created"]).unwrap();
        assert!(f.matches(&t("invoice.paid")));
        assert!(f.matches(&t("invoice.payment.failed")));
        assert!(f.matches(&t("customer.created")));
        assert!(!f.matches(&t("invoice")));
        assert!(!f.matches(&t("invoices.paid")));
        assert!(!f.matches(&t("customer.created.v2")));
        assert!(!f.matches(&t("customer")));
        assert!(!f.accepts_all());
    }

    #[test]
    fn star_accepts_everything() {
        let f = EventFilter::new(["invoice.paid", "*"]).unwrap();
        assert!(f.accepts_all());
        assert!(f.matches(&t("anything.at.all")));
        assert_eq!(EventFilter::default(), EventFilter::all());
    }

    #[test]
    fn bad_patterns_are_refused_with_their_position() {
        for (bad, index) in [
            (vec!["a", "inv*"], 1),
            (vec!["*.paid"], 0),
            (vec!["a.*.b"], 0),
            (vec!["a", "b", "**"], 2),
            (vec![".*"], 0),
            (vec!["a..*"], 0),
            (vec![""], 0),
            (vec!["a.*."], 0),
        ] {
            assert!(
                matches!(
                    EventFilter::new(&bad),
                    Err(ValidationError::InvalidPattern { index: i, .. }) if i == index
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            EventFilter::new(Vec::<String>::new()),
            Err(ValidationError::EmptyFilter)
        );
        let many = vec!["a"; 257];
        assert_eq!(
            EventFilter::new(many),
            Err(ValidationError::TooManyPatterns {
                count: 257,
                max: 256
            })
        );
        assert!(EventFilter::new(vec!["a"; 256]).is_ok());
    }

    #[test]
    fn serde_round_trip() {
        let f = EventFilter::new(["invoice.*", "*", "customer.created"]).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"["invoice.*","*","customer.created"]"#);
        assert_eq!(serde_json::from_str::<EventFilter>(&json).unwrap(), f);
        assert!(serde_json::from_str::<EventFilter>("[]").is_err());
        assert!(serde_json::from_str::<EventFilter>(r#"["a*"]"#).is_err());
        assert_eq!(
            format!("{f:?}"),
            r#"["invoice.*", "*", "customer.created"]"#
        );

        let ty = t("invoice.paid");
        assert_eq!(serde_json::to_string(&ty).unwrap(), r#""invoice.paid""#);
        assert!(serde_json::from_str::<EventType>(r#""a..b""#).is_err());
    }
}
