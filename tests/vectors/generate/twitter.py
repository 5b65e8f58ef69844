"""X (Twitter) Account Activity webhooks.

- Challenge-Response Check: a GET with a `crc_token` query parameter; the
  endpoint answers 200 with the JSON {"response_token": "sha256=<base64>"},
  the base64 of HMAC-SHA256 over the crc_token under the app's consumer
  secret (API secret key, as text).
- Events: POST with `x-twitter-webhooks-signature: sha256=<base64>`, the
  HMAC-SHA256 of the raw body under the same consumer secret. No timestamp.

Scheme: https://docs.x.com/x-api/webhooks/quickstart (sections "The CRC
check" and "Webhook security") and
https://developer.x.com/en/docs/twitter-api/enterprise/account-activity-api/guides/securing-webhooks.
X publishes no worked example with its output; the inputs of the
`crc from the X developer gist's inputs` case are the example consumer secret
and token of X's developer-relations gist
(https://gist.github.com/jcipriano/373d4d441e8041f775b6227c0e2fd1f3), whose
output is computed here.
"""
import base64
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "twitter.json"
DOCS = "https://docs.x.com/x-api/webhooks/quickstart (The CRC check; Webhook security)"
GIST = "inputs from https://gist.github.com/jcipriano/373d4d441e8041f775b6227c0e2fd1f3 (X developer relations CRC example); output computed here"
HEADER = "x-twitter-webhooks-signature"

SECRET = "Xq3vT9pLm2RkA7sWdF4hJ8nBc6YeUz1GoK5iVtQx0MwNrPa"
BODY = '{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1733000000000000001","text":"hello \u2603 world","user":{"id_str":"6253282","screen_name":"XDevelopers"}}]}'


def b64mac(secret, message):
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def crc(name, token, secret=SECRET, source=DOCS, **extra):
    c = {
        "provider": "twitter",
        "name": name,
        "expected": "valid",
        "secret": secret,
        "secret_encoding": "utf8",
        "method": "GET",
        "params": [["crc_token", token]],
        "headers": [],
        "now_unix": None,
        "expected_response": {"response_token": "sha256=" + b64mac(secret, token)},
    }
    c.update(extra)
    c["origin"] = "constructed"
    c["source"] = source
    return c


def event(name, expected, headers, body=BODY, secret=SECRET, **extra):
    c = {
        "provider": "twitter",
        "name": name,
        "expected": expected,
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": headers,
        "body": body,
        "now_unix": None,
    }
    c.update(extra)
    c["origin"] = "constructed"
    c["source"] = DOCS
    return c


good = "sha256=" + b64mac(SECRET, BODY)
hex_sig = "sha256=" + hmac.new(SECRET.encode(), BODY.encode(), hashlib.sha256).hexdigest()
cases = [
    crc("crc answered with response_token", "challenge_string_7f3a9c"),
    crc("crc token with characters escaped in the query", "a+b/c=d&e f",
        notes="the query carries the token percent-encoded; the HMAC covers the decoded token"),
    crc("crc from the X developer gist's inputs", "9b4507b3-9040-4669-9ca3-6b94edb50553",
        secret="z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu", source=GIST),
    {
        "provider": "twitter",
        "name": "GET without crc_token",
        "expected": "invalid_challenge",
        "secret": SECRET,
        "secret_encoding": "utf8",
        "method": "GET",
        "params": [["nonce", "1"]],
        "headers": [],
        "now_unix": None,
        "origin": "constructed",
        "source": DOCS,
    },
    {
        "provider": "twitter",
        "name": "GET with an empty crc_token",
        "expected": "invalid_challenge",
        "secret": SECRET,
        "secret_encoding": "utf8",
        "method": "GET",
        "params": [["crc_token", ""]],
        "headers": [],
        "now_unix": None,
        "origin": "constructed",
        "source": DOCS,
    },
    event("event signature valid", "valid", [[HEADER, good]]),
    event("header name in any case", "valid", [["X-Twitter-Webhooks-Signature", good]]),
    event("tampered body", "signature_mismatch", [[HEADER, good]], BODY.replace("hello", "hullo")),
    event("wrong consumer secret", "signature_mismatch", [[HEADER, good]], secret="not-the-consumer-secret"),
    event("missing header", "missing_header", []),
    event("no sha256= prefix", "malformed_header", [[HEADER, good[len("sha256="):]]], also_ok=["signature_mismatch"]),
    event("hex instead of base64", "malformed_header", [[HEADER, hex_sig]], also_ok=["signature_mismatch"]),
    event("signature not base64", "malformed_header", [[HEADER, "sha256=@@@@"]], also_ok=["signature_mismatch"]),
    event("empty secret", "invalid_secret", [[HEADER, good]], secret=""),
    event("secret padded with whitespace", "invalid_secret", [[HEADER, good]], secret=" " + SECRET),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
