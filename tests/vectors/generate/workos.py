"""WorkOS webhooks: `WorkOS-Signature: t=<unix milliseconds>, v1=<hex>`,
HMAC-SHA256 over "<t>.<raw body>", keyed with the endpoint secret as text.
The SDKs' default tolerance is 180 seconds (this crate checks it both ways).

Scheme: workos/workos-ruby lib/workos/webhooks.rb (verify_header,
compute_signature, DEFAULT_TOLERANCE_SECONDS = 180, header format
"t=<ms_timestamp>, v1=<hex_sig>") and spec/lib/workos/webhooks_spec.rb;
https://workos.com/docs/events/data-syncing/webhooks (validating events).
The SDK tests sign with the current time, so there is no fixed published
example to reproduce.
"""
import hashlib
import hmac
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "workos.json"
SDK = "workos/workos-ruby lib/workos/webhooks.rb (verify_header, compute_signature, DEFAULT_TOLERANCE_SECONDS = 180)"
HEADER = "WorkOS-Signature"

SECRET = "wk_constructed_webhook_secret_01"
NOW = 1764583200  # unix seconds
T_MS = NOW * 1000 - 2500  # signed 2.5 s before the verifier's clock
BODY = '{"id":"event_01JDXQ2Z4P8S5B6N7M8K9J0H1G","event":"dsync.user.created","data":{"id":"directory_user_01FAEAJCR3ZBZ30D8BD1924TVG","state":"active","first_name":"Blair"},"created_at":"2026-12-01T10:00:00.000Z"}'


def mac(secret, t, body):
    return hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()


def header(t, sig):
    return f"t={t}, v1={sig}"


def case(name, expected, headers, body=BODY, secret=SECRET, now=NOW, **extra):
    c = {
        "provider": "workos",
        "name": name,
        "expected": expected,
        "secret": secret,
        "secret_encoding": "utf8",
        "headers": headers,
        "body": body,
        "now_unix": now,
    }
    c.update(extra)
    c["origin"] = "constructed"
    c["source"] = SDK
    return c


good = mac(SECRET, T_MS, BODY)
old_t = (NOW - 181) * 1000
new_t = (NOW + 181) * 1000
edge_t = (NOW - 180) * 1000
cases = [
    case("valid", "valid", [[HEADER, header(T_MS, good)]]),
    case("valid without the space after the comma", "valid", [[HEADER, f"t={T_MS},v1={good}"]]),
    case("valid at the edge of the 180 s window", "valid", [[HEADER, header(edge_t, mac(SECRET, edge_t, BODY))]]),
    case("lowercase header name", "valid", [["workos-signature", header(T_MS, good)]]),
    case("tampered body", "signature_mismatch", [[HEADER, header(T_MS, good)]], BODY.replace("Blair", "Blaire")),
    case("timestamp changed after signing", "signature_mismatch", [[HEADER, header(T_MS + 1, good)]]),
    case("wrong secret", "signature_mismatch", [[HEADER, header(T_MS, good)]], secret="wk_other_secret"),
    case("timestamp too old (181 s)", "timestamp_too_old", [[HEADER, header(old_t, mac(SECRET, old_t, BODY))]]),
    case("timestamp in the future (181 s)", "timestamp_in_future", [[HEADER, header(new_t, mac(SECRET, new_t, BODY))]],
         notes="crate policy: the window is symmetric; WorkOS's SDKs check only age"),
    case("seconds where milliseconds are due", "timestamp_too_old",
         [[HEADER, header(NOW, mac(SECRET, NOW, BODY))]], also_ok=["malformed_header"],
         notes="read as milliseconds, a seconds value is in January 1970"),
    case("missing header", "missing_header", []),
    case("no timestamp item", "malformed_header", [[HEADER, f"v1={good}"]]),
    case("no v1 item", "no_matching_scheme", [[HEADER, f"t={T_MS}, v0={good}"]]),
    case("empty v1 value", "malformed_header", [[HEADER, f"t={T_MS}, v1="]], also_ok=["signature_mismatch"]),
    case("v1 not hex (the SDK test's 99999)", "malformed_header", [[HEADER, f"t={T_MS}, v1=99999"]],
         also_ok=["signature_mismatch"]),
    case("timestamp with a fraction", "malformed_header", [[HEADER, header(f"{T_MS}.5", mac(SECRET, f'{T_MS}.5', BODY))]]),
    case("timestamp with a sign", "malformed_header", [[HEADER, header(f"+{T_MS}", mac(SECRET, f'+{T_MS}', BODY))]]),
    case("empty secret", "invalid_secret", [[HEADER, header(T_MS, good)]], secret=""),
    case("secret padded with whitespace", "invalid_secret", [[HEADER, header(T_MS, good)]], secret=SECRET + "\n"),
]

OUT.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
