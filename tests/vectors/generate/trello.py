"""Trello webhooks: `X-Trello-Webhook` holds the base64 of HMAC-SHA1 over
the raw body followed by the callbackURL exactly as given when the webhook
was created, keyed with the application's OAuth secret (its text).
No timestamp. Creating a webhook sends a HEAD request to the callbackURL,
which must answer 200.

Sources: https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/
(Creating a Webhook: the HEAD check; Webhook Signatures: base64 HMAC-SHA1 of
body + callbackURL under the application secret). Trello's older page
(https://developers.trello.com/page/webhooks, as quoted in
https://ask.csdn.net/questions/1020047) adds that Trello's Node signer
treats the signed text as a "binary" string: each UTF-16 code unit is cut
to its low 8 bits (an en dash U+2013 is signed as the byte 0x13). The
`binary form` cases below sign that way; this crate accepts both forms.
Trello publishes no worked example with its output.
"""
import base64
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "trello.json"
DOCS = "https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/ (Webhook Signatures)"
BINARY = "https://developers.trello.com/page/webhooks (signed text treated as a binary string), quoted in https://ask.csdn.net/questions/1020047"

SECRET = "9f4c1e6a2b7d8e0f3a5c7b9d1e2f4a6c8b0d2e4f6a8c0e2b4d6f8a0c2e4b6d8f"
URL = "https://example.com/trello/callback?board=5a1b"
BODY = '{"action":{"id":"5f1e2d3c4b5a69788796a5b4","type":"updateCard","data":{"card":{"id":"5f00","name":"Ship it"}}},"model":{"id":"5a1b","name":"Roadmap"}}'
UNICODE_BODY = '{"action":{"type":"commentCard","data":{"text":"Done \u2013 shipped \u2603 \U0001F680"}},"model":{"id":"5a1b"}}'
H = "X-Trello-Webhook"


def utf8_form(text):
    return text.encode("utf-8")


def binary_form(text):
    # Node's Buffer.from(string, "binary"): each UTF-16 code unit, low byte.
    units = text.encode("utf-16-le")
    return bytes(units[i] for i in range(0, len(units), 2))


def sig(secret, body, url, form=utf8_form):
    return base64.b64encode(hmac.new(secret.encode(), form(body + url), hashlib.sha1).digest()).decode()


assert binary_form("\u2013") == b"\x13"


def case(name, expected, headers, body=BODY, url=URL, secret=SECRET, source=DOCS, **extra):
    c = {
        "provider": "trello",
        "name": name,
        "expected": expected,
        "secret": secret,
        "secret_encoding": "utf8",
        "url": url,
        "headers": headers,
        "body": body,
        "now_unix": None,
    }
    c.update(extra)
    c["origin"] = "constructed"
    c["source"] = source
    return c


good = sig(SECRET, BODY, URL)
cases = [
    case("valid", "valid", [[H, good]]),
    case("lowercase header name", "valid", [["x-trello-webhook", good]]),
    case("non-ASCII body, binary form (Trello's Node signer)", "valid",
         [[H, sig(SECRET, UNICODE_BODY, URL, binary_form)]], UNICODE_BODY, source=BINARY),
    case("non-ASCII body, UTF-8 form", "valid", [[H, sig(SECRET, UNICODE_BODY, URL)]], UNICODE_BODY,
         notes="crate policy: the UTF-8 bytes are tried first, then the binary form"),
    case("non-ASCII body changed in a way the binary form does not see", "valid",
         [[H, sig(SECRET, UNICODE_BODY, URL, binary_form)]], UNICODE_BODY.replace("\u2013", "\u0113"), source=BINARY,
         notes="U+2013 and U+0113 share their low byte 0x13: a weakness of Trello's binary form, listed in the README"),
    case("tampered body", "signature_mismatch", [[H, good]], BODY.replace("Ship it", "Ship it!")),
    case("URL with a trailing slash differs", "signature_mismatch", [[H, good]],
         url="https://example.com/trello/callback/?board=5a1b"),
    case("URL query differs", "signature_mismatch", [[H, good]], url="https://example.com/trello/callback?board=5a1c"),
    case("wrong secret", "signature_mismatch", [[H, good]], secret="an-api-key-is-not-the-secret"),
    case("missing header", "missing_header", []),
    case("signature not base64", "malformed_header", [[H, "!!!"]], also_ok=["signature_mismatch"]),
    case("HMAC-SHA256 length instead of SHA-1", "malformed_header",
         [[H, base64.b64encode(hmac.new(SECRET.encode(), (BODY + URL).encode(), hashlib.sha256).digest()).decode()]],
         also_ok=["signature_mismatch"]),
    case("HEAD check on webhook creation answered 200", "valid", [], "", method="HEAD",
         expected_response="", notes="unsigned; the reply is an empty 200"),
    case("empty secret", "invalid_secret", [[H, good]], secret=""),
    case("secret padded with whitespace", "invalid_secret", [[H, good]], secret=SECRET + " "),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
