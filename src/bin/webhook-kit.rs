//! `webhook-kit`: verify a captured delivery, sign a payload, list
//! providers, run conformance vector files, and print retry schedules.
//!
//! Exit status: 0 for success (a valid delivery, every case passed), 1 when
//! a delivery is refused or a case failed, 2 for usage, configuration or
//! I/O errors.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand};
use webhook_kit::conformance::{self, Verdict};
use webhook_kit::retry::{Jitter, Preset, evaluate_retry_after};
use webhook_kit::sign::{CustomScheme, HeaderSet, MessageId, Signer, SigningSecret};
use webhook_kit::{
    KeyFormat, Keyring, Outcome, Provider, Request, Secret, SecretEncoding, SecretError, Timestamp,
    VerifierConfig,
};

#[derive(Parser)]
#[command(
    name = "webhook-kit",
    version,
    about = "Verify webhooks and run conformance vectors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run vector files in the shared conformance format.
    Conformance {
        /// Vector files (JSON arrays of cases).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List every provider id; an id whose crate feature this build lacks
    /// is followed by a tab and `needs feature <name>`.
    Providers,
    /// Verify one captured delivery.
    Verify(Box<VerifyArgs>),
    /// Sign a payload as a sender, and print the headers to send.
    Sign(Box<SignArgs>),
    /// Print a retry preset's attempts, delays and cumulative times.
    Schedule {
        /// The preset: standard-webhooks (the default), svix, hook0, classic,
        /// stripe-like, shopify-like, short (snake_case accepted too).
        #[arg(long, default_value = "standard-webhooks")]
        preset: String,
        /// The jitter: none, full, equal, default, symmetric:20%,
        /// additive:10%:2s:15m, decorrelated:1s.
        #[arg(long)]
        jitter: Option<String>,
    },
    /// Print the delay a response's `Retry-After` leads to, before jitter,
    /// as `delay_s=<seconds> malformed=<true|false>`.
    ///
    /// `delay_s` is the larger of the scheduled delay and the header's, at
    /// most `--cap`; `malformed=true` means the value was neither seconds
    /// nor an HTTP date and only the scheduled delay applies.
    RetryAfter {
        /// The response status (the header is honoured on 429 and 503).
        #[arg(long)]
        status: u16,
        /// The delay the retry schedule gives this attempt, in seconds.
        #[arg(long)]
        scheduled: u64,
        /// The longest delay a `Retry-After` may impose, in seconds.
        #[arg(long)]
        cap: u64,
        /// The time of the response, unix seconds (an HTTP date is measured from it).
        #[arg(long)]
        now: i64,
        /// The header's value: seconds or an HTTP date.
        value: String,
    },
}

#[derive(Args)]
#[command(group(
    ArgGroup::new("secret")
        .args(["secret_file", "secret_env"])
        .required(true)
        .multiple(false)
))]
struct SignArgs {
    /// The message id, the same on every attempt of one message.
    #[arg(long)]
    id: String,
    /// The signing time in unix seconds.
    #[arg(long)]
    timestamp: i64,
    /// Read the signing secret from this file (one trailing line ending is removed).
    #[arg(long)]
    secret_file: Option<PathBuf>,
    /// Read the signing secret from this environment variable.
    #[arg(long)]
    secret_env: Option<String>,
    /// How the secret is encoded (`utf8`, `whsec_base64`, `base64`, `hex`);
    /// by default the form `verify` reads for the same scheme: `whsec_base64`
    /// for `standard-webhooks` and `svix`, `utf8` (text) for `custom`.
    #[arg(long)]
    key_encoding: Option<String>,
    /// `standard-webhooks` (the default), `svix` (the `svix-*` headers) or
    /// `custom` (`X-Webhook-Timestamp` and `X-Webhook-Signature: v1=<hex>`).
    #[arg(long, default_value = "standard-webhooks")]
    scheme: String,
    /// Read the body from this file; standard input otherwise.
    #[arg(long)]
    body_file: Option<PathBuf>,
}

