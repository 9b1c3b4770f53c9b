"""Set-based updates of many rows in one statement (PostgreSQL: UPDATE ... FROM unnest(arrays))."""
import json
from collections.abc import Mapping, Sequence

import psycopg
from django.db import connection, models


def bulk_update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str],
                     batch_size: int = 5000) -> None:
    """Write `fields` of `objs` back to the database.

    Django's bulk_update builds one CASE WHEN per field, whose cost grows with rows × fields;
    on PostgreSQL we join one array per column instead (see update_columns).
    Other databases (SQLite, the embedded default) use Django's bulk_update.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=batch_size)
        return
    attnames = [model._meta.get_field(name).attname for name in fields]
    for start in range(0, len(objs), batch_size):
        chunk = objs[start:start + batch_size]
        update_columns(model, [obj.pk for obj in chunk],
                       {name: [getattr(obj, attname) for obj in chunk] for name, attname in zip(fields, attnames,
                                                                                               strict=True)})


def update_columns(model: type[models.Model], pks: Sequence, columns: Mapping[str, Sequence]) -> None:
    """Set, for each primary key in `pks`, the field values given column by column.

    `columns` maps a field name (or attname, e.g. "etm_accord_id") to one value per key, in the
    order of `pks`. On PostgreSQL this is a single statement whose text does not depend on the
    number of rows, with one array parameter per column (bound server-side, so nothing is
    re-parsed per row); elsewhere, one UPDATE per row.
    """
    if not pks:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    values = [_column_values(field, columns[name]) for field, name in zip(fields, columns, strict=True)]
    for column_values in values:
        if len(column_values) != len(pks):
            raise ValueError("une valeur par ligne est attendue dans chaque colonne")
    if connection.vendor != "postgresql":
        _update_row_by_row(model, fields, pks, values)
        return
    pk = meta.pk
    names = [pk.column] + [f.column for f in fields]
    arrays = ", ".join(f"%s::{_array_type(f)}" for f in [pk, *fields])
    set_clause = ", ".join(f'"{f.column}" = v."{f.column}"' for f in fields)
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {set_clause} FROM unnest({arrays}) '
        f'AS v({", ".join(chr(34) + n + chr(34) for n in names)}) WHERE t."{pk.column}" = v."{pk.column}"'
    )
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # server-side binding: arrays go as parameters
        cursor.execute(sql, [list(pks), *values])


def _column_values(field: models.Field, values: Sequence) -> list:
    if isinstance(field, models.JSONField):
        return [None if v is None else json.dumps(v, cls=field.encoder) for v in values]
    return list(values)


def _array_type(field: models.Field) -> str:
    if isinstance(field, models.JSONField):
        return "jsonb[]"
    if isinstance(field, models.ForeignKey):
        return field.target_field.rel_db_type(connection) + "[]"
    db_type = field.db_type(connection)
    if db_type.startswith("varchar"):
        return "text[]"
    return f"{db_type}[]"


def _update_row_by_row(model: type[models.Model], fields: list[models.Field], pks: Sequence,
                       values: list[list]) -> None:
    meta = model._meta
    sql = (f'UPDATE "{meta.db_table}" SET ' + ", ".join(f'"{f.column}" = %s' for f in fields)
           + f' WHERE "{meta.pk.column}" = %s')
    rows = []
    for index, pk in enumerate(pks):
        row = [f.get_db_prep_save(column[index], connection) if not isinstance(f, models.JSONField)
               else column[index] for f, column in zip(fields, values, strict=True)]
        rows.append([*row, pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
