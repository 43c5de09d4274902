"""Signing secrets at rest: encrypted under ``[plugins.webhooks] secret_key`` when it is set.

A sealed secret is stored as ``fernet:<token>`` (Fernet: AES-128-CBC and HMAC-SHA256 under the
key, from the ``cryptography`` package). Without a key a secret is stored as it is, and one stored
so before a key was set is still read: both forms work side by side.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

SEALED = "fernet:"


class SecretKeyError(RuntimeError):
    """A sealed secret that the configured key cannot open."""


def check_key(key: SecretStr) -> SecretStr:
    """The key, if Fernet accepts it; else a ValueError that says how to make one."""
    try:
        Fernet(key.get_secret_value())
    except ValueError as exc:
        raise ValueError(
            "secret_key must be 32 url-safe base64-encoded bytes; make one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from exc
    return key


def seal(secret: str, key: SecretStr | None) -> str:
    """What to store for ``secret``: encrypted under ``key``, or as it is without one."""
    if key is None:
        return secret
    return SEALED + Fernet(key.get_secret_value()).encrypt(secret.encode()).decode()


def unseal(stored: str, key: SecretStr | None) -> str:
    """The secret behind a stored value of either form."""
    if not stored.startswith(SEALED):
        return stored
    if key is None:
        raise SecretKeyError(
            "this webhook's secret is encrypted, but [plugins.webhooks] secret_key is not set"
        )
    try:
        return Fernet(key.get_secret_value()).decrypt(stored[len(SEALED) :]).decode()
    except InvalidToken as exc:
        raise SecretKeyError(
            "this webhook's secret was encrypted under another key than [plugins.webhooks] secret_key"
        ) from exc