#[derive(Args)]
struct VerifyArgs {
    /// Provider id (see `webhook-kit providers`).
    #[arg(long)]
    provider: String,
    /// Read the secret from this file (one trailing line ending is removed).
    #[arg(long, group = "key")]
    secret_file: Option<PathBuf>,
    /// Read the secret from this environment variable.
    #[arg(long, group = "key")]
    secret_env: Option<String>,
    /// A public key, for Discord, Standard Webhooks `v1a`, SendGrid and
    /// Plaid (public keys are not secret, so they may be given inline).
    #[arg(long, group = "key")]
    public_key: Option<String>,
    /// How the key is encoded (`utf8`, `whsec_base64`, `hex`,
    /// `hex_ed25519_public_key`, ...); the provider's own form by default.
    #[arg(long)]
    key_encoding: Option<String>,
    /// A verify token a subscription GET may present (Meta's
    /// `hub.verify_token`); repeat for more. It is compared, never printed.
    #[arg(long = "verify-token", value_name = "TOKEN")]
    verify_tokens: Vec<String>,
    /// A request header, `Name: value`; repeat for more.
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// The URL the provider called, for schemes that sign it.
    #[arg(long)]
    url: Option<String>,
    /// The HTTP method.
    #[arg(long, default_value = "POST")]
    method: String,
    /// The verifier's clock in unix seconds; the system clock by default.
    #[arg(long)]
    now: Option<i64>,
    /// Read the body from this file; standard input otherwise (a GET or
    /// HEAD without this option has an empty body).
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Accept the legacy SHA-1 `X-Hub-Signature` of GitHub and Meta when it
    /// is the only signature header.
    #[arg(long)]
    allow_legacy_sha1: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance { files } => conformance_files(&files),
        Command::Providers => providers(),
        Command::Verify(args) => verify(&args),
        Command::Sign(args) => sign(&args),
        Command::Schedule { preset, jitter } => schedule(&preset, jitter.as_deref()),
        Command::RetryAfter {
            status,
            scheduled,
            cap,
            now,
            value,
        } => unix_seconds("--now", now).map(|now| {
            let eval = evaluate_retry_after(
                status,
                Duration::from_secs(scheduled),
                Duration::from_secs(cap),
                now,
                Some(value.as_bytes()),
            );
            println!(
                "delay_s={} malformed={}",
                eval.delay.as_secs(),
                eval.is_malformed()
            );
            ExitCode::SUCCESS
        }),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("webhook-kit: {message}");
            ExitCode::from(2)
        }
    }
}

