//! The `webhook-kit` binary: conformance output and exit codes, the
//! provider list, and verify on captured deliveries.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]
#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use webhook_kit::Provider;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_webhook-kit"))
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading its input closes the pipe early.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn providers_lists_every_id_and_marks_the_features_this_build_lacks() {
    let out = run(bin().arg("providers"), b"");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<(&str, Option<&str>)> = stdout
        .lines()
        .map(|line| match line.split_once('\t') {
            Some((id, mark)) => (id, Some(mark)),
            None => (line, None),
        })
        .collect();
    let listed: Vec<&str> = rows.iter().map(|(id, _)| *id).collect();
    let known: Vec<&str> = Provider::ALL.iter().map(|p| p.id()).collect();
    assert_eq!(listed, known);

    // Whole-provider features, as Cargo.toml and the README's table give them.
    let expected = [
        ("discord", "ed25519", cfg!(feature = "ed25519")),
        ("sendgrid", "p256", cfg!(feature = "p256")),
        ("plaid", "p256", cfg!(feature = "p256")),
        ("paypal", "rsa", cfg!(feature = "rsa")),
        ("twilio", "sha1", cfg!(feature = "sha1")),
        ("intercom", "sha1", cfg!(feature = "sha1")),
    ];
    for (id, feature, enabled) in expected {
        let mark = rows.iter().find(|(i, _)| *i == id).unwrap().1;
        let want = format!("needs feature {feature}");
        assert_eq!(mark, (!enabled).then_some(want.as_str()), "{id}");
    }
    // Providers that need no optional feature are never marked.
    for id in ["github", "stripe", "standard_webhooks", "meta", "custom"] {
        assert_eq!(rows.iter().find(|(i, _)| *i == id).unwrap().1, None, "{id}");
    }
}

#[test]
fn conformance_on_the_crate_vectors() {
    let mut files: Vec<_> = std::fs::read_dir(vectors())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let out = run(bin().arg("conformance").args(&files), b"");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let last = lines.last().unwrap();

    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    for line in &lines[..lines.len() - 1] {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 5, "{line}");
        match fields[0] {
            "PASS" => pass += 1,
            "FAIL" => fail += 1,
            "SKIP" => skip += 1,
            other => panic!("bad verdict {other}"),
        }
    }
    assert_eq!(
        *last,
        format!("{pass} passed, {fail} failed, {skip} skipped")
    );
    assert_eq!(fail, 0, "{stdout}");
    assert!(out.status.success());
}

