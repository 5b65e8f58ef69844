"""DocuSign Connect HMAC: one header per active Connect key,
X-DocuSign-Signature-1, X-DocuSign-Signature-2, ..., each the base64 of
HMAC-SHA256 over the whole raw body, keyed with the key's text (UTF-8).
No timestamp.

Scheme: https://developers.docusign.com/platform/webhooks/connect/validate
(compute the HMAC of the entire body, base64-encode, compare with each
x-docusign-signature header) and
https://developers.docusign.com/platform/webhooks/connect/hmac.
DocuSign publishes no worked example with a key and its signature.
"""
import base64
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "docusign.json"
DOCS = "https://developers.docusign.com/platform/webhooks/connect/validate (How to validate an HMAC signature)"

KEY1 = "dHBnR0xvS0ZzS2RwT2tqQzZFb1dvSmxCbW1ZMGRvaWU="
KEY2 = "u5T4kqv0XbQm1yQeLz8WcN2pAf7HsJ3dGr6EiMoYwKc="
BODY = '{"event":"envelope-completed","apiVersion":"v2.1","uri":"/restapi/v2.1/accounts/0a1b/envelopes/93be49ab","retryCount":0,"configurationId":10418,"generatedDateTime":"2026-12-01T10:00:00.0000000Z","data":{"accountId":"0a1b","userId":"5c6d","envelopeId":"93be49ab-afa0-4adf-933c-f752070d71ec"}}\r\n'


def sig(key, body):
    return base64.b64encode(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()).decode()


def case(name, expected, headers, body=BODY, secret=KEY1, **extra):
    c = {
        "provider": "docusign",
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


s1, s2 = sig(KEY1, BODY), sig(KEY2, BODY)
H = "X-DocuSign-Signature-"
cases = [
    case("valid, one key", "valid", [[H + "1", s1]],
         notes="the key text is the HMAC key as it is (it looks like base64 but is not decoded)"),
    case("two keys, configured key signs header 1", "valid", [[H + "1", s1], [H + "2", s2]]),
    case("two keys, configured key signs header 2", "valid", [[H + "1", s1], [H + "2", s2]], secret=KEY2),
    case("lowercase header names", "valid", [["x-docusign-signature-1", s2], ["x-docusign-signature-2", s1]]),
    case("the body's trailing CRLF is signed", "signature_mismatch", [[H + "1", s1]], BODY.rstrip("\r\n")),
    case("tampered body", "signature_mismatch", [[H + "1", s1]], BODY.replace("envelope-completed", "envelope-voided")),
    case("wrong key", "signature_mismatch", [[H + "1", s1]], secret="not-the-connect-key"),
    case("base64-decoded key is not the key", "signature_mismatch",
         [[H + "1", sig(base64.b64decode(KEY1).decode(), BODY)]]),
    case("missing signature headers", "missing_header", [["X-Authorization-Digest", "HMACSHA256"]]),
    case("signature not base64", "malformed_header", [[H + "1", "not base64!"]], also_ok=["signature_mismatch"]),
    case("signature of the wrong length", "malformed_header", [[H + "1", base64.b64encode(b"short").decode()]],
         also_ok=["signature_mismatch"]),
    case("one malformed, one good", "valid", [[H + "1", "%%%"], [H + "2", s1]]),
    case("empty key", "invalid_secret", [[H + "1", s1]], secret=""),
    case("key padded with whitespace", "invalid_secret", [[H + "1", s1]], secret=" " + KEY1,
         notes="crate policy: a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
