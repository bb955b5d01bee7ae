"""Key rotation for encrypted columns and blind indexes.

FIELD_KEYS rotation: put the new key first in FIELD_KEYS (keep the old ones after it),
run `manage.py rotate_field_keys`, check it reports 0 rows left on old keys, then drop the
old keys. BLIND_INDEX_KEY rotation: set the new key and run it with `--reindex`, which
recomputes every `<field>_hash` from the decrypted value. Both work in chunks, each in its
own transaction, so a large table can be rotated while the system runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model

from . import pii, validators

CHUNK = 2000


def encrypted_models() -> Iterator[tuple[type[Model], list[str]]]:
    """Every model (historical ones included) with EncryptedTextField columns."""
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, pii.EncryptedTextField)
        ]
        if fields:
            yield model, fields


def _hash_kind(field: str) -> str:
    return "id" if "id_number" in field else "phone"


def _normalised(field: str, value: str) -> str:
    return (
        validators.normalise_id_number(value)
        if _hash_kind(field) == "id"
        else validators.normalise_phone(value)
    )


def rotate(*, reindex: bool = False) -> dict[str, int]:
    """Re-encrypt every value under the primary key (and recompute hashes if asked).

    Returns rows rewritten per model label."""
    done: dict[str, int] = {}
    for model, fields in encrypted_models():
        hash_fields = [
            f"{f}_hash"
            for f in fields
            if reindex and any(h.name == f"{f}_hash" for h in model._meta.concrete_fields)
        ]
        pk_name = model._meta.pk.name
        last = None
        count = 0
        while True:
            qs = model._base_manager.order_by(pk_name)
            if last is not None:
                qs = qs.filter(**{f"{pk_name}__gt": last})
            rows = list(qs.only(pk_name, *fields)[:CHUNK])
            if not rows:
                break
            for row in rows:
                for h in hash_fields:
                    plain = getattr(row, h[: -len("_hash")])
                    setattr(
                        row,
                        h,
                        pii.blind_index(_normalised(h, plain), kind=_hash_kind(h))
                        if plain
                        else None
                        if model._meta.get_field(h).null
                        else "",
                    )
            with transaction.atomic():
                # The plaintext Python values are encrypted again with the primary key on save.
                model._base_manager.bulk_update(rows, fields + hash_fields, batch_size=500)
            count += len(rows)
            last = getattr(rows[-1], pk_name)
        done[model._meta.label] = count
    return done


def tokens_on_old_keys() -> dict[str, int]:
    """Rows whose stored ciphertext is not under the primary key (read raw, not decrypted)."""
    primary = pii.primary_key_id()
    left: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model, fields in encrypted_models():
            table = connection.ops.quote_name(model._meta.db_table)
            for field in fields:
                column = connection.ops.quote_name(model._meta.get_field(field).column)
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608 — names from the model
                n = sum(
                    1
                    for (token,) in cursor.fetchall()
                    if pii.key_id_of(token) not in (None, primary)
                )
                if n:
                    left[f"{model._meta.label}.{field}"] = n
    return left
