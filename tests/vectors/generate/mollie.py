"""Conformance vectors for Mollie next-gen webhooks, recomputed with the standard library.

Scheme (mollie/mollie-api-php src/Webhooks/SignatureValidator.php): the
`X-Mollie-Signature` header holds `sha256=` and the lowercase hex
HMAC-SHA256 of the raw body, keyed with the webhook's signing secret as
text. The SDK strips the prefix when present, accepts the bare digest,
and checks every value of the header. No timestamp.

Classic ("legacy") Mollie webhooks are unsigned form posts (`id=tr_...`);
they carry no header and are refused here as missing_header.

The SDK's tests give a secret and a payload but compute the signature at
run time, so the cases below are constructed from them.

Run from the repository root: python3 tests/vectors/generate/mollie.py
"""

import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "mollie.json"

SDK = "mollie/mollie-api-php src/Webhooks/SignatureValidator.php and tests/Webhooks/SignatureValidatorTest.php"
DOCS = "https://docs.mollie.com/reference/webhooks-best-practices (How to verify HMAC signature)"
SOURCE = SDK + "; " + DOCS
HEADER = "X-Mollie-Signature"
SECRET = "test_webhook_secret"  # the SDK test's SIGNING_SECRET
BODY = '{"id":"tr_12345","event_type":"payment-link.paid"}'  # the SDK test's PAYLOAD


def sign(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


SIG = sign(SECRET, BODY)


def case(name, expected, headers, body=BODY, secret=SECRET, also_ok=None, notes=None,
         source=SOURCE):
    c = {"provider": "mollie", "name": name, "expected": expected}
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
    case("sdk_fixture_with_prefix", "valid", [[HEADER, "sha256=" + SIG]]),
    case("sdk_fixture_bare_digest", "valid", [[HEADER, SIG]],
         notes="the SDK strips `sha256=` only when present"),
    case("one_of_several_header_values", "valid",
         [[HEADER, "sha256=" + "0" * 64], [HEADER, "sha256=" + SIG]],
         notes="the SDK accepts any one valid value of the header"),
    case("sdk_alternate_secret_is_wrong", "signature_mismatch", [[HEADER, "sha256=" + SIG]],
         secret="alternate_webhook_secret"),
    case("tampered_body", "signature_mismatch", [[HEADER, "sha256=" + SIG]],
         body=BODY.replace("paid", "expired")),
    case("legacy_unsigned_webhook", "missing_header",
         [["Content-Type", "application/x-www-form-urlencoded"]], body="id=tr_12345",
         notes="classic webhooks carry only the resource id and are not signed"),
    case("not_hex", "malformed_header", [[HEADER, "sha256=" + "x" * 64]],
         also_ok=["signature_mismatch"]),
    case("other_algorithm_prefix", "malformed_header",
         [[HEADER, "sha512=" + SIG]], also_ok=["signature_mismatch"],
         notes="only `sha256=` is a Mollie prefix"),
    case("invalid_signature_word", "malformed_header", [[HEADER, "invalid_signature"]],
         also_ok=["signature_mismatch"], source=SDK + " (throws_exception_for_invalid_signature)"),
    case("empty_secret", "invalid_secret", [[HEADER, "sha256=" + SIG]], secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("secret_padded_with_whitespace", "invalid_secret", [[HEADER, "sha256=" + SIG]],
         secret=SECRET + "\t", source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
