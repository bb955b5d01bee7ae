"""Migrations that bring stored masked ID numbers to the current mask.

The masked column is derived from the ID number, but re-deriving it would decrypt every
row. Masks only ever hide more, so the new form is computed from the stored one in one
UPDATE per table: keep the first and last `ID_MASK_KEEP_*` characters, star the rest.
The statement uses only substr, length, || and replace, which SQLite and PostgreSQL share.
"""

from __future__ import annotations

from django.db import migrations

from .validators import ID_MASK_KEEP_HEAD, ID_MASK_KEEP_TAIL


def _update_sql(table: str, column: str, quote) -> str:
    t, c = quote(table), quote(column)
    head, tail = ID_MASK_KEEP_HEAD, ID_MASK_KEEP_TAIL
    # 24 stars cover every masked column's width; a value shorter than 10 keeps its mask.
    stars = "'" + "*" * 24 + "'"
    return (
        f"UPDATE {t} SET {c} = substr({c}, 1, {head}) "
        f"|| substr({stars}, 1, length({c}) - {head + tail}) "
        f"|| substr({c}, length({c}) - {tail - 1}) "
        f"WHERE length({c}) >= 10 AND {c} <> ''"
    )


def remask_ids(app_label: str, column_by_model: dict[str, str]) -> migrations.RunPython:
    """One operation: for each model (and its history model, where it has one), set the
    masked ID column to the current mask. Idempotent."""

    def forwards(apps, schema_editor):
        quote = schema_editor.connection.ops.quote_name
        for model_name, column in column_by_model.items():
            for name in (model_name, f"Historical{model_name}"):
                try:
                    model = apps.get_model(app_label, name)
                except LookupError:
                    continue
                schema_editor.execute(_update_sql(model._meta.db_table, column, quote))

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)
