"""Conformance vectors for Trello webhooks, recomputed with the standard library.

Scheme (https://developers.trello.com/page/webhooks, now
https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/): `X-Trello-Webhook` is the
standard base64 of the HMAC-SHA1 of the full request body followed by the
callbackURL exactly as it was given when the webhook was created, keyed
with the application's OAuth secret as text. No timestamp.

Trello publishes no worked example with a signature value, so every case
here is constructed. The `url` of each case is the callback URL.

Run from the repository root: python3 tests/vectors/generate/trello.py
"""

import base64
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "trello.json"

SOURCE = (
    "https://developers.trello.com/page/webhooks (Webhook Signatures: base64 of HMAC-SHA1 over the "
    "body then the callbackURL, keyed with the application secret; the paragraph as quoted on "
    "community.atlassian.com/t5/Trello-questions/Trello-API-Trello-webhook-signatures-and-Python/qaq-p/743801)"
)
HEADER = "X-Trello-Webhook"
SECRET = "0a9c8f7e6d5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2"
URL = "https://hooks.example.com/trelloCallbacks/?memberID=14&mainModel=true"
BODY = (
    '{"action":{"id":"51f9424bcd6e040f3c002412","idMemberCreator":"4fc78a59a885233f4b349bd9",'
    '"data":{"board":{"name":"Trello Development","id":"4d5ea62fd76aa1136000000c"},'
    '"card":{"idShort":1458,"name":"Webhooks","id":"51a79e72dbb7e23c7c003778"}},'
    '"type":"commentCard","date":"2013-07-31T16:58:51.949Z"},'
    '"model":{"id":"4d5ea62fd76aa1136000000c","name":"Trello Development"}}'
)


def sign(secret: str, body: str, url: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body.encode() + url.encode(),
                                     hashlib.sha1).digest()).decode()


SIG = sign(SECRET, BODY, URL)


def case(name, expected, headers, body=BODY, secret=SECRET, url=URL, also_ok=None, notes=None,
         source=SOURCE):
    c = {"provider": "trello", "name": name, "expected": expected}
    if also_ok:
        c["also_ok"] = also_ok
    c.update({
        "secret": secret,
        "secret_encoding": "utf8",
        "url": url,
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
    case("header_name_in_other_case", "valid", [["x-trello-webhook", SIG]]),
    case("other_callback_url", "signature_mismatch", [[HEADER, SIG]],
         url="https://hooks.example.com/trelloCallbacks/?memberID=15&mainModel=true",
         notes="the callback URL is part of the signed content"),
    case("url_without_query", "signature_mismatch", [[HEADER, sign(SECRET, BODY, URL.split('?')[0])]],
         notes="signed for the bare path; the webhook was created with the query"),
    case("body_only_signature", "signature_mismatch",
         [[HEADER, base64.b64encode(hmac.new(SECRET.encode(), BODY.encode(), hashlib.sha1).digest()).decode()]],
         notes="HMAC of the body alone"),
    case("sha256_signature", "malformed_header",
         [[HEADER, base64.b64encode(hmac.new(SECRET.encode(), (BODY + URL).encode(), hashlib.sha256).digest()).decode()]],
         also_ok=["signature_mismatch"], notes="32 bytes where HMAC-SHA1 gives 20"),
    case("tampered_body", "signature_mismatch", [[HEADER, SIG]], body=BODY.replace("commentCard", "deleteCard")),
    case("wrong_secret", "signature_mismatch", [[HEADER, SIG]], secret=SECRET[:-1] + "3"),
    case("api_key_instead_of_secret", "signature_mismatch",
         [[HEADER, sign("a1b2c3d4e5f60718293a4b5c6d7e8f90", BODY, URL)]],
         notes="signed with another key than the configured OAuth secret"),
    case("missing_header", "missing_header", [["Content-Type", "application/json"]]),
    case("not_base64", "malformed_header", [[HEADER, "***"]], also_ok=["signature_mismatch"]),
    case("empty_secret", "invalid_secret", [[HEADER, SIG]], secret="",
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("secret_padded_with_whitespace", "invalid_secret", [[HEADER, SIG]], secret=SECRET + "\n",
         source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
