use std::fmt;

use super::{MessageId, SignError, SigningSecret};
use crate::crypto;
#[cfg(feature = "ed25519")]
use crate::ed25519::Ed25519SigningKey;
use crate::providers::standard_webhooks::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::secret::Keyring;
use crate::time::Timestamp;
use crate::verify::SignedHeaders;

/// Which header names a [`Signer`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderSet {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    #[default]
    Standard,
    /// `svix-id`, `svix-timestamp`, `svix-signature`, for receivers that
    /// only read Svix's branded names.
    Svix,
}

impl HeaderSet {
    fn names(self) -> [&'static str; 3] {
        match self {
            HeaderSet::Standard => [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER],
            HeaderSet::Svix => ["svix-id", "svix-timestamp", "svix-signature"],
        }
    }
}

/// Signs outgoing webhooks the Standard Webhooks way.
///
/// Each active key adds one entry to the space-separated signature list
/// (`v1,<base64>` for a secret, `v1a,<base64>` for an Ed25519 key), so
/// during a rotation receivers holding either the old or the new key keep
/// verifying. A key with a not-after time stops signing after it.
///
/// ```
/// use webhook_kit::providers::standard_webhooks;
/// use webhook_kit::sign::{MessageId, Signer, SigningSecret};
/// use webhook_kit::{Keyring, Timestamp};
///
/// let secret = SigningSecret::from_random_bytes(&[42u8; 32])?;
/// let signer = Signer::new(Keyring::from(secret.clone()));
///
/// let id = MessageId::new("msg_2b7kzA4p")?;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let headers = signer.sign(&id, now, b"{\"type\":\"invoice.paid\"}")?;
///
/// // What a receiver using this crate does with it.
/// let verifier = standard_webhooks::Verifier::new(Keyring::from(secret.into_secret()));
/// verifier.verify(&headers, b"{\"type\":\"invoice.paid\"}", now)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    secrets: Keyring<SigningSecret>,
    #[cfg(feature = "ed25519")]
    ed25519: Vec<(std::sync::Arc<Ed25519SigningKey>, Option<Timestamp>)>,
    headers: HeaderSet,
}

impl Signer {
    /// A signer with these HMAC secrets, writing the `webhook-*` headers.
    pub fn new(secrets: Keyring<SigningSecret>) -> Self {
        Signer {
            secrets,
            #[cfg(feature = "ed25519")]
            ed25519: Vec::new(),
            headers: HeaderSet::Standard,
        }
    }

    /// A signer with Ed25519 keys only (`v1a`).
    #[cfg(feature = "ed25519")]
    pub fn new_ed25519(keys: Keyring<Ed25519SigningKey>) -> Self {
        Signer::new(Keyring::new()).with_ed25519_keys(keys)
    }

    /// Adds Ed25519 keys: each active one adds a `v1a` entry.
    #[cfg(feature = "ed25519")]
    pub fn with_ed25519_keys(mut self, keys: Keyring<Ed25519SigningKey>) -> Self {
        for (key, not_after) in keys.into_entries() {
            self.ed25519.push((std::sync::Arc::new(key), not_after));
        }
        self
    }

    /// Writes another header set.
    pub fn with_header_set(mut self, headers: HeaderSet) -> Self {
        self.headers = headers;
        self
    }

