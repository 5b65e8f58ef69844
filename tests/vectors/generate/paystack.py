"""Conformance vectors for Paystack webhooks, recomputed with the standard library.

Scheme: `x-paystack-signature` is the lowercase hex HMAC-SHA512 of the raw
body, keyed with the integration's secret key (`sk_test_...`, `sk_live_...`)
as text. No timestamp.

Paystack publishes no worked example with a signature value, so every case
here is constructed.

Run from the repository root: python3 tests/vectors/generate/paystack.py
"""

import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "paystack.json"

SOURCE = (
    "PaystackOSS/doc-code-snippets src/doc/payments/webhooks/verifying-transaction/index.js "
    "(createHmac('sha512', secret).update(rawBody).digest('hex') against x-paystack-signature; the code samples of Paystack's webhook docs)"
)
HEADER = "x-paystack-signature"
SECRET = "sk_test_constructed0000000000000000000000000"
BODY = (
    '{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success",'
    '"reference":"qTPrJoy9Bx","amount":10000,"currency":"NGN"}}'
)


def sign(secret: str, body: str, digest=hashlib.sha512) -> str:
    return hmac.new(secret.encode(), body.encode(), digest).hexdigest()


SIG = sign(SECRET, BODY)


def case(name, expected, headers, body=BODY, secret=SECRET, also_ok=None, notes=None,
         source=SOURCE):
    c = {"provider": "paystack", "name": name, "expected": expected}
    if also_ok:
        c["also_ok"] = also_ok
    c.update({
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": headers,
        "body": body,
        "now_unix": None,
        "origin": "constructed",
        "source": source,
    })
    if notes:
        c["notes"] = notes
    return c


cases = [
    case("valid", "valid", [[HEADER, SIG], ["Content-Type", "application/json"]]),
    case("header_name_in_other_case", "valid", [["X-Paystack-Signature", SIG]]),
    case("uppercase_hex", "valid", [[HEADER, SIG.upper()]],
         notes="crate policy: hex is decoded before comparing"),
    case("tampered_body", "signature_mismatch", [[HEADER, SIG]],
         body=BODY.replace("10000", "1000000")),
    case("wrong_secret", "signature_mismatch", [[HEADER, SIG]],
         secret="sk_test_constructed0000000000000000000000001"),
    case("public_key_instead_of_secret_key", "signature_mismatch",
         [[HEADER, sign("pk_test_constructed0000000000000000000000000", BODY)]],
         notes="signed with another key than the configured secret key"),
    case("missing_header", "missing_header", [["Content-Type", "application/json"]]),
    case("sha256_digest_instead_of_sha512", "malformed_header",
         [[HEADER, sign(SECRET, BODY, hashlib.sha256)]], also_ok=["signature_mismatch"],
         notes="64 hex digits where SHA-512 gives 128"),
    case("not_hex", "malformed_header", [[HEADER, "g" * 128]], also_ok=["signature_mismatch"]),
    case("empty_signature", "malformed_header", [[HEADER, ""]],
         also_ok=["signature_mismatch", "missing_header"]),
    case("empty_secret", "invalid_secret", [[HEADER, SIG]], secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("secret_padded_with_whitespace", "invalid_secret", [[HEADER, SIG]],
         secret=SECRET + " ", source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
