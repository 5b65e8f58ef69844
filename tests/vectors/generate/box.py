"""Conformance vectors for Box webhooks (V2), recomputed with the standard library.

Scheme: `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY` are the
standard base64 of the HMAC-SHA256 of the raw body bytes followed by the
bytes of `BOX-DELIVERY-TIMESTAMP` (RFC 3339), keyed with the app's primary
and secondary signature keys as text. `BOX-SIGNATURE-VERSION` is `1` and
`BOX-SIGNATURE-ALGORITHM` is `HmacSHA256`; the SDK refuses anything else.
Box rejects deliveries older than ten minutes; this crate applies the
600 s window both ways. The delivery id is `BOX-DELIVERY-ID`.

The published cases are the fixture of box-python-sdk's test_validate_message.

Run from the repository root: python3 tests/vectors/generate/box.py
"""

import base64
import hashlib
import hmac
import json
import pathlib
from datetime import datetime, timezone

OUT = pathlib.Path(__file__).resolve().parent.parent / "box.json"

SDK = "box/box-python-sdk test/unit/object/test_webhook.py (test_validate_message)"
SDK_CODE = "box/box-python-sdk boxsdk/object/webhook.py (_compute_signature)"
DOCS = (
    "https://developer.box.com/guides/webhooks/v2/signatures-v2/ and "
    "https://developer.box.com/guides/webhooks/v2/ (payload headers)"
)

SDK_BODY = ('{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED",'
            '"source":{"id":"1234567890","type":"file","name":"Test.txt"}}')
SDK_TS = "2020-01-01T00:00:00-07:00"
SDK_PRIMARY = "6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI="
SDK_SECONDARY = "v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo="
SDK_DELIVERY = "f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f"
SDK_NOW = int(datetime.fromisoformat(SDK_TS).timestamp())


def sign(key: str, body: str, ts: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body.encode() + ts.encode(),
                                     hashlib.sha256).digest()).decode()


assert sign("SamplePrimaryKey", SDK_BODY, SDK_TS) == SDK_PRIMARY
assert sign("SampleSecondaryKey", SDK_BODY, SDK_TS) == SDK_SECONDARY


def box_headers(ts=SDK_TS, primary=SDK_PRIMARY, secondary=SDK_SECONDARY, version="1",
                algorithm="HmacSHA256", delivery=SDK_DELIVERY):
    h = []
    for name, value in [
        ("box-delivery-id", delivery),
        ("box-delivery-timestamp", ts),
        ("box-signature-algorithm", algorithm),
        ("box-signature-primary", primary),
        ("box-signature-secondary", secondary),
        ("box-signature-version", version),
    ]:
        if value is not None:
            h.append([name, value])
    return h


def case(name, expected, headers, body=SDK_BODY, secret="SamplePrimaryKey", now=SDK_NOW,
         origin="constructed", source=SDK_CODE + "; " + DOCS, also_ok=None, notes=None,
         options=None):
    c = {"provider": "box", "name": name, "expected": expected}
    if also_ok:
        c["also_ok"] = also_ok
    c.update({
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": headers,
        "body": body,
        "now_unix": now,
    })
    if options:
        c["options"] = options
    c.update({"origin": origin, "source": source})
    if notes:
        c["notes"] = notes
    return c


# Constructed deliveries with keys and a timestamp of our own.
KEY = "constructed-primary-signature-key"
KEY2 = "constructed-secondary-signature-key"
BODY = ('{"type":"webhook_event","id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec",'
        '"trigger":"FILE.UPLOADED","webhook":{"id":"53","type":"webhook"},'
        '"source":{"id":"73835521473","type":"file","name":"Test-Image-3.png"}}')
TS = "2026-03-01T10:10:33-07:00"
NOW = int(datetime.fromisoformat(TS).timestamp()) + 2
P, S = sign(KEY, BODY, TS), sign(KEY2, BODY, TS)


def own(ts=TS, **kw):
    return box_headers(ts=ts, primary=kw.pop("primary", sign(KEY, BODY, ts)),
                       secondary=kw.pop("secondary", sign(KEY2, BODY, ts)),
                       delivery="673a081b-bb4b-4d45-b4f1-4131a29c1d07", **kw)


