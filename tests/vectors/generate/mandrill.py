"""Mandrill (Mailchimp Transactional) webhooks: `X-Mandrill-Signature` is
the base64 of HMAC-SHA1 over the webhook URL exactly as configured, followed
by each POST variable's key and value (sorted by key, no delimiters), keyed
with the webhook's authentication key (its text). No timestamp.
Events arrive form-encoded in the `mandrill_events` variable.

Source: https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/
(Authenticating webhook requests) and
https://mandrill.zendesk.com/hc/en-us/articles/205583257-How-to-Authenticate-Webhook-Requests
(the six steps). Mandrill publishes no worked example with its output.
"""
import base64
import hashlib
import hmac
import json
import pathlib
import urllib.parse

OUT = pathlib.Path(__file__).resolve().parent.parent / "mandrill.json"
DOCS = "https://mandrill.zendesk.com/hc/en-us/articles/205583257-How-to-Authenticate-Webhook-Requests (Generate a signature)"

KEY = "KfFuThPttL_KoUyDndHW3Aconstructed"
URL = "https://example.com/mandrill/webhook?source=tx"
EVENTS = '[{"event":"send","_id":"7761629","ts":1764583200,"msg":{"email":"user@example.com","subject":"Caf\u00e9 & more"}}]'
PARAMS = [["mandrill_events", EVENTS]]
H = "X-Mandrill-Signature"


def signed_text(url, params):
    return url + "".join(k + v for k, v in sorted(params, key=lambda kv: kv[0].encode()))


def sig(key, url, params):
    return base64.b64encode(hmac.new(key.encode(), signed_text(url, params).encode(), hashlib.sha1).digest()).decode()


def case(name, expected, headers, params=PARAMS, url=URL, secret=KEY, **extra):
    c = {
        "provider": "mandrill",
        "name": name,
        "expected": expected,
        "secret": secret,
        "secret_encoding": "utf8",
        "url": url,
        "params": params,
        "headers": headers,
        "now_unix": None,
    }
    c.update(extra)
    c["origin"] = "constructed"
    c["source"] = DOCS
    return c


good = sig(KEY, URL, PARAMS)
two = [["mandrill_events", EVENTS], ["id", "webhook-42"]]
plus_body = "mandrill_events=" + urllib.parse.quote_plus(EVENTS)
pct_body = "mandrill_events=" + urllib.parse.quote(EVENTS, safe="")
assert plus_body != pct_body
cases = [
    case("valid", "valid", [[H, good]]),
    case("lowercase header name", "valid", [["x-mandrill-signature", good]]),
    case("two variables, signed sorted by key", "valid", [[H, sig(KEY, URL, two)]], two,
         notes="the body has them in arrival order; `id` sorts before `mandrill_events`"),
    case("spaces encoded as + in the body", "valid", [[H, good]], body=plus_body,
         notes="the signature covers the decoded values"),
    case("spaces encoded as %20 in the body", "valid", [[H, good]], body=pct_body),
    case("tampered event data", "signature_mismatch", [[H, good]], [["mandrill_events", EVENTS.replace("send", "open")]]),
    case("URL with a trailing slash differs", "signature_mismatch", [[H, good]], url="https://example.com/mandrill/webhook/?source=tx"),
    case("URL without its query differs", "signature_mismatch", [[H, good]], url="https://example.com/mandrill/webhook"),
    case("wrong key", "signature_mismatch", [[H, good]], secret="the-api-key-is-not-the-webhook-key"),
    case("variable added after signing", "signature_mismatch", [[H, good]], two),
    case("missing header", "missing_header", []),
    case("signature not base64", "malformed_header", [[H, "*not*base64*"]], also_ok=["signature_mismatch"]),
    case("hex digest instead of base64", "malformed_header",
         [[H, hmac.new(KEY.encode(), signed_text(URL, PARAMS).encode(), hashlib.sha1).hexdigest()]],
         also_ok=["signature_mismatch"]),
    case("empty key", "invalid_secret", [[H, good]], secret=""),
    case("key padded with whitespace", "invalid_secret", [[H, good]], secret=KEY + " "),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