fn providers() -> Result<ExitCode, String> {
    let mut out = io::stdout().lock();
    for provider in Provider::ALL {
        match needed_feature(*provider) {
            Some(feature) => writeln!(out, "{}\tneeds feature {feature}", provider.id()),
            None => writeln!(out, "{}", provider.id()),
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The crate feature this build lacks to verify `provider` at all, if any.
///
/// Asks the registry itself, so the answer cannot drift from it: a
/// provider whose feature is off refuses any configuration with
/// `SecretError::FeatureDisabled` before it looks at the key.
fn needed_feature(provider: Provider) -> Option<&'static str> {
    let probe = VerifierConfig::new().with_secret("probe");
    match provider.verifier(&probe) {
        Err(SecretError::FeatureDisabled(feature)) => Some(feature),
        _ => None,
    }
}

/// A unix-seconds argument as a [`Timestamp`], refusing a value that is
/// plainly milliseconds with the words the verifiers use for it.
fn unix_seconds(flag: &str, seconds: i64) -> Result<Timestamp, String> {
    // 13 digits: 2001-09-09 onwards in milliseconds, the year 33658 in seconds.
    if (1_000_000_000_000..10_000_000_000_000).contains(&seconds) {
        return Err(format!(
            "{flag} {seconds} has 13 digits and looks like milliseconds; seconds are expected"
        ));
    }
    Ok(Timestamp::from_unix_seconds(seconds))
}

fn conformance_files(files: &[PathBuf]) -> Result<ExitCode, String> {
    // Read and parse every file first, so a bad file fails before any output.
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let cases =
            conformance::parse_file(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        all.extend(cases);
    }

    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut out = io::stdout().lock();
    for case in &all {
        let result = conformance::run_case(case);
        match result.verdict {
            Verdict::Pass => passed += 1,
            Verdict::Fail => failed += 1,
            Verdict::Skip => skipped += 1,
        }
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            result.verdict,
            one_line(&case.provider),
            one_line(&case.name),
            one_line(&case.expected),
            one_line(&result.got)
        )
        .map_err(|e| e.to_string())?;
    }
    writeln!(out, "{passed} passed, {failed} failed, {skipped} skipped")
        .map_err(|e| e.to_string())?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Keeps one case on one tab-separated line.
fn one_line(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let provider: Provider = args.provider.parse().map_err(|e| format!("{e}"))?;

    let mut format = match &args.key_encoding {
        Some(id) => {
            Some(KeyFormat::from_id(id).ok_or_else(|| format!("unknown key encoding `{id}`"))?)
        }
        None => None,
    };
    // A shared secret on the command line would land in shell history and
    // process lists: --public-key takes public keys only.
    if args.public_key.is_some() {
        let public = match provider {
            Provider::Discord => KeyFormat::Ed25519Hex,
            Provider::StandardWebhooks => KeyFormat::Ed25519Whpk,
            Provider::Sendgrid => KeyFormat::SpkiBase64,
            Provider::Plaid => KeyFormat::Jwk,
            other => {
                return Err(format!(
                    "`{other}` has no public keys; give its secret with --secret-file or --secret-env"
                ));
            }
        };
        format = match format {
            None => Some(public),
            Some(
                KeyFormat::Ed25519Hex
                | KeyFormat::Ed25519Whpk
                | KeyFormat::SpkiBase64
                | KeyFormat::Pem
                | KeyFormat::Jwk
                | KeyFormat::PublicKeyHex,
            ) => format,
            Some(_) => return Err("--public-key takes a public key encoding".to_owned()),
        };
    }
    let mut config = VerifierConfig::new();
    // Meta's subscription GET needs only a verify token, no App Secret.
    if let Some(key) = read_key(args)? {
        config.push_key(key, format, None);
    }
    for token in &args.verify_tokens {
        config = config.with_verify_token(token.as_str());
    }
    if args.allow_legacy_sha1 {
        config = config.allow_legacy_sha1();
    }
    let verifier = provider
        .verifier(&config)
        .map_err(|e| format!("configuration: {e}"))?;

    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    // A handshake GET or HEAD has no body: do not wait for one on a terminal.
    let bodiless = ["GET", "HEAD"]
        .iter()
        .any(|m| args.method.eq_ignore_ascii_case(m));
    let body = match &args.body_file {
        None if bodiless => Vec::new(),
        file => read_body(file.as_deref())?,
    };
    let mut request = Request::new(&headers, &body).with_method(&args.method);
    if let Some(url) = &args.url {
        request = request.with_url(url);
    }
    let now = match args.now {
        Some(seconds) => unix_seconds("--now", seconds)?,
        None => Timestamp::now(),
    };

    match verifier.verify_request(&request, now) {
        Ok(outcome) => {
            print_outcome(&outcome);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("refused\t{}\t{e}", e.code());
            Ok(ExitCode::from(1))
        }
    }
}

fn print_outcome(outcome: &Outcome) {
    if let Some(verified) = outcome.verified() {
        println!(
            "valid\tprovider={}\tkey_index={}",
            verified.provider(),
            verified.key_index()
        );
        if let Some(ts) = verified.timestamp() {
            println!("timestamp\t{ts}");
        }
        if let Some(id) = verified.delivery_id() {
            println!("delivery_id\t{id}");
        }
    }
    if let Some(handshake) = outcome.handshake() {
        println!(
            "handshake\tstatus={}\t{}\t{}",
            handshake.status(),
            handshake.content_type(),
            handshake.body()
        );
        for (name, value) in handshake.headers() {
            println!("handshake_header\t{name}\t{value}");
        }
    }
}

/// The key to verify with; none is needed when only verify tokens are given.
fn read_key(args: &VerifyArgs) -> Result<Option<String>, String> {
    if let Some(key) = read_secret(args.secret_file.as_deref(), args.secret_env.as_deref())? {
        return Ok(Some(key));
    }
    if let Some(key) = &args.public_key {
        return Ok(Some(key.clone()));
    }
    if args.verify_tokens.is_empty() {
        return Err(
            "one of --secret-file, --secret-env or --public-key is required \
             (or --verify-token, for a subscription GET)"
                .to_owned(),
        );
    }
    Ok(None)
}

/// The secret from a file or an environment variable, never the command line.
fn read_secret(file: Option<&Path>, env: Option<&str>) -> Result<Option<String>, String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        // Files written by editors and `echo` end in one newline; more is kept, and refused.
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text);
        return Ok(Some(text.to_owned()));
    }
    if let Some(var) = env {
        // A fixed message: std's error for a non-UTF-8 value quotes the value.
        return match std::env::var(var) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Err(format!("${var} is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("${var} is not valid UTF-8")),
        };
    }
    Ok(None)
}

