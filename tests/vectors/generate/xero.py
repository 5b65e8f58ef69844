"""Conformance vectors for Xero webhooks, recomputed with the standard library.

Scheme: `x-xero-signature` is the standard base64 of the HMAC-SHA256 of the
raw body, keyed with the app's webhook signing key as text. No timestamp.
The "Intent to receive" validation requests are signed the same way, some
correctly and some not: the endpoint answers 200 or 401 accordingly.

Xero publishes the shape of the validation payload but no signature value,
so every case here is constructed.

Run from the repository root: python3 tests/vectors/generate/xero.py
"""

import base64
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "xero.json"

SOURCE = "https://developer.xero.com/documentation/webhooks/configuring-your-server (Intent to receive)"
HEADER = "x-xero-signature"
KEY = "kX7l9cQ2vYpR4tZ8bN3mF6hJ1wD5sG0aE9uK2oL7iP4yT6rW8qV1xC3nB5zM0jH2gF4dS6aQ8wE0rT2yU4iO6pA=="
ITR_BODY = '{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}'
EVENT_BODY = (
    '{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Contacts/'
    '717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","resourceId":"717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",'
    '"eventDateUtc":"2017-06-21T01:15:39.902","eventType":"Update","eventCategory":"CONTACT",'
    '"tenantId":"c2cc9b6e-9458-4c7d-93cc-f02b81b0594f","tenantType":"ORGANISATION"}],'
    '"lastEventSequence":1,"firstEventSequence":1,"entropy":"CRHNVKIVGRTFHEFDVLFP"}'
)


def sign(key: str, body: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()).decode()


def case(name, expected, headers, body=EVENT_BODY, secret=KEY, also_ok=None, notes=None,
         source=SOURCE):
    c = {"provider": "xero", "name": name, "expected": expected}
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


SIG = sign(KEY, EVENT_BODY)
ITR_SIG = sign(KEY, ITR_BODY)
hex_sig = hmac.new(KEY.encode(), EVENT_BODY.encode(), hashlib.sha256).hexdigest()

cases = [
    case("event_valid", "valid", [[HEADER, SIG], ["Content-Type", "application/json"]]),
    case("intent_to_receive_correctly_signed", "valid", [[HEADER, ITR_SIG]], body=ITR_BODY,
         notes="the endpoint answers 200 with an empty body"),
    case("intent_to_receive_incorrectly_signed", "signature_mismatch",
         [[HEADER, sign(KEY + "x", ITR_BODY)]], body=ITR_BODY,
         notes="the endpoint answers 401"),
    case("header_name_in_other_case", "valid", [["X-Xero-Signature", SIG]]),
    case("key_is_text_not_base64", "signature_mismatch",
         [[HEADER, base64.b64encode(hmac.new(base64.b64decode(KEY), EVENT_BODY.encode(),
                                             hashlib.sha256).digest()).decode()]],
         notes="signed with the base64-decoded key; Xero keys with the key's text"),
    case("tampered_body", "signature_mismatch", [[HEADER, SIG]],
         body=EVENT_BODY.replace("Update", "Create")),
    case("wrong_key", "signature_mismatch", [[HEADER, SIG]], secret=KEY[:-3] + "B=="),
    case("missing_header", "missing_header", [["Content-Type", "application/json"]]),
    case("hex_instead_of_base64", "malformed_header", [[HEADER, hex_sig]],
         also_ok=["signature_mismatch"]),
    case("not_base64", "malformed_header", [[HEADER, "!" * 44]], also_ok=["signature_mismatch"]),
    case("empty_key", "invalid_secret", [[HEADER, SIG]], secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("key_padded_with_whitespace", "invalid_secret", [[HEADER, SIG]], secret=" " + KEY,
         source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