#[test]
fn conformance_reports_failures_unknown_providers_and_bad_files() {
    let cases = br#"[
      {"provider": "github", "name": "claims valid but is not", "expected": "valid",
       "secret": "s", "secret_encoding": "utf8",
       "headers": [["X-Hub-Signature-256", "sha256=0000000000000000000000000000000000000000000000000000000000000000"]],
       "body": "x", "now_unix": null},
      {"provider": "no_such_provider", "name": "unknown", "expected": "valid", "headers": []}
    ]"#;
    let file = scratch("mixed.json", cases);
    let out = run(bin().arg("conformance").arg(&file), b"");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("FAIL\tgithub\tclaims valid but is not\tvalid\tsignature_mismatch\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SKIP\tno_such_provider\tunknown\tvalid\t"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("0 passed, 1 failed, 1 skipped\n"),
        "{stdout}"
    );

    let out = run(
        bin()
            .arg("conformance")
            .arg(scratch("bad.json", b"{not json")),
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        bin().arg("conformance").arg("/nonexistent/vectors.json"),
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(bin().arg("frobnicate"), b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_accepts_and_refuses_with_exit_codes() {
    let secret = scratch("github.secret", b"It's a Secret to Everybody\n");
    let header = "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let verify = |body: &[u8]| {
        run(
            bin()
                .args(["verify", "--provider", "github", "--secret-file"])
                .arg(&secret)
                .args(["-H", header]),
            body,
        )
    };

    let ok = verify(b"Hello, World!");
    assert_eq!(ok.status.code(), Some(0));
    assert!(
        String::from_utf8(ok.stdout)
            .unwrap()
            .starts_with("valid\tprovider=github\tkey_index=0")
    );

    let refused = verify(b"Hello, World?");
    assert_eq!(refused.status.code(), Some(1));
    let stdout = String::from_utf8(refused.stdout).unwrap();
    assert!(
        stdout.starts_with("refused\tsignature_mismatch\t"),
        "{stdout}"
    );
    assert!(stdout.contains("re-serialised"), "{stdout}");
    assert!(!stdout.contains("Secret to Everybody"));
}

// SendGrid's published delivery, with the key given inline.
#[cfg(feature = "p256")]
#[test]
fn verify_takes_a_sendgrid_public_key() {
    let key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    let body = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";
    let verify = |body: &[u8]| {
        run(
            bin().args([
                "verify",
                "--provider",
                "sendgrid",
                "--public-key",
                key,
                "-H",
                "X-Twilio-Email-Event-Webhook-Signature: MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
                "-H",
                "X-Twilio-Email-Event-Webhook-Timestamp: 1600112502",
            ]),
            body,
        )
    };
    let ok = verify(body.as_bytes());
    let stdout = String::from_utf8(ok.stdout).unwrap();
    assert_eq!(ok.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("valid\tprovider=sendgrid\tkey_index=0"),
        "{stdout}"
    );
    let refused = verify(body.trim_end().as_bytes());
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn verify_usage_and_configuration_errors_exit_2() {
    let no_key = run(bin().args(["verify", "--provider", "github"]), b"");
    assert_eq!(no_key.status.code(), Some(2));

    let unknown = run(
        bin().args(["verify", "--provider", "nope", "--secret-env", "HOME"]),
        b"",
    );
    assert_eq!(unknown.status.code(), Some(2));

    let padded = scratch("padded.secret", b" padded\n");
    let bad_secret = run(
        bin()
            .args(["verify", "--provider", "github", "--secret-file"])
            .arg(&padded),
        b"",
    );
    assert_eq!(bad_secret.status.code(), Some(2));
    let stderr = String::from_utf8(bad_secret.stderr).unwrap();
    assert!(stderr.contains("whitespace"), "{stderr}");
    assert!(!stderr.contains("padded"), "the secret leaked: {stderr}");

    let missing_env = run(
        bin().args([
            "verify",
            "--provider",
            "github",
            "--secret-env",
            "WEBHOOK_KIT_TEST_UNSET_VARIABLE",
        ]),
        b"",
    );
    assert_eq!(missing_env.status.code(), Some(2));
}

#[test]
fn sign_prints_the_headers_and_reproduces_the_published_signature() {
    let secret = scratch("sw.secret", b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    let out = run(
        bin()
            .args([
                "sign",
                "--id",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "--timestamp",
                "1614265330",
                "--secret-file",
            ])
            .arg(&secret),
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek\nwebhook-timestamp: 1614265330\nwebhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n"
    );

    let svix = run(
        bin()
            .args([
                "sign",
                "--id",
                "m",
                "--timestamp",
                "1",
                "--scheme",
                "svix",
                "--secret-file",
            ])
            .arg(&secret),
        b"{}",
    );
    assert!(
        String::from_utf8(svix.stdout)
            .unwrap()
            .starts_with("svix-id: m\n")
    );

    let short = scratch("short.secret", b"whsec_AQID\n");
    let refused = run(
        bin()
            .args(["sign", "--id", "m", "--timestamp", "1", "--secret-file"])
            .arg(&short),
        b"{}",
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8(refused.stderr)
            .unwrap()
            .contains("at least 24 bytes")
    );

    let no_secret = run(bin().args(["sign", "--id", "m", "--timestamp", "1"]), b"{}");
    assert_eq!(no_secret.status.code(), Some(2));
}

#[test]
fn sign_takes_exactly_one_secret_source() {
    let secret = scratch(
        "one-source.secret",
        b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
    );
    let sign = |extra: &[&std::ffi::OsStr]| {
        let out = run(
            bin()
                .args(["sign", "--id", "m", "--timestamp", "1"])
                .args(extra),
            b"{}",
        );
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8(out.stderr).unwrap()
    };

    // Neither: one requirement naming the two as alternatives.
    let neither = sign(&[]);
    assert!(
        neither.contains("<--secret-file <SECRET_FILE>|--secret-env <SECRET_ENV>>"),
        "{neither}"
    );
    assert!(!neither.contains("cannot be used with"), "{neither}");
    // Both: refused as a conflict, and the usage line still offers one or the other.
    let both = sign(&[
        "--secret-file".as_ref(),
        secret.as_os_str(),
        "--secret-env".as_ref(),
        "HOME".as_ref(),
    ]);
    assert!(both.contains("cannot be used with"), "{both}");
    assert!(
        both.contains("<--secret-file <SECRET_FILE>|--secret-env <SECRET_ENV>>"),
        "{both}"
    );
}

/// Signs `body` with `sign`, then verifies the printed headers over
/// `received` with `verify`, both reading the one secret file with their
/// defaults.
fn sign_then_verify(
    scheme: &str,
    provider: &str,
    secret: &Path,
    body: &[u8],
    received: &[u8],
) -> Output {
    let signed = run(
        bin()
            .args([
                "sign",
                "--id",
                "msg_round_trip",
                "--timestamp",
                "1700000000",
                "--scheme",
                scheme,
                "--secret-file",
            ])
            .arg(secret),
        body,
    );
    let headers = String::from_utf8(signed.stdout).unwrap();
    assert_eq!(signed.status.code(), Some(0), "{headers}");
    let mut verify = bin();
    verify
        .args([
            "verify",
            "--provider",
            provider,
            "--now",
            "1700000010",
            "--secret-file",
        ])
        .arg(secret);
    for line in headers.lines() {
        verify.args(["-H", line]);
    }
    run(&mut verify, received)
}

#[test]
fn sign_and_verify_read_one_secret_file_alike() {
    let body = br#"{"type":"invoice.paid"}"#;

    // A custom scheme's secret is text for both commands.
    let text = scratch("custom.secret", b"a-custom-scheme-secret-of-32-bytes\n");
    let out = sign_then_verify("custom", "custom", &text, body, body);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("valid\tprovider=custom"), "{stdout}");
    let tampered = sign_then_verify("custom", "custom", &text, body, b"{}");
    assert_eq!(tampered.status.code(), Some(1));

    // A Standard Webhooks secret is `whsec_` base64 for both.
    let whsec = scratch(
        "round-trip.secret",
        b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
    );
    let out = sign_then_verify("standard-webhooks", "standard_webhooks", &whsec, body, body);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("delivery_id\tmsg_round_trip"), "{stdout}");

    // `--key-encoding` overrides the default on the signing side.
    let custom_b64 = run(
        bin()
            .args([
                "sign",
                "--id",
                "m",
                "--timestamp",
                "1700000000",
                "--scheme",
                "custom",
                "--key-encoding",
                "whsec_base64",
                "--secret-file",
            ])
            .arg(&whsec),
        body,
    );
    assert_eq!(custom_b64.status.code(), Some(0));
    let decoded = String::from_utf8(custom_b64.stdout).unwrap();
    let as_text = run(
        bin()
            .args([
                "sign",
                "--id",
                "m",
                "--timestamp",
                "1700000000",
                "--scheme",
                "custom",
                "--secret-file",
            ])
            .arg(&whsec),
        body,
    );
    assert_ne!(decoded, String::from_utf8(as_text.stdout).unwrap());
}

#[test]
fn millisecond_times_are_named_as_such() {
    let secret = scratch("ms.secret", b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    let sign = run(
        bin()
            .args([
                "sign",
                "--id",
                "m",
                "--timestamp",
                "1700000000000",
                "--secret-file",
            ])
            .arg(&secret),
        b"{}",
    );
    assert_eq!(sign.status.code(), Some(2));
    let stderr = String::from_utf8(sign.stderr).unwrap();
    assert!(stderr.contains("looks like milliseconds"), "{stderr}");

    let verify = run(
        bin()
            .args([
                "verify",
                "--provider",
                "standard_webhooks",
                "--now",
                "1700000000000",
                "--secret-file",
            ])
            .arg(&secret),
        b"{}",
    );
    assert_eq!(verify.status.code(), Some(2));
    let stderr = String::from_utf8(verify.stderr).unwrap();
    assert!(stderr.contains("looks like milliseconds"), "{stderr}");
}

#[test]
fn verify_answers_meta_subscription_gets_without_echoing_the_token() {
    let token = "my-chosen-verify-token-7Qx";
    let get = |query: &str| {
        let url = format!("https://127.0.0.1/meta?{query}");
        run(
            bin().args([
                "verify",
                "--provider",
                "meta",
                "--verify-token",
                token,
                "--method",
                "GET",
                "--url",
                &url,
            ]),
            b"",
        )
    };

    let ok = get(&format!(
        "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={token}"
    ));
    let stdout = String::from_utf8(ok.stdout).unwrap();
    assert_eq!(ok.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("handshake\tstatus=200\ttext/plain\t1158201444\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("handshake_header\tX-Content-Type-Options\tnosniff"),
        "{stdout}"
    );
    assert!(!stdout.contains(token), "{stdout}");

    let refused = get("hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess");
    assert_eq!(refused.status.code(), Some(1));
    let stdout = String::from_utf8(refused.stdout).unwrap();
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stdout.starts_with("refused\ttoken_mismatch\t"), "{stdout}");
    assert!(
        stdout.contains("does not match the configured token"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(token) && !stderr.contains(token),
        "{stdout}{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_non_utf8_secret_in_the_environment_is_not_echoed() {
    use std::os::unix::ffi::OsStrExt;

    let value = std::ffi::OsStr::from_bytes(b"SuperSecretValue123XYZ\xff");
    let out = run(
        bin()
            .args([
                "verify",
                "--provider",
                "github",
                "--secret-env",
                "WK_TEST_SECRET",
            ])
            .env("WK_TEST_SECRET", value),
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(!stderr.contains("SuperSecret"), "{stderr}");
}

#[test]
fn schedule_prints_the_preset_table_and_window() {
    let out = run(
        bin().args(["schedule", "--preset", "classic", "--jitter", "none"]),
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = stdout.lines().collect();
    // The widely published 10 s, 1 min, 5 min, 30 min, 2 h, 6 h.
    let delays: Vec<&str> = rows[2..9]
        .iter()
        .map(|r| r.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(delays, ["0s", "10s", "1m", "5m", "30m", "2h", "6h"]);
    assert_eq!(
        *rows.last().unwrap(),
        "7 attempts; last at 8h 36m 10s without jitter, 8h 36m 10s at worst; max age 1d"
    );

    let snake = run(bin().args(["schedule", "--preset", "stripe_like"]), b"");
    assert_eq!(snake.status.code(), Some(0));
    let unknown = run(bin().args(["schedule", "--preset", "nope"]), b"");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn retry_after_reports_the_delay_and_malformed_values() {
    let eval = |value: &str| {
        let out = run(
            bin().args([
                "retry-after",
                "--status",
                "429",
                "--scheduled",
                "10",
                "--cap",
                "3600",
                "--now",
                "1445412400",
                "--",
                value,
            ]),
            b"",
        );
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(eval("120"), "delay_s=120 malformed=false\n");
    // 2015-10-21 07:26:40 UTC is `now`: the date is 80 s later.
    assert_eq!(
        eval("Wed, 21 Oct 2015 07:28:00 GMT"),
        "delay_s=80 malformed=false\n"
    );
    assert_eq!(
        eval("Wednesday, 21-Oct-15 07:28:00 GMT"),
        "delay_s=80 malformed=false\n"
    );
    assert_eq!(
        eval("Wed Oct 21 07:28:00 2015"),
        "delay_s=80 malformed=false\n"
    );
    assert_eq!(eval("99999"), "delay_s=3600 malformed=false\n");
    for bad in ["-5", "1.5", "soon", "+3", ""] {
        assert_eq!(eval(bad), "delay_s=10 malformed=true\n", "{bad:?}");
    }
}