fn sign(args: &SignArgs) -> Result<ExitCode, String> {
    let scheme = args.scheme.replace('_', "-");
    // The same default as `verify` for the same scheme: Standard Webhooks
    // secrets are `whsec_` base64, a custom scheme's secret is text.
    let default_encoding = match scheme.as_str() {
        "standard-webhooks" | "svix" => SecretEncoding::WhsecBase64,
        "custom" => SecretEncoding::Utf8,
        other => {
            return Err(format!(
                "unknown scheme `{other}` (standard-webhooks, svix, custom)"
            ));
        }
    };
    let text = read_secret(args.secret_file.as_deref(), args.secret_env.as_deref())?
        .ok_or("one of --secret-file or --secret-env is required")?;
    let encoding = match &args.key_encoding {
        Some(id) => {
            SecretEncoding::from_id(id).ok_or_else(|| format!("unknown key encoding `{id}`"))?
        }
        None => default_encoding,
    };
    let secret = Secret::parse(&text, encoding).map_err(|e| format!("secret: {e}"))?;
    let secret = SigningSecret::from_secret(secret).map_err(|e| format!("secret: {e}"))?;
    let id = MessageId::new(args.id.as_str()).map_err(|e| e.to_string())?;
    let body = read_body(args.body_file.as_deref())?;
    let at = unix_seconds("--timestamp", args.timestamp)?;
    let keys = Keyring::from(secret);

    let headers = match scheme.as_str() {
        "svix" => Signer::new(keys)
            .with_header_set(HeaderSet::Svix)
            .sign(&id, at, &body),
        "custom" => CustomScheme::new().sign(&keys, &id, at, &body),
        _ => Signer::new(keys).sign(&id, at, &body),
    }
    .map_err(|e| e.to_string())?;

    let mut out = io::stdout().lock();
    for (name, value) in headers.iter() {
        writeln!(out, "{name}: {value}").map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn schedule(preset: &str, jitter: Option<&str>) -> Result<ExitCode, String> {
    let preset: Preset = preset.parse().map_err(|e| format!("{e}"))?;
    let mut policy = preset.policy();
    if let Some(spec) = jitter {
        let jitter: Jitter = spec.parse().map_err(|e| format!("--jitter: {e}"))?;
        policy = policy.with_jitter(jitter);
    }

    let mut out = io::stdout().lock();
    let write = |out: &mut io::StdoutLock<'_>, line: String| {
        writeln!(out, "{line}").map_err(|e| e.to_string())
    };
    write(
        &mut out,
        format!("preset {preset}, jitter {}", policy.jitter()),
    )?;
    write(
        &mut out,
        format!(
            "{:>7}  {:>12}  {:>14}  {:>14}",
            "attempt", "delay", "cumulative", "latest"
        ),
    )?;
    for planned in policy.plan() {
        write(
            &mut out,
            format!(
                "{:>7}  {:>12}  {:>14}  {:>14}",
                planned.attempt,
                human(planned.delay),
                human(planned.at),
                human(planned.latest)
            ),
        )?;
    }
    let window = policy.window();
    write(
        &mut out,
        format!(
            "{} attempts; last at {} without jitter, {} at worst; max age {}",
            window.attempts,
            human(window.nominal),
            human(window.worst_case),
            human(window.max_age)
        ),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A duration as days, hours, minutes, seconds and milliseconds (`1d 3h 35m`, `5s 250ms`).
fn human(d: Duration) -> String {
    let total = d.as_secs();
    let millis = d.subsec_millis();
    let parts = [
        (total / 86_400, "d"),
        (total / 3600 % 24, "h"),
        (total / 60 % 60, "m"),
        (total % 60, "s"),
        (u64::from(millis), "ms"),
    ];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() {
        "0s".to_owned()
    } else {
        text.join(" ")
    }
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("header `{}` is not `Name: value`", one_line(text)))?;
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

fn read_body(path: Option<&Path>) -> Result<Vec<u8>, String> {
    match path {
        Some(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut body = Vec::new();
            io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| format!("stdin: {e}"))?;
            Ok(body)
        }
    }
}
