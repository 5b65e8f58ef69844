"""Conformance vectors for GoCardless webhooks, recomputed with the standard library.

Scheme (GoCardless client libraries, e.g. gocardless-pro-ruby
lib/gocardless_pro/webhook.rb): `Webhook-Signature` is the lowercase hex
HMAC-SHA256 of the raw body, keyed with the webhook endpoint secret as text.
No timestamp.

Run from the repository root: python3 tests/vectors/generate/gocardless.py
"""

import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "gocardless.json"

SDK = (
    "gocardless/gocardless-pro-ruby spec/webhook_spec.rb and "
    "gocardless/gocardless-pro-python tests/webhooks_test.py"
)
DOCS = "https://developer.gocardless.com/getting-started/stay-up-to-date-with-webhooks-v2"
LIB = DOCS + "; gocardless/gocardless-pro-ruby lib/gocardless_pro/webhook.rb (OpenSSL::HMAC.hexdigest sha256 of the body)"

# The SDKs' test fixture: two events, as one line of JSON.
SDK_SECRET = "ED7D658C-D8EB-4941-948B-3973214F2D49"
SDK_BODY = (
    '{"events":[{"id":"EV00BD05S5VM2T","created_at":"2018-07-05T09:13:51.404Z",'
    '"resource_type":"subscriptions","action":"created","links":{"subscription":'
    '"SB0003JJQ2MR06"},"details":{"origin":"api","cause":"subscription_created",'
    '"description":"Subscription created via the API."},"metadata":{}},'
    '{"id":"EV00BD05TB8K63","created_at":"2018-07-05T09:13:56.893Z","resource_type":'
    '"mandates","action":"created","links":{"mandate":"MD000AMA19XGEC"},"details":'
    '{"origin":"api","cause":"mandate_created","description":"Mandate created via '
    'the API."},"metadata":{}}]}'
)
SDK_SIGNATURE = "2693754819d3e32d7e8fcb13c729631f316c6de8dc1cf634d6527f1c07276e7e"

HEADER = "Webhook-Signature"


def sign(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


assert sign(SDK_SECRET, SDK_BODY) == SDK_SIGNATURE, "the SDK example no longer recomputes"


def case(name, expected, headers, body=SDK_BODY, secret=SDK_SECRET, origin="constructed",
         source=LIB, also_ok=None, notes=None):
    c = {
        "provider": "gocardless",
        "name": name,
        "expected": expected,
    }
    if also_ok:
        c["also_ok"] = also_ok
    c.update({
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": headers,
        "body": body,
        "now_unix": None,
        "origin": origin,
        "source": source,
    })
    if notes:
        c["notes"] = notes
    return c


OWN_SECRET = "constructed-endpoint-secret-0001"
OWN_BODY = '{"events":[{"id":"EV123","resource_type":"payments","action":"confirmed","links":{"payment":"PM123"}}]}'
OWN_SIG = sign(OWN_SECRET, OWN_BODY)

cases = [
    case("sdk_example", "valid", [[HEADER, SDK_SIGNATURE]], origin="published", source=SDK),
    case("sdk_example_wrong_secret", "signature_mismatch", [[HEADER, SDK_SIGNATURE]],
         secret="foo", origin="published", source=SDK + " (the 'foo' secret of the negative test)"),
    case("constructed_valid", "valid", [[HEADER, OWN_SIG]], body=OWN_BODY, secret=OWN_SECRET),
    case("lowercase_header_name", "valid", [["webhook-signature", OWN_SIG]], body=OWN_BODY,
         secret=OWN_SECRET),
    case("uppercase_hex", "valid", [[HEADER, OWN_SIG.upper()]], body=OWN_BODY, secret=OWN_SECRET,
         notes="crate policy: hex is decoded before comparing"),
    case("tampered_body", "signature_mismatch", [[HEADER, OWN_SIG]],
         body=OWN_BODY.replace("confirmed", "failed"), secret=OWN_SECRET),
    case("wrong_secret", "signature_mismatch", [[HEADER, OWN_SIG]], body=OWN_BODY,
         secret="constructed-endpoint-secret-0002"),
    case("missing_header", "missing_header", [["Content-Type", "application/json"]],
         body=OWN_BODY, secret=OWN_SECRET),
    case("not_hex", "malformed_header", [[HEADER, "z" * 64]], body=OWN_BODY, secret=OWN_SECRET,
         also_ok=["signature_mismatch"]),
    case("truncated_signature", "malformed_header", [[HEADER, OWN_SIG[:40]]], body=OWN_BODY,
         secret=OWN_SECRET, also_ok=["signature_mismatch"]),
    case("sha256_prefix_is_not_gocardless", "malformed_header", [[HEADER, "sha256=" + OWN_SIG]],
         body=OWN_BODY, secret=OWN_SECRET, also_ok=["signature_mismatch"],
         notes="GoCardless sends the bare hex digest"),
    case("empty_secret", "invalid_secret", [[HEADER, OWN_SIG]], body=OWN_BODY, secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("secret_padded_with_whitespace", "invalid_secret", [[HEADER, OWN_SIG]], body=OWN_BODY,
         secret=" " + OWN_SECRET + "\n", source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
