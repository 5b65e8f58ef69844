"""Conformance vectors for Zendesk webhooks, recomputed with the standard library.

Scheme (https://developer.zendesk.com/documentation/webhooks/verifying/):
`X-Zendesk-Webhook-Signature` is the standard base64 of the HMAC-SHA256 of
`X-Zendesk-Webhook-Signature-Timestamp` followed directly by the raw body,
keyed with the webhook's signing secret as text. The timestamp is an
RFC 3339 UTC time. Zendesk names no tolerance: this crate applies its
300 s default both ways. Requests without a body (GET, DELETE) sign the
timestamp alone.

The secret `dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==` is the one the
Zendesk page uses in its example; the page gives no signature value, so
every case here is constructed.

Run from the repository root: python3 tests/vectors/generate/zendesk.py
"""

import base64
import hashlib
import hmac
import json
import pathlib
from datetime import datetime, timedelta, timezone

OUT = pathlib.Path(__file__).resolve().parent.parent / "zendesk.json"

SOURCE = "https://developer.zendesk.com/documentation/webhooks/verifying/ (base64(HMACSHA256(TIMESTAMP + BODY)))"
SIG_HEADER = "X-Zendesk-Webhook-Signature"
TS_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
DOC_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
SECRET = "constructed-zendesk-signing-secret-7Yq2"
BODY = '{"type":"zen:event-type:ticket.created","id":"2b2f8b0b","detail":{"id":"35436","subject":"Help"}}'
NOW = 1_780_000_000


def rfc3339(unix):
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


TS = rfc3339(NOW - 1)
OFFSET_TS = datetime.fromtimestamp(NOW - 1, timezone(timedelta(hours=2))).isoformat()


def sign(secret: str, ts: str, body: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), ts.encode() + body.encode(),
                                     hashlib.sha256).digest()).decode()


def headers(ts, sig):
    h = [["Content-Type", "application/json"]]
    if sig is not None:
        h.append([SIG_HEADER, sig])
    if ts is not None:
        h.append([TS_HEADER, ts])
    return h


def case(name, expected, hdrs, body=BODY, secret=SECRET, now=NOW, also_ok=None, notes=None,
         source=SOURCE, method=None):
    c = {"provider": "zendesk", "name": name, "expected": expected}
    if also_ok:
        c["also_ok"] = also_ok
    c.update({"secret": secret, "secret_encoding": "utf8"})
    if method:
        c["method"] = method
    c.update({"headers": hdrs, "body": body, "now_unix": now,
              "origin": "constructed", "source": source})
    if notes:
        c["notes"] = notes
    return c


SIG = sign(SECRET, TS, BODY)
old, future, edge = rfc3339(NOW - 301), rfc3339(NOW + 301), rfc3339(NOW - 300)

cases = [
    case("valid", "valid", headers(TS, SIG)),
    case("docs_example_secret", "valid", headers(TS, sign(DOC_SECRET, TS, BODY)), secret=DOC_SECRET,
         notes="the secret is used as text, not base64-decoded"),
    case("docs_secret_decoded_is_wrong", "signature_mismatch",
         headers(TS, base64.b64encode(hmac.new(base64.b64decode(DOC_SECRET), (TS + BODY).encode(),
                                               hashlib.sha256).digest()).decode()),
         secret=DOC_SECRET, notes="signed with the base64-decoded secret"),
    case("body_then_timestamp_is_wrong", "signature_mismatch",
         headers(TS, base64.b64encode(hmac.new(SECRET.encode(), (BODY + TS).encode(),
                                               hashlib.sha256).digest()).decode()),
         notes="the documented order is timestamp, then body"),
    case("request_without_body", "valid", headers(TS, sign(SECRET, TS, "")), body="", method="DELETE",
         notes="GET and DELETE webhooks sign the timestamp alone"),
    case("exactly_300_s_old", "valid", headers(edge, sign(SECRET, edge, BODY))),
    case("timestamp_too_old", "timestamp_too_old", headers(old, sign(SECRET, old, BODY))),
    case("timestamp_in_future", "timestamp_in_future", headers(future, sign(SECRET, future, BODY)),
         notes="crate policy: the window is symmetric"),
    case("offset_timestamp", "valid", headers(OFFSET_TS, sign(SECRET, OFFSET_TS, BODY)),
         notes="the same instant as `valid`, written with a +02:00 offset"),
    case("tampered_body", "signature_mismatch", headers(TS, SIG), body=BODY.replace("Help", "Refund")),
    case("timestamp_changed_after_signing", "signature_mismatch", headers(rfc3339(NOW), SIG)),
    case("wrong_secret", "signature_mismatch", headers(TS, SIG), secret=SECRET + "x"),
    case("missing_signature", "missing_header", headers(TS, None)),
    case("missing_timestamp", "missing_header", headers(None, SIG)),
    case("unix_timestamp", "malformed_header", headers(str(NOW), sign(SECRET, str(NOW), BODY)),
         notes="Zendesk sends an RFC 3339 time"),
    case("hex_signature", "malformed_header",
         headers(TS, hmac.new(SECRET.encode(), (TS + BODY).encode(), hashlib.sha256).hexdigest()),
         also_ok=["signature_mismatch"]),
    case("empty_secret", "invalid_secret", headers(TS, SIG), secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("secret_padded_with_whitespace", "invalid_secret", headers(TS, SIG), secret=" " + SECRET,
         source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
