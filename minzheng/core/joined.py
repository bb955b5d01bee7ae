"""One-row reads for request hot paths, without per-call ORM query compilation.

Compiling a `select_related` query costs about a millisecond of CPU per call (the columns
of every joined model are listed, quoted and given converters again each time). A
JoinedRow is a hand-written SELECT over several models whose column list is generated
once from the models' metadata; each call runs the SQL and builds the model instances
with `Model.from_db`, applying the same converters as the ORM (dates on SQLite,
decryption of encrypted fields). Use it only where a profile shows the compile cost.

    row = JoinedRow([(Slot, "s"), (Season, "se")],
                    "FROM {Slot} s JOIN {Season} se ON se.id = s.season_id WHERE s.id = %s")
    slot, season = row.fetch([slot_id])      # None when no row

A model on the outer side of a LEFT JOIN comes back as None when its primary key is NULL.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model


class JoinedRow:
    def __init__(self, parts: list[tuple[type[Model], str]], tail: str):
        self.parts = [(model, alias, list(model._meta.concrete_fields)) for model, alias in parts]
        self._pk_index = [
            [f.primary_key for f in fields].index(True) for _m, _a, fields in self.parts
        ]
        columns = ", ".join(
            f'{alias}."{field.column}"' for _model, alias, fields in self.parts for field in fields
        )
        tables = {model.__name__: model._meta.db_table for model, _alias, _fields in self.parts}
        self.sql = f"SELECT {columns} " + tail.format(**tables)
        self._converters: dict[str, list[list[tuple]]] = {}

    def _converters_for(self, connection) -> list[list[tuple]]:
        """Per model, per field: the (converter, expression) pairs the ORM would apply."""
        cached = self._converters.get(connection.alias)
        if cached is None:
            cached = []
            for model, _alias, fields in self.parts:
                per_field = []
                for field in fields:
                    col = field.get_col(model._meta.db_table)
                    convs = connection.ops.get_db_converters(col) + col.get_db_converters(
                        connection
                    )
                    per_field.append([(conv, col) for conv in convs])
                cached.append(per_field)
            self._converters[connection.alias] = cached
        return cached

    def fetch(self, params, using: str = "default") -> list[Model | None] | None:
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        out: list[Model | None] = []
        i = 0
        for (model, _alias, fields), pk_index, converters in zip(
            self.parts, self._pk_index, self._converters_for(connection), strict=True
        ):
            values = list(row[i : i + len(fields)])
            i += len(fields)
            if values[pk_index] is None:
                out.append(None)  # the outer side of a LEFT JOIN found nothing
                continue
            for n, pairs in enumerate(converters):
                for conv, col in pairs:
                    values[n] = conv(values[n], col, connection)
            out.append(model.from_db(using, None, values))  # all concrete fields, in order
        return out


class PreparedInsert:
    """INSERT of one model instance with the statement written once from the model's
    metadata: field values are prepared exactly as Model.save() prepares them
    (pre_save, so auto_now_add is set; get_db_prep_save, so encrypted fields are
    encrypted) and the new primary key comes back with RETURNING (PostgreSQL, and SQLite
    from 3.35). No signals are sent: use it only for models that have no receivers."""

    def __init__(self, model: type[Model]):
        self.model = model
        pk = model._meta.pk
        self.fields = [f for f in model._meta.concrete_fields if f is not pk]
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = (
            f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks}) '
            f'RETURNING "{pk.column}"'
        )

    def save(self, obj: Model, using: str = "default") -> Model:
        connection = connections[using]
        values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, values)
            obj.pk = cursor.fetchone()[0]
        obj._state.adding = False
        obj._state.db = using
        return obj
