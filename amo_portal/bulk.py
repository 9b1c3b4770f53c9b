"""Set-based updates of many rows in one statement (PostgreSQL: UPDATE ... FROM (VALUES ...))."""
from collections.abc import Sequence

from django.db import connection, models


def bulk_update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str],
                     batch_size: int = 2000) -> None:
    """Write `fields` of `objs` back to the database.

    Django's bulk_update builds one CASE WHEN per field, whose cost grows with rows × fields;
    on PostgreSQL we join a VALUES list instead, which is what the database does best.
    Other databases (SQLite, the embedded default) use Django's bulk_update.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=batch_size)
        return
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    pk = meta.pk
    columns = [pk.column] + [f.column for f in concrete]
    types = [pk.db_type(connection)] + [_cast_type(f) for f in concrete]
    set_clause = ", ".join(f'"{c}" = v."{c}"' for c in columns[1:])
    for start in range(0, len(objs), batch_size):
        chunk = objs[start:start + batch_size]
        rows_sql = []
        params: list = []
        for index, obj in enumerate(chunk):
            values = [pk.get_db_prep_save(obj.pk, connection)]
            values += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete]
            if index == 0:
                rows_sql.append("(" + ", ".join(f"%s::{t}" for t in types) + ")")
            else:
                rows_sql.append("(" + ", ".join(["%s"] * len(values)) + ")")
            params.extend(values)
        sql = (
            f'UPDATE "{meta.db_table}" AS t SET {set_clause} '
            f'FROM (VALUES {", ".join(rows_sql)}) AS v({", ".join(chr(34) + c + chr(34) for c in columns)}) '
            f'WHERE t."{pk.column}" = v."{pk.column}"'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _cast_type(field: models.Field) -> str:
    db_type = field.db_type(connection)
    if isinstance(field, models.ForeignKey):
        return field.target_field.rel_db_type(connection)
    if db_type.startswith("varchar"):
        return "text"
    return db_type
