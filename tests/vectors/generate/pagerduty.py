"""PagerDuty v3 webhooks: X-PagerDuty-Signature holds comma-separated
`v1=<hex>` items, each an HMAC-SHA256 of the raw body under one signing
secret (its text as the key). No timestamp.

Scheme: https://developer.pagerduty.com/docs/webhooks/04-Signatures.md
(PagerDuty/developer-docs docs/webhooks/04-Signatures.md). Published example:
PagerDuty/go-pagerduty webhookv3/webhookv3_test.go (secret, body, signature).
"""
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "pagerduty.json"
DOCS = "https://developer.pagerduty.com/docs/webhooks/04-Signatures.md (PagerDuty/developer-docs docs/webhooks/04-Signatures.md)"
SDK_TEST = "PagerDuty/go-pagerduty webhookv3/webhookv3_test.go (TestVerifySignature, case 'valid')"
HEADER = "X-PagerDuty-Signature"

# The go-pagerduty test's secret, body and signature.
SDK_SECRET = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"
SDK_BODY = '{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}'
SDK_SIGNATURE = "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd"
SDK_MISMATCH = "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5"

SECRET = "pd_constructed_signing_secret_0001"
OLD_SECRET = "pd_constructed_signing_secret_0000"
BODY = '{"event":{"id":"01DEN6B7G8JZ8C9Q3RXMSWVYKA","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2026-12-01T10:00:00.000Z","data":{"id":"PGR0VU2","type":"incident","title":"Disk \u00e9 full"}}}'


def sig(secret, body):
    return "v1=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


assert sig(SDK_SECRET, SDK_BODY) == SDK_SIGNATURE, "published example does not recompute"


def case(name, expected, headers, body=BODY, secret=SECRET, origin="constructed", source=DOCS, **extra):
    c = {
        "provider": "pagerduty",
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


good = sig(SECRET, BODY)
cases = [
    case("sdk test vector", "valid", [[HEADER, SDK_SIGNATURE]], SDK_BODY, SDK_SECRET, "published", SDK_TEST),
    case("sdk test mismatch", "signature_mismatch", [[HEADER, SDK_MISMATCH]], SDK_BODY, SDK_SECRET, "published", SDK_TEST + " (case 'mismatch')"),
    case("valid single signature", "valid", [[HEADER, good]]),
    case("rotation: old and new signatures, new secret configured", "valid",
         [[HEADER, sig(OLD_SECRET, BODY) + "," + good]]),
    case("rotation: old and new signatures, old secret configured", "valid",
         [[HEADER, sig(OLD_SECRET, BODY) + "," + good]], secret=OLD_SECRET),
    case("spaces after the comma are trimmed", "valid",
         [[HEADER, sig(OLD_SECRET, BODY) + ", " + good]],
         notes="crate policy: list items are trimmed"),
    case("unknown version beside v1 is ignored", "valid", [[HEADER, "v2=abcdef," + good]]),
    case("uppercase hex", "valid", [[HEADER, "v1=" + good[3:].upper()]],
         notes="crate policy: hex is decoded before comparing"),
    case("tampered body", "signature_mismatch", [[HEADER, good]], BODY.replace("PGR0VU2", "PGR0VU3")),
    case("wrong secret", "signature_mismatch", [[HEADER, good]], secret="pd_some_other_secret"),
    case("missing header", "missing_header", []),
    case("only an unknown version", "no_matching_scheme", [[HEADER, "v2=" + good[3:]]]),
    case("v1 value not hex", "malformed_header", [[HEADER, "v1=" + "zz" * 32]], also_ok=["signature_mismatch"]),
    case("v1 value too short", "malformed_header", [[HEADER, good[:-2]]], also_ok=["signature_mismatch"]),
    case("empty secret", "invalid_secret", [[HEADER, good]], secret=""),
    case("secret padded with whitespace", "invalid_secret", [[HEADER, good]], secret=SECRET + " ",
         notes="crate policy: a padded secret is refused"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
