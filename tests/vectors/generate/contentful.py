"""Contentful webhook request verification.

Headers: `x-contentful-signature` (hex HMAC-SHA256), `x-contentful-signed-headers`
(comma-separated lowercase names of the signed headers) and
`x-contentful-timestamp` (unix milliseconds). The signing secret (64
characters) is the key, as text. The signed text is the canonical request:

    METHOD \\n normalized path \\n name:value;name:value... \\n body

with the signed headers sorted by name, names lowercased and values trimmed;
the signed-headers and timestamp headers are always among them, the first
with the sorted names joined by commas as its value. The path is
encodeURI(pathname + "?" + querystring.escape(query)).
The toolkit's default time-to-live is 30 s (this crate checks it both ways).

Sources: https://www.contentful.com/developers/docs/webhooks/request-verification/
(the three headers; "see verifyRequest in node-apps-toolkit") and
contentful/node-apps-toolkit src/requests/sign-request.ts, verify-request.ts
(TTL 30) and utils.ts (getNormalizedEncodedURI, normalizeHeaders).
Contentful publishes no fixed signature example.
"""
import hashlib
import hmac
import json
import pathlib
import urllib.parse

OUT = pathlib.Path(__file__).resolve().parent.parent / "contentful.json"
SRC = "contentful/node-apps-toolkit src/requests/sign-request.ts and verify-request.ts; https://www.contentful.com/developers/docs/webhooks/request-verification/"

SECRET = "q7Zp3Lk9Xv2Rt8Wm4Nc6Bh1Df5Gs0Ja-Ye_Uo+Ii/Ee=Tr7Yu3Pl9Mk2Nj4Hb6Vg"
assert len(SECRET) == 64
BASE = "https://hooks.example.com"
PATH = "/contentful/webhook"
NOW = 1764583200
TS = NOW * 1000 - 1200
BODY = '{"sys":{"type":"Entry","id":"5KsDBWseXY6QegucYAoacS","space":{"sys":{"id":"yadj1kx9rmg0"}},"revision":3},"fields":{"title":{"en-US":"Hello \u00e9"}}}'
OTHER = [
    ["Content-Type", "application/vnd.contentful.management.v1+json"],
    ["X-Contentful-Topic", "ContentManagement.Entry.publish"],
    ["X-Contentful-Webhook-Name", "Publish hook"],
]
SIGNED = ["content-type", "x-contentful-topic", "x-contentful-webhook-name"]


def normalize_path(uri):
    parts = uri.split("?")
    pathname, search = parts[0], (parts[1] if len(parts) > 1 else "")
    escaped = urllib.parse.quote(search, safe="-_.!~*'()") if search else ""
    joined = f"{pathname}?{escaped}" if escaped else pathname
    return urllib.parse.quote(joined, safe=";,/?:@&=+$-_.!~*'()#")


def signature(secret, method, path, headers, signed, ts, body):
    values = {k.lower().strip(): v.strip() for k, v in headers}
    names = sorted(set(signed) | {"x-contentful-signed-headers", "x-contentful-timestamp"})
    picked = []
    for n in names:
        if n == "x-contentful-signed-headers":
            picked.append((n, ",".join(names)))
        elif n == "x-contentful-timestamp":
            picked.append((n, str(int(ts))))
        else:
            picked.append((n, values[n]))
    text = "\n".join([method, normalize_path(path), ";".join(f"{k}:{v}" for k, v in picked), body])
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest(), ",".join(names)


def request(secret=SECRET, method="POST", path=PATH, headers=OTHER, signed=SIGNED, ts=TS, body=BODY):
    sig, signed_value = signature(secret, method, path, headers, signed, ts, body)
    return headers + [
        ["x-contentful-signed-headers", signed_value],
        ["x-contentful-timestamp", str(ts)],
        ["x-contentful-signature", sig],
    ]


def replace(headers, name, value):
    return [[n, value if n.lower() == name else v] for n, v in headers]


def drop(headers, name):
    return [[n, v] for n, v in headers if n.lower() != name]


def case(name, expected, headers, body=BODY, url=BASE + PATH, secret=SECRET, now=NOW, **extra):
    c = {
        "provider": "contentful",
        "name": name,
        "expected": expected,
        "secret": secret,
        "secret_encoding": "utf8",
        "url": url,
        "headers": headers,
        "body": body,
        "now_unix": now,
    }
    c.update(extra)
    c["origin"] = "constructed"
    c["source"] = SRC
    return c


good = request()
old_ts, new_ts = (NOW - 31) * 1000, (NOW + 31) * 1000
query_path = PATH + "?space=yadj1kx9rmg0&env=master"
assert normalize_path(query_path) == PATH + "?space%253Dyadj1kx9rmg0%2526env%253Dmaster"
cases = [
    case("valid", "valid", good),
    case("signed-headers listed unsorted", "valid",
         replace(good, "x-contentful-signed-headers",
                 "x-contentful-webhook-name,content-type,x-contentful-timestamp,x-contentful-topic,x-contentful-signed-headers"),
         notes="the signed text lists the names sorted whatever the header's order"),
    case("header names in any case, values with spaces around", "valid",
         [[n.upper(), "  " + v + " "] if n.lower() in SIGNED else [n, v] for n, v in good]),
    case("unsigned header changed", "valid", good + [["X-Contentful-CRN", "crn:contentful:::content:spaces/yadj1kx9rmg0"]]),
    case("query escaped as the toolkit does", "valid", request(path=query_path), url=BASE + query_path),
    case("signed header value changed", "signature_mismatch",
         replace(good, "x-contentful-topic", "ContentManagement.Entry.unpublish")),
    case("tampered body", "signature_mismatch", good, BODY.replace("Hello", "Hallo")),
    case("different path", "signature_mismatch", good, url=BASE + "/contentful/other"),
    case("different method", "signature_mismatch", request(method="PUT")),
    case("wrong secret", "signature_mismatch", good, secret="Z" * 64),
    case("timestamp changed after signing", "signature_mismatch", replace(good, "x-contentful-timestamp", str(TS + 1))),
    case("timestamp too old (31 s)", "timestamp_too_old", request(ts=old_ts)),
    case("timestamp in the future (31 s)", "timestamp_in_future", request(ts=new_ts),
         notes="crate policy: the window is symmetric; the toolkit checks only age"),
    case("missing signature", "missing_header", drop(good, "x-contentful-signature")),
    case("missing timestamp", "missing_header", drop(good, "x-contentful-timestamp")),
    case("missing signed-headers", "missing_header", drop(good, "x-contentful-signed-headers")),
    case("a listed header is absent", "missing_header", drop(good, "x-contentful-topic")),
    case("signature not hex", "malformed_header", replace(good, "x-contentful-signature", "x" * 64),
         also_ok=["signature_mismatch"]),
    case("timestamp not digits", "malformed_header", replace(good, "x-contentful-timestamp", "1764583198.8")),
    case("timestamp in seconds", "timestamp_too_old", request(ts=NOW), also_ok=["malformed_header"],
         notes="read as milliseconds, a seconds value is in January 1970"),
    case("empty secret", "invalid_secret", good, secret=""),
    case("secret padded with whitespace", "invalid_secret", good, secret=" " + SECRET[1:]),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
