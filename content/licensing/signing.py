"""Canonical serialisation and HMAC signatures of certificates. Pure: no Django.

Canonical JSON: keys sorted, no whitespace, UTF-8, no floats (their text form differs between
languages; durations are integer milliseconds). Keys carry ids so they can rotate: new
signatures use the current key, older ones still verify with the key they name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_SECRET_LENGTH = 16


class KeyringError(ValueError):
    """The signing key configuration is unusable."""


def _check_values(value: Any, path: str = "$") -> None:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return
    if isinstance(value, float):
        raise TypeError(f"{path}: floats are not allowed in a certificate (use integers).")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings.")
            _check_values(item, f"{path}.{key}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{path}[{index}]")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not allowed in a certificate.")


def canonical_json(data: dict[str, Any]) -> bytes:
    _check_values(data)
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def certificate_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


@dataclass(frozen=True)
class Keyring:
    """Signing keys by id; ``current`` signs, every key verifies."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, spec: str, current: str = "") -> Keyring:
        """``"kid1:secret1,kid2:secret2"``; ``current`` defaults to the first id."""
        keys: dict[str, bytes] = {}
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            kid, sep, secret = part.partition(":")
            kid, secret = kid.strip(), secret.strip()
            if not sep or not KEY_ID.match(kid):
                raise KeyringError(f"Bad key entry {kid!r}: expected 'kid:secret'.")
            if len(secret) < MIN_SECRET_LENGTH:
                raise KeyringError(f"Key {kid!r} is shorter than {MIN_SECRET_LENGTH} characters.")
            if kid in keys:
                raise KeyringError(f"Key id {kid!r} appears twice.")
            keys[kid] = secret.encode("utf-8")
        if not keys:
            raise KeyringError("No signing keys configured.")
        current = current.strip() or next(iter(keys))
        if current not in keys:
            raise KeyringError(f"The current key id {current!r} is not among the keys.")
        return cls(keys=keys, current=current)

    def sign(self, data: dict[str, Any]) -> tuple[str, str]:
        """(key id, hex HMAC-SHA256) of ``data``'s canonical JSON with the current key."""
        return self.current, self._mac(self.current, canonical_json(data))

    def verify(self, data: dict[str, Any], *, key_id: str, signature: str) -> bool:
        """False for a wrong signature and for a key id no longer configured."""
        if key_id not in self.keys:
            return False
        expected = self._mac(key_id, canonical_json(data))
        return hmac.compare_digest(expected, signature or "")

    def _mac(self, key_id: str, payload: bytes) -> str:
        return hmac.new(self.keys[key_id], payload, hashlib.sha256).hexdigest()