    /// Signs one attempt of a message at `timestamp`.
    ///
    /// Every attempt of a message passes the same `id` and `body`; only the
    /// timestamp changes. The timestamp is cut to whole seconds once, and
    /// that one value goes into the header and into the signed content.
    /// The body may be any bytes.
    ///
    /// # Errors
    ///
    /// [`SignError::NoActiveKey`] when every key has expired at `timestamp`,
    /// [`SignError::TimestampOutOfRange`] for a time before 1970 or past
    /// what verifiers accept, and [`SignError::TooManyKeys`] when more
    /// Ed25519 keys are active than a receiver checks.
    pub fn sign(
        &self,
        id: &MessageId,
        timestamp: Timestamp,
        body: &[u8],
    ) -> Result<SignedHeaders, SignError> {
        let seconds = super::signed_seconds(timestamp)?;
        let parts: [&[u8]; 5] = [id.as_str().as_bytes(), b".", seconds.as_bytes(), b".", body];

        let mut signatures = Vec::new();
        for (_, secret) in self.secrets.active(timestamp) {
            let tag = crypto::hmac_sha256(secret.secret().expose_bytes(), &parts);
            signatures.push(format!("v1,{}", crypto::base64(&tag)));
        }
        #[cfg(feature = "ed25519")]
        {
            let active = || {
                self.ed25519
                    .iter()
                    .filter(|(_, until)| until.is_none_or(|t| timestamp <= t))
            };
            // Receivers check only so many `v1a` entries: more would go unread.
            if active().count() > crate::providers::standard_webhooks::MAX_V1A_ENTRIES {
                return Err(SignError::TooManyKeys);
            }
            let mut message = None;
            for (key, _) in active() {
                // Ed25519 signs one contiguous message: build it once for all keys.
                let message = message.get_or_insert_with(|| parts.concat());
                signatures.push(format!("v1a,{}", crypto::base64(&key.sign(message))));
            }
        }
        if signatures.is_empty() {
            return Err(SignError::NoActiveKey);
        }

        let [id_name, ts_name, sig_name] = self.headers.names();
        Ok(SignedHeaders::new()
            .with(id_name, id.as_str().to_owned())
            .with(ts_name, seconds)
            .with(sig_name, signatures.join(" ")))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Signer");
        s.field("secrets", &self.secrets.len());
        #[cfg(feature = "ed25519")]
        s.field("ed25519_keys", &self.ed25519.len());
        s.field("headers", &self.headers).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::providers::{standard_webhooks, svix};
    use crate::secret::Secret;

    fn secret(byte: u8) -> SigningSecret {
        SigningSecret::from_random_bytes(&[byte; 32]).unwrap()
    }

    fn verifier(s: &SigningSecret) -> standard_webhooks::Verifier {
        standard_webhooks::Verifier::new(Keyring::from(s.secret().clone()))
    }

    #[test]
    fn same_id_and_body_on_every_attempt_only_the_timestamp_changes() {
        let key = secret(1);
        let signer = Signer::new(Keyring::from(key.clone()));
        let id = MessageId::new("msg_1").unwrap();
        let body = b"\xff\x00not utf-8";
        let first = signer
            .sign(&id, Timestamp::from_unix_seconds(1_700_000_000), body)
            .unwrap();
        let retry = signer
            .sign(&id, Timestamp::from_unix_millis(1_700_000_300_999), body)
            .unwrap();

        assert_eq!(first.get("webhook-id"), retry.get("webhook-id"));
        assert_eq!(first.get("webhook-timestamp"), Some("1700000000"));
        assert_eq!(retry.get("webhook-timestamp"), Some("1700000300"));
        assert_ne!(
            first.get("webhook-signature"),
            retry.get("webhook-signature")
        );
        for (headers, at) in [(&first, 1_700_000_000), (&retry, 1_700_000_300)] {
            verifier(&key)
                .verify(headers, body, Timestamp::from_unix_seconds(at))
                .unwrap();
        }
    }

    #[test]
    fn one_signature_per_active_key() {
        let (old, new) = (secret(1), secret(2));
        let switch = Timestamp::from_unix_seconds(1_700_000_000);
        let signer = Signer::new(
            Keyring::new()
                .with_key_until(old.clone(), switch)
                .with_key(new.clone()),
        );
        let id = MessageId::new("msg_1").unwrap();

        let during = signer.sign(&id, switch, b"{}").unwrap();
        assert_eq!(
            during.get("webhook-signature").unwrap().split(' ').count(),
            2
        );
        verifier(&old).verify(&during, b"{}", switch).unwrap();
        verifier(&new).verify(&during, b"{}", switch).unwrap();

        let after = switch.saturating_add(Duration::from_secs(1));
        let later = signer.sign(&id, after, b"{}").unwrap();
        assert_eq!(
            later.get("webhook-signature").unwrap().split(' ').count(),
            1
        );
        assert!(verifier(&old).verify(&later, b"{}", after).is_err());

        let expired = Signer::new(Keyring::new().with_key_until(old, switch));
        assert_eq!(
            expired.sign(&id, after, b"{}").unwrap_err(),
            SignError::NoActiveKey
        );
    }

    #[test]
    fn timestamps_verifiers_refuse_are_refused() {
        let signer = Signer::new(Keyring::from(secret(1)));
        let id = MessageId::new("msg_1").unwrap();
        for at in [
            Timestamp::from_unix_millis(-1),
            Timestamp::from_unix_seconds(1_000_000_000_000),
            Timestamp::from_unix_millis(i64::MAX),
        ] {
            assert_eq!(
                signer.sign(&id, at, b"{}").unwrap_err(),
                SignError::TimestampOutOfRange
            );
        }
        assert!(
            signer
                .sign(&id, Timestamp::from_unix_seconds(999_999_999_999), b"{}")
                .is_ok()
        );
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn no_more_v1a_entries_than_a_receiver_reads() {
        let keys: Keyring<Ed25519SigningKey> = (1u8..=5)
            .map(|b| Ed25519SigningKey::from_seed(&[b; 32]).unwrap())
            .collect();
        let signer = Signer::new_ed25519(keys);
        let id = MessageId::new("msg_1").unwrap();
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        assert_eq!(
            signer.sign(&id, now, b"{}").unwrap_err(),
            SignError::TooManyKeys
        );
    }

    #[test]
    fn svix_header_set() {
        let key = secret(3);
        let signer = Signer::new(Keyring::from(key.clone())).with_header_set(HeaderSet::Svix);
        let id = MessageId::new("msg_1").unwrap();
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let headers = signer.sign(&id, now, b"{}").unwrap();
        assert_eq!(headers.get("svix-id"), Some("msg_1"));
        assert!(headers.get("webhook-id").is_none());
        svix::verifier(Keyring::from(key.secret().clone()))
            .verify(&headers, b"{}", now)
            .unwrap();
    }

    #[test]
    fn reproduces_the_published_library_signature() {
        // The Standard Webhooks JavaScript, Go, C# and Java libraries' test vector.
        let secret = Secret::parse(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            crate::SecretEncoding::WhsecBase64,
        )
        .unwrap();
        let signer = Signer::new(Keyring::from(SigningSecret::from_secret(secret).unwrap()));
        let id = MessageId::new("msg_p5jXN8AQM9LWM0D4loKWxJek").unwrap();
        let headers = signer
            .sign(
                &id,
                Timestamp::from_unix_seconds(1_614_265_330),
                br#"{"test": 2432232314}"#,
            )
            .unwrap();
        assert_eq!(
            headers.get("webhook-signature"),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn ed25519_alongside_hmac() {
        let hmac = secret(4);
        let ed = Ed25519SigningKey::from_seed(&[5u8; 32]).unwrap();
        let public = ed.public_key();
        let signer = Signer::new(Keyring::from(hmac.clone())).with_ed25519_keys(Keyring::from(ed));
        let id = MessageId::new("msg_1").unwrap();
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let headers = signer.sign(&id, now, b"{}").unwrap();
        let list = headers.get("webhook-signature").unwrap();
        assert!(list.starts_with("v1,") && list.contains(" v1a,"), "{list}");

        let only_public = standard_webhooks::Verifier::new(Keyring::new())
            .with_public_keys(Keyring::from(public));
        only_public.verify(&headers, b"{}", now).unwrap();
        verifier(&hmac).verify(&headers, b"{}", now).unwrap();
    }

    #[test]
    fn debug_shows_no_key() {
        let signer = Signer::new(Keyring::from(
            SigningSecret::from_random_bytes(&[0x41; 24]).unwrap(),
        ));
        let shown = format!("{signer:?}");
        assert!(!shown.contains("QUFB") && !shown.contains("65"), "{shown}");
    }
}
