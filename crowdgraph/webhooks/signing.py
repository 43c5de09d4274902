"""Signing webhook deliveries, and checking a signature on the receiving side.

The ``Crowdgraph-Signature`` header reads ``t=<unix seconds>,v1=<hex>``, where ``<hex>`` is the
HMAC-SHA256 of ``"<t>.<body>"`` under the endpoint's secret. A receiver recomputes it over the raw
body, compares in constant time, and refuses old timestamps (replayed requests).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Crowdgraph-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` within ``tolerance`` seconds of ``now``.

    For receivers: pass the raw request body (bytes, before any JSON parsing) and the
    ``Crowdgraph-Signature`` header. Several ``v1=`` values may appear (any one may match).
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)
