"""Upstream error text, made safe to show and to store.

An upstream's error message is the upstream's business: it may echo our upstream key back
("Incorrect API key provided: Bearer sk-…"), or name internal hosts and ports. Two levels:

* `redact_secrets`: configured keys and anything shaped like a credential (`Bearer …`, `sk-…`,
  Google's `AIza…`, `key=`/`token=` parameters, `user:password@` in URLs) become `[redacted]`.
  This is what the gateway's own log may keep.
* `for_client`: the above, and URLs and `host:port` / IP addresses become `[internal]`. This is
  what a client sees and what the store keeps.

The configured keys are registered once per process by whoever reads the config (`remember`);
secrets shorter than MIN_SECRET characters are not looked for (they would match ordinary words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_SECRET = 6
REDACTED = "[redacted]"
INTERNAL = "[internal]"

_secrets: set[str] = set()
_secrets_pattern: re.Pattern[str] | None = None

# (pattern, replacement): what a credential looks like, wherever it appears.
_CREDENTIAL_SHAPES = [
    (re.compile(r"\b(bearer|basic)(\s+)[^\s\"',;]+", re.I), rf"\1\2{REDACTED}"),
    (re.compile(r"\b(x-goog-api-key|x-api-key|api-key)(\s*[:=]\s*)[^\s\"',;]+", re.I), rf"\1\2{REDACTED}"),
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"), REDACTED),  # OpenAI / Anthropic style keys
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"), REDACTED),  # Google API keys
    (re.compile(r"\b((?:key|token|api_key|apikey|access_token|sig)=)[^&\s\"']+", re.I), rf"\1{REDACTED}"),
    (re.compile(r"(://)[^/@\s:]+:[^/@\s]+@"), rf"\1{REDACTED}@"),  # user:password@ in URLs
]
_URL = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s\"'<>)]+", re.IGNORECASE)
_HOST_PORT = re.compile(
    r"""
      \[[0-9a-f:.]+\](?::\d{1,5})?                               # [::1]:8080
    | \b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b                   # 10.0.0.7 / 10.0.0.7:443
    | \b(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)*[a-z][a-z0-9\-]*:\d{2,5}\b   # host.internal:8443
    """,
    re.VERBOSE | re.IGNORECASE,
)


def remember(secrets: Iterable[str | None]) -> None:
    """Add configured keys (upstream and gateway keys) to those removed from upstream text."""
    global _secrets_pattern
    new = {s for s in secrets if s and len(s) >= MIN_SECRET} - _secrets
    if not new:
        return
    _secrets.update(new)
    # Longest first, so that a key containing another key is removed whole.
    _secrets_pattern = re.compile("|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True)))


def redact_secrets(text: str) -> str:
    if _secrets_pattern is not None:
        text = _secrets_pattern.sub(REDACTED, text)
    for pattern, replacement in _CREDENTIAL_SHAPES:
        text = pattern.sub(replacement, text)
    return text


def for_client(text: str) -> str:
    text = redact_secrets(text)
    text = _URL.sub(INTERNAL, text)
    return _HOST_PORT.sub(INTERNAL, text)


__all__ = ["for_client", "redact_secrets", "remember"]
