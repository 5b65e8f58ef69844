"""Conformance vectors for Webflow webhooks, recomputed with the standard library.

Scheme: `x-webflow-timestamp` holds unix milliseconds; `x-webflow-signature`
is the lowercase hex HMAC-SHA256 of `{timestamp}:{raw body}`, keyed with the
OAuth application's client secret as text. Webflow rejects requests older
than five minutes; this crate applies the 300 s window both ways.

Webflow's docs show a timestamp and a signature but not the body or secret
behind them, so every case here is constructed.

Run from the repository root: python3 tests/vectors/generate/webflow.py
"""

import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "webflow.json"

SOURCE = (
    "https://developers.webflow.com/docs/verifying-webhook-signatures; "
    "https://developers.webflow.com/data/changelog/webhook-signatures"
)
TS_HEADER = "x-webflow-timestamp"
SIG_HEADER = "x-webflow-signature"
SECRET = "constructed-oauth-client-secret-5d0e3f"
BODY = (
    '{"triggerType":"form_submission","payload":{"name":"Contact Us",'
    '"siteId":"65427cf400e02b306eaa049c","data":{"First Name":"Zaphod","email":"zaphod@example.com"}}}'
)
NOW = 1_700_000_000
TS = NOW * 1000 - 250  # a quarter second before the verifier's clock


def sign(secret: str, ts: str, body: str) -> str:
    return hmac.new(secret.encode(), f"{ts}:{body}".encode(), hashlib.sha256).hexdigest()


def headers(ts, sig):
    return [["Content-Type", "application/json"], [TS_HEADER, str(ts)], [SIG_HEADER, sig]]


def case(name, expected, hdrs, body=BODY, secret=SECRET, now=NOW, also_ok=None, notes=None,
         source=SOURCE, options=None):
    c = {"provider": "webflow", "name": name, "expected": expected}
    if also_ok:
        c["also_ok"] = also_ok
    c.update({
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": hdrs,
        "body": body,
        "now_unix": now,
    })
    if options:
        c["options"] = options
    c.update({"origin": "constructed", "source": source})
    if notes:
        c["notes"] = notes
    return c


SIG = sign(SECRET, str(TS), BODY)
old_ts = (NOW - 301) * 1000
future_ts = (NOW + 301) * 1000
edge_ts = (NOW - 300) * 1000
seconds_ts = NOW

cases = [
    case("valid", "valid", headers(TS, SIG)),
    case("uppercase_hex", "valid", headers(TS, SIG.upper()),
         notes="crate policy: hex is decoded before comparing"),
    case("exactly_300_s_old", "valid", headers(edge_ts, sign(SECRET, str(edge_ts), BODY)),
         notes="the window is inclusive"),
    case("timestamp_too_old", "timestamp_too_old",
         headers(old_ts, sign(SECRET, str(old_ts), BODY))),
    case("timestamp_in_future", "timestamp_in_future",
         headers(future_ts, sign(SECRET, str(future_ts), BODY)),
         notes="crate policy: the window is symmetric"),
    case("wider_tolerance_accepts_old", "valid",
         headers(old_ts, sign(SECRET, str(old_ts), BODY)), options={"tolerance_s": 600}),
    case("seconds_instead_of_milliseconds", "timestamp_too_old",
         headers(seconds_ts, sign(SECRET, str(seconds_ts), BODY)), also_ok=["malformed_header"],
         notes="a seconds value read as milliseconds is a time in January 1970"),
    case("timestamp_changed_after_signing", "signature_mismatch", headers(TS + 1, SIG)),
    case("tampered_body", "signature_mismatch", headers(TS, SIG),
         body=BODY.replace("Zaphod", "Arthur")),
    case("wrong_secret", "signature_mismatch", headers(TS, SIG),
         secret="constructed-oauth-client-secret-5d0e3g"),
    case("signed_without_timestamp", "signature_mismatch",
         headers(TS, hmac.new(SECRET.encode(), BODY.encode(), hashlib.sha256).hexdigest()),
         notes="HMAC of the body alone; Webflow signs `{timestamp}:{body}`"),
    case("missing_signature", "missing_header",
         [["Content-Type", "application/json"], [TS_HEADER, str(TS)]],
         notes="webhooks created in the site dashboard or with a site token carry no signature"),
    case("missing_timestamp", "missing_header",
         [["Content-Type", "application/json"], [SIG_HEADER, SIG]]),
    case("timestamp_with_fraction", "malformed_header",
         headers(f"{TS / 1000:.3f}", sign(SECRET, f"{TS / 1000:.3f}", BODY))),
    case("negative_timestamp", "malformed_header", headers(f"-{TS}", sign(SECRET, f"-{TS}", BODY))),
    case("not_hex", "malformed_header", headers(TS, "q" * 64), also_ok=["signature_mismatch"]),
    case("empty_secret", "invalid_secret", headers(TS, SIG), secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("secret_padded_with_whitespace", "invalid_secret", headers(TS, SIG), secret=SECRET + " ",
         source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
