"""Set-based updates of many rows in one statement (PostgreSQL: COPY into a temporary table, UPDATE ... FROM)."""
import json
import zlib
from collections.abc import Mapping, Sequence

from django.db import connection, models, transaction


def bulk_update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str],
                     batch_size: int = 5000) -> None:
    """Write `fields` of `objs` back to the database.

    Django's bulk_update builds one CASE WHEN per field, whose cost grows with rows × fields;
    on PostgreSQL we COPY the values and join them instead (see update_columns).
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
    order of `pks`. On PostgreSQL the rows are copied to a temporary table and written by a
    single UPDATE; elsewhere (SQLite), one UPDATE per row.
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
    _update_from_copy(meta, fields, pks, values)


def _update_from_copy(meta, fields: list[models.Field], pks: Sequence, values: list[list]) -> None:
    """COPY the new values into a temporary table, then one UPDATE ... FROM joins it by key.

    COPY formats rows in C (psycopg), far faster than binding thousands of parameters, and the
    statement texts do not depend on the number of rows.
    """
    pk = meta.pk
    columns = [pk, *fields]
    # one temporary table per (table, columns): a session keeps it, emptied after each use
    temp = f"_bulk_{meta.db_table}_{zlib.crc32(' '.join(f.column for f in columns).encode()):08x}"
    definition = ", ".join(f'"{f.column}" {_column_type(f)}' for f in columns)
    set_clause = ", ".join(f'"{f.column}" = v."{f.column}"' for f in fields)
    names = ", ".join(f'"{f.column}"' for f in columns)
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, for COPY
        cursor.execute("SELECT to_regclass(%s) IS NULL", [f"pg_temp.{temp}"])
        created = cursor.fetchone()[0]
        if created:
            cursor.execute(f'CREATE TEMPORARY TABLE "{temp}" ({definition}) ON COMMIT DELETE ROWS')
        with cursor.copy(f'COPY "{temp}" ({names}) FROM STDIN') as copy:
            for row in zip(pks, *values, strict=True):
                copy.write_row(row)
        if created:  # statistics of a few thousand rows: the planner joins by key, not by scan
            cursor.execute(f'ANALYZE "{temp}"')
        # The key range bounds the scan: without it the planner likes a merge join that walks the
        # primary key from the table's first row to the last key updated, for every call.
        cursor.execute(f'UPDATE "{meta.db_table}" AS t SET {set_clause} FROM "{temp}" AS v '
                       f'WHERE t."{pk.column}" = v."{pk.column}" AND t."{pk.column}" BETWEEN %s AND %s',
                       [min(pks), max(pks)])
        cursor.execute(f'DELETE FROM "{temp}"')


def _column_values(field: models.Field, values: Sequence) -> list:
    if isinstance(field, models.JSONField):
        return [None if v is None else json.dumps(v, cls=field.encoder) for v in values]
    return list(values)


def _column_type(field: models.Field) -> str:
    if isinstance(field, models.JSONField):
        return "jsonb"
    if isinstance(field, models.ForeignKey | models.AutoField):
        return (field.target_field if isinstance(field, models.ForeignKey) else field).rel_db_type(connection)
    db_type = field.db_type(connection)
    return "text" if db_type.startswith("varchar") else db_type


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


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert plain rows (one value per attname in `columns`, e.g. "claim_id") without building model
    instances: on PostgreSQL one COPY, formatted in C by psycopg (a chunk of liquidation writes
    thousands of audit rows, a bordereau 100,000 lines, a bank return 200,000 results); elsewhere
    (SQLite, the embedded default) Django's bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        _create_rows(model, columns, rows)
        return
    _copy_rows_in(model, columns, rows)


def _create_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    model.objects.bulk_create((model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=2000)


def _copy_rows_in(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    names = ", ".join(f'"{model._meta.get_field(c).column}"' for c in columns)
    sql = f'COPY "{model._meta.db_table}" ({names}) FROM STDIN'
    with connection.cursor() as wrapper, wrapper.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
