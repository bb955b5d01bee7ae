"""Encryption at rest and blind indexes for personal data (ID numbers, phones).

Ciphertext tokens look like ``v1:<key_id>:<urlsafe-base64(nonce ‖ ciphertext ‖ tag)>``:
AES-256-GCM with a random 12-byte nonce and the key id as associated data, so a token
cannot be relabelled to another key id without failing authentication. The version
prefix leaves room for a future format.

Keys come from ``settings.FIELD_KEYS`` ("key_id:urlsafe-base64 of 32 bytes"); the first
key encrypts, every listed key decrypts. To rotate, put a new key first, re-save the
rows whose token ``needs_rotation()``, then drop the old key.

Encrypted columns cannot be searched: every encryption uses a fresh nonce. Exact search
goes through a separate blind-index column holding ``blind_index(value, kind=...)``,
an HMAC keyed with ``settings.BLIND_INDEX_KEY``, computed on the normalised value.

Parsed keys and AES objects are cached per distinct FIELD_KEYS value (so
``override_settings`` in tests just works); a bulk import encrypts well over 100,000
values a second on one core.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

__all__ = [
    "BLIND_INDEX_KINDS",
    "DecryptionError",
    "EncryptedTextField",
    "PIIError",
    "UnknownKeyError",
    "blind_index",
    "decrypt",
    "encrypt",
    "is_token",
    "key_id_of",
    "needs_rotation",
    "primary_key_id",
    "reload_keys",
]

TOKEN_VERSION = "v1"
_TOKEN_PREFIX = TOKEN_VERSION + ":"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_BYTES = 32

BLIND_INDEX_KINDS = frozenset({"id", "phone"})
_BLIND_INDEX_HEX_CHARS = 32


class PIIError(Exception):
    """Base class of the errors raised here."""


class DecryptionError(PIIError):
    """The token is malformed, was tampered with, or does not match its key."""


class UnknownKeyError(DecryptionError):
    """The token names a key id that is not (or no longer) in FIELD_KEYS."""


# --- keys ------------------------------------------------------------------------------


class _Key(NamedTuple):
    key_id: str
    aead: AESGCM
    aad: bytes  # the key id, bound into every token's authentication tag
    prefix: str  # "v1:<key_id>:", precomputed for the hot path


class _Keyring(NamedTuple):
    primary: _Key
    by_id: dict[str, _Key]


def _decode_key(key_id: str, encoded: str) -> bytes:
    """Strict base64 decoding (URL-safe or standard alphabet, padding optional).

    Errors name the key id but never echo key material into logs."""
    text = encoded.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"FIELD_KEYS: key {key_id!r} is not valid base64.") from None
    if len(raw) != _KEY_BYTES:
        raise ImproperlyConfigured(
            f"FIELD_KEYS: key {key_id!r} must be {_KEY_BYTES} bytes, not {len(raw)}."
        )
    return raw


@functools.lru_cache(maxsize=8)
def _parse_keyring(entries: tuple[str, ...]) -> _Keyring:
    """Parse FIELD_KEYS once per distinct value; building AESGCM objects is the costly
    part and they are safe to share between threads."""
    keys: dict[str, _Key] = {}
    for entry in entries:
        key_id, sep, encoded = entry.strip().partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or not encoded.strip():
            raise ImproperlyConfigured('FIELD_KEYS entries must look like "key_id:base64-key".')
        if key_id in keys:
            raise ImproperlyConfigured(f"FIELD_KEYS: key id {key_id!r} is listed twice.")
        aead = AESGCM(_decode_key(key_id, encoded))
        keys[key_id] = _Key(key_id, aead, key_id.encode(), f"{_TOKEN_PREFIX}{key_id}:")
    if not keys:
        raise ImproperlyConfigured("FIELD_KEYS must list at least one key.")
    return _Keyring(primary=next(iter(keys.values())), by_id=keys)


def validate_keyring(entries: str | Iterable[str]) -> None:
    """Raise ImproperlyConfigured when FIELD_KEYS is malformed (production settings call
    this at start-up, so a bad key stops the process before any row is written)."""
    if isinstance(entries, str):
        entries = entries.split(",")
    _parse_keyring(tuple(e for e in entries if e.strip()))


def _keyring() -> _Keyring:
    entries: str | Iterable[str] = settings.FIELD_KEYS
    if isinstance(entries, str):  # tolerate a raw comma-separated value
        entries = entries.split(",")
    return _parse_keyring(tuple(e for e in entries if e.strip()))


@functools.lru_cache(maxsize=8)
def _hmac_template(key: str) -> hmac.HMAC:
    """A keyed HMAC whose state is copied per call: saves re-keying on every value."""
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must not be empty.")
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def reload_keys() -> None:
    """Forget parsed keys. Caches are keyed on the settings' values, so this is only
    needed if something mutates the FIELD_KEYS list in place."""
    _parse_keyring.cache_clear()
    _hmac_template.cache_clear()


def primary_key_id() -> str:
    """The id of the key new tokens are encrypted with (the first of FIELD_KEYS)."""
    return _keyring().primary.key_id


# --- tokens ----------------------------------------------------------------------------


def encrypt(plaintext: str) -> str:
    """Encrypt with the primary key. The empty string stays empty, so "not given" is
    still visible without decrypting."""
    if plaintext == "":
        return ""
    key = _keyring().primary
    nonce = os.urandom(_NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), key.aad)
    return key.prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def key_id_of(token: str) -> str | None:
    """The key id a token names, or None when the value is not a token."""
    if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):
        return None
    key_id, sep, _payload = token[len(_TOKEN_PREFIX) :].partition(":")
    return key_id if sep and key_id else None


def decrypt(token: str) -> str:
    """Decrypt a token made by encrypt(); "" gives "".

    Raises UnknownKeyError when the key is not configured and DecryptionError when the
    token is malformed or fails authentication (tampered, or relabelled key id)."""
    if token == "":
        return ""
    key_id = key_id_of(token)
    if key_id is None:
        raise DecryptionError("Not an encrypted value (expected a 'v1:<key_id>:…' token).")
    key = _keyring().by_id.get(key_id)
    if key is None:
        raise UnknownKeyError(f"Encryption key {key_id!r} is not configured in FIELD_KEYS.")
    payload = token[len(key.prefix) :]
    try:
        raw = base64.b64decode(payload, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("Encrypted value is not valid base64.") from None
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("Encrypted value is truncated.")
    try:
        plain = key.aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], key.aad)
    except InvalidTag:
        raise DecryptionError(
            f"Encrypted value failed authentication under key {key_id!r} (tampered or mislabelled)."
        ) from None
    return plain.decode("utf-8")


def is_token(value: str) -> bool:
    """True if value is a token that decrypts with the configured keys."""
    if key_id_of(value) is None:
        return False
    try:
        decrypt(value)
    except DecryptionError:
        return False
    return True


def needs_rotation(token: str) -> bool:
    """True if the token is encrypted under a key other than the primary one.

    Empty values and non-tokens are False: there is nothing to re-encrypt."""
    key_id = key_id_of(token)
    return key_id is not None and key_id != primary_key_id()


# --- blind index -----------------------------------------------------------------------


def blind_index(value: str, *, kind: str) -> str:
    """A keyed hash of a normalised value, for exact search over encrypted data.

    HMAC-SHA256(BLIND_INDEX_KEY, "<kind>:<value>"), first 32 hex characters (128 bits).
    The kind keeps an ID number and a phone with the same digits apart. The caller must
    normalise first (validators.normalise_id_number / validate_phone), otherwise the
    same person hashes differently. Empty values raise ValueError: hashing "" would make
    every blank row match a blank search.
    """
    if kind not in BLIND_INDEX_KINDS:
        raise ValueError(
            f"blind_index kind must be one of {sorted(BLIND_INDEX_KINDS)}, not {kind!r}"
        )
    if not value:
        raise ValueError("blind_index() of an empty value")
    mac = _hmac_template(settings.BLIND_INDEX_KEY).copy()
    mac.update(f"{kind}:{value}".encode())
    return mac.hexdigest()[:_BLIND_INDEX_HEX_CHARS]


# --- model field -----------------------------------------------------------------------


class _EmptyOnlyExact(Exact):
    """``field=""`` / ``field=None`` are the only exact lookups with a meaning: a
    non-empty value encrypts to a different token every time and would silently match
    nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(
                "Encrypted fields cannot be searched by value; filter on the blind-index "
                "column (pii.blind_index) instead."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; the Python value is the plaintext.

    Only ``isnull`` and exact comparison with "" are supported as lookups (anything else
    raises FieldError): search through a separate blind-index column. Values in the
    column that are not tokens (e.g. plaintext left from before the column was
    encrypted) are returned unchanged and encrypted on the next save. Serialisation
    (dumpdata) writes the ciphertext, so fixtures and dumps never hold plaintext.
    """

    description = _("加密文本")
    # The admin, history pages and audit views leave every secret field out (core.admin).
    is_secret = True

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or key_id_of(value) is None:
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> str | None:
        # Deserialised fixtures carry tokens (see value_to_string).
        if isinstance(value, str) and is_token(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = models.Field.get_prep_value(self, value)  # resolves lazy strings
        if value is None:
            return None
        value = str(value)
        if value == "" or is_token(value):  # never encrypt twice
            return value
        return encrypt(value)

    def value_to_string(self, obj: models.Model) -> str:
        return encrypt(self.value_from_object(obj) or "")

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        # A fixed import path keeps migrations stable if the class is re-exported.
        name, _path, args, kwargs = super().deconstruct()
        return name, "minzheng.registry.pii.EncryptedTextField", args, kwargs


def without_secrets(qs):
    """The queryset with every EncryptedTextField of its model deferred: list pages, list
    APIs and exports show the stored masked forms and never decrypt a row. Reading a
    deferred field later costs a query per row, which the query-count tests catch."""
    secret = [f.name for f in qs.model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    return qs.defer(*secret) if secret else qs
