//! Macros that write the parts many provider modules share word for word,
//! so each module keeps only its constants, docs, quirks and tests.
//!
//! The names they use (`Verifier`, `Keyring`, `Secret`, `Headers`,
//! `Timestamp`, `Verified`, `VerifyError`, `VerifierConfig`, ...) are resolved where the macro
//! is invoked: a provider module imports them anyway, for its docs' links
//! and its tests, and so the module's `use` list stays the list of what it
//! relies on.

/// Implements [`Verify`](crate::verify::Verify) for a module's `Verifier`
/// whose inherent `verify(headers, body, now)` is the whole check: the
/// request's headers and body go in, a verified delivery comes out.
macro_rules! verify_headers_and_body {
    ($provider:expr) => {
        impl Verify for Verifier {
            fn provider(&self) -> Provider {
                $provider
            }

            fn verify_request(
                &self,
                request: &Request<'_>,
                now: Timestamp,
            ) -> Result<Outcome, VerifyError> {
                self.verify(request.headers(), request.body(), now)
                    .map(Outcome::Verified)
            }
        }
    };
}

/// Writes a module's `Verifier` for a body-only HMAC in one header (see
/// `body_hmac.rs`): the struct holding the pre-keyed MACs, `new`, and
/// unless left out, `verify`: optionally refusing values with a given
/// prefix as an unsupported algorithm, and optionally reading a delivery id
/// header once the signature has been checked. The doc comments written before
/// each part become that item's documentation.
///
/// ```text
/// body_hmac_verifier! {
///     /// Verifies Example webhooks.
///     struct for Provider::Example, keys HmacSha256, tag 32, scheme SCHEME;
///     /// A verifier for the secrets in `keyring`.
///     fn new;
///     /// Verifies a delivery.
///     fn verify refusing "sha1=", delivery id in DELIVERY_HEADER;
/// }
/// ```
macro_rules! body_hmac_verifier {
    (@check $scheme:expr, $len:literal, $keys:expr, $headers:ident, $body:ident, $now:ident) => {
        $scheme.verify::<_, $len>($keys, $headers, $body, $now)
    };
    (@check $scheme:expr, $len:literal, $keys:expr, $headers:ident, $body:ident, $now:ident, $refused:literal) => {
        $scheme.verify_refusing::<_, $len>($refused, $keys, $headers, $body, $now)
    };
    (
        $(#[$struct_doc:meta])*
        struct for $provider:expr, keys $mac:ty, tag $len:literal, scheme $scheme:expr;
        $(#[$new_doc:meta])*
        fn new;
        $(
            $(#[$verify_doc:meta])*
            fn verify $(refusing $refused:literal)? $(, delivery id in $delivery:expr)?;
        )?
    ) => {
        $(#[$struct_doc])*
        #[derive(Debug, Clone)]
        pub struct Verifier {
            keys: MacKeys<$mac>,
        }

        impl Verifier {
            $(#[$new_doc])*
            pub fn new(keyring: Keyring<Secret>) -> Self {
                Verifier {
                    keys: MacKeys::new(&keyring),
                }
            }

            $(
                $(#[$verify_doc])*
                pub fn verify(
                    &self,
                    headers: &dyn Headers,
                    body: &[u8],
                    now: Timestamp,
                ) -> Result<Verified, VerifyError> {
                    let key = body_hmac_verifier!(
                        @check $scheme, $len, &self.keys, headers, body, now $(, $refused)?
                    )?;
                    let verified = Verified::new($provider, key);
                    $(
                        let verified = verified.with_delivery_id(
                            headers::single(headers, $delivery)?
                                .and_then(DeliveryId::from_header),
                        );
                    )?
                    Ok(verified)
                }
            )?
        }
    };
}

/// Writes `from_config` for a module whose `Verifier::new` takes the
/// configured secrets as they are, read with the given encoding.
macro_rules! secrets_from_config {
    ($provider:expr, $encoding:expr) => {
        pub(crate) fn from_config(
            config: &VerifierConfig,
        ) -> Result<Verifier, $crate::SecretError> {
            Ok(Verifier::new(config.secrets($provider, $encoding)?))
        }
    };
}