def shifted(seconds):
    """The verifier's clock moved by `seconds`, as an RFC 3339 UTC time."""
    return datetime.fromtimestamp(NOW + seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


old_ts, future_ts, edge_ts = shifted(-601), shifted(601), shifted(-600)

cases = [
    case("sdk_primary_key", "valid", box_headers(), origin="published", source=SDK),
    case("sdk_secondary_key", "valid", box_headers(), secret="SampleSecondaryKey",
         origin="published", source=SDK,
         notes="the secondary signature verifies under the secondary key (rotation)"),
    case("sdk_wrong_keys", "signature_mismatch", box_headers(), secret="WrongPrimaryKey",
         origin="published", source=SDK),
    case("sdk_signature_version_2", "unsupported_algorithm", box_headers(version="2"),
         origin="published-mutated", source=SDK + "; version header changed as in the test"),
    case("sdk_wrong_algorithm", "unsupported_algorithm", box_headers(algorithm="WrongAlgorithm"),
         origin="published-mutated", source=SDK + "; algorithm header changed as in the test"),
    case("constructed_valid", "valid", own(), body=BODY, secret=KEY, now=NOW),
    case("primary_rotated_secondary_still_valid", "valid", own(primary=sign("retired-key", BODY, TS)),
         body=BODY, secret=KEY2, now=NOW,
         notes="the primary key was reset; the secondary header still verifies"),
    case("only_secondary_header", "valid", own(primary=None), body=BODY, secret=KEY2, now=NOW),
    case("tampered_body", "signature_mismatch", own(), body=BODY.replace("FILE.UPLOADED", "FILE.TRASHED"),
         secret=KEY, now=NOW),
    case("timestamp_changed_after_signing", "signature_mismatch",
         own(primary=P, secondary=S, ts="2026-03-01T10:10:34-07:00"), body=BODY, secret=KEY, now=NOW),
    case("wrong_key", "signature_mismatch", own(), body=BODY, secret="constructed-other-key", now=NOW),
    case("exactly_600_s_old", "valid", own(ts=edge_ts), body=BODY, secret=KEY, now=NOW,
         notes="the window is inclusive"),
    case("timestamp_too_old", "timestamp_too_old", own(ts=old_ts), body=BODY, secret=KEY, now=NOW),
    case("timestamp_in_future", "timestamp_in_future", own(ts=future_ts), body=BODY, secret=KEY,
         now=NOW, notes="crate policy: the window is symmetric"),
    case("fractional_seconds_timestamp", "valid", own(ts="2026-03-01T17:10:34.250Z"), body=BODY,
         secret=KEY, now=NOW),
    case("missing_signatures", "missing_header", own(primary=None, secondary=None), body=BODY,
         secret=KEY, now=NOW),
    case("missing_timestamp", "missing_header",
         [h for h in own() if h[0] != "box-delivery-timestamp"], body=BODY, secret=KEY, now=NOW),
    case("missing_version", "missing_header", own(version=None), body=BODY, secret=KEY, now=NOW,
         notes="the SDK refuses a delivery without version 1"),
    case("unix_seconds_timestamp", "malformed_header",
         own(ts=str(NOW), primary=sign(KEY, BODY, str(NOW))), body=BODY, secret=KEY, now=NOW,
         notes="Box sends RFC 3339"),
    case("timestamp_without_offset", "malformed_header",
         own(ts="2026-03-01T17:10:33", primary=sign(KEY, BODY, "2026-03-01T17:10:33")),
         body=BODY, secret=KEY, now=NOW),
    case("signature_not_base64", "malformed_header", own(primary="%%%", secondary="%%%"),
         body=BODY, secret=KEY, now=NOW, also_ok=["signature_mismatch"]),
    case("empty_key", "invalid_secret", own(), body=BODY, secret="", now=NOW,
         source="crate policy (FORMAT.md): an empty secret is unusable"),
    case("key_padded_with_whitespace", "invalid_secret", own(), body=BODY, secret=KEY + " ",
         now=NOW, source="crate policy (FORMAT.md): a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
