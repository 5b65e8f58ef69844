"""Asana webhooks.

- Handshake: when a webhook is created, Asana POSTs to the target with an
  `X-Hook-Secret` header; the target answers 200 (or 204) carrying the same
  `X-Hook-Secret` header. The handshake is not signed.
- Events: `X-Hook-Signature` holds the hex HMAC-SHA256 of the raw body,
  keyed with the X-Hook-Secret value from the handshake (its text).
  No timestamp.

Sources: https://developers.asana.com/reference/createwebhook (the
handshake, with a published X-Hook-Secret exchange) and
https://developers.asana.com/docs/webhooks-guide (Security: X-Hook-Signature
is the SHA256 HMAC of the request body under the secret). Asana publishes no
signed event example.

A handshake's `expected_response` is {"headers": {name: value}}: the reply
header the endpoint must send (the body is empty).
"""
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "asana.json"
CREATE = "https://developers.asana.com/reference/createwebhook (Establish a webhook: handshake example)"
GUIDE = "https://developers.asana.com/docs/webhooks-guide (Security: X-Hook-Signature)"

PUBLISHED_SECRET = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81"
STORED = "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0"
BODY = '{"events":[{"user":{"gid":"1201234567890","resource_type":"user"},"created_at":"2026-12-01T10:00:00.000Z","action":"changed","resource":{"gid":"1209876543210","resource_type":"task"},"parent":null,"change":{"field":"name","action":"changed"}}]}'


def sig(secret, body):
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def case(name, expected, headers, body=BODY, secret=PUBLISHED_SECRET, origin="constructed", source=GUIDE, **extra):
    c = {
        "provider": "asana",
        "name": name,
        "expected": expected,
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": headers,
        "body": body,
        "now_unix": None,
    }
    c.update(extra)
    c["origin"] = origin
    c["source"] = source
    return c


good = sig(PUBLISHED_SECRET, BODY)
cases = [
    case("handshake echoes X-Hook-Secret (docs example)", "valid",
         [["X-Hook-Secret", PUBLISHED_SECRET]], "", STORED, "published", CREATE,
         expected_response={"headers": {"X-Hook-Secret": PUBLISHED_SECRET}},
         notes="unsigned: any configured secret answers it; the application decides whether a webhook creation is in flight"),
    case("handshake with a lowercase header name", "valid",
         [["x-hook-secret", STORED]], "", STORED, "constructed", CREATE,
         expected_response={"headers": {"X-Hook-Secret": STORED}}),
    case("handshake with an empty X-Hook-Secret", "invalid_challenge",
         [["X-Hook-Secret", ""]], "", STORED, "constructed", CREATE),
    case("event signed with the handshake secret", "valid", [["X-Hook-Signature", good]]),
    case("heartbeat with no events", "valid", [["X-Hook-Signature", sig(PUBLISHED_SECRET, '{"events":[]}')]], '{"events":[]}'),
    case("uppercase hex", "valid", [["X-Hook-Signature", good.upper()]],
         notes="crate policy: hex is decoded before comparing"),
    case("tampered body", "signature_mismatch", [["X-Hook-Signature", good]], BODY.replace('"changed"', '"added"', 1)),
    case("wrong secret", "signature_mismatch", [["X-Hook-Signature", good]], secret=STORED),
    case("neither header", "missing_header", []),
    case("signature not hex", "malformed_header", [["X-Hook-Signature", "g" * 64]], also_ok=["signature_mismatch"]),
    case("signature too short", "malformed_header", [["X-Hook-Signature", good[:40]]], also_ok=["signature_mismatch"]),
    case("signature present: an X-Hook-Secret beside it is not a handshake", "signature_mismatch",
         [["X-Hook-Secret", PUBLISHED_SECRET], ["X-Hook-Signature", sig(STORED, BODY)]],
         notes="only the unsigned first request is a handshake"),
    case("empty secret", "invalid_secret", [["X-Hook-Signature", good]], secret=""),
    case("secret padded with whitespace", "invalid_secret", [["X-Hook-Signature", good]], secret=PUBLISHED_SECRET + " "),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
