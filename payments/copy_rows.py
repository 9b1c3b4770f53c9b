"""Insert many new rows given as plain tuples: PostgreSQL COPY (formatted in C by psycopg),
elsewhere (SQLite, the embedded default) Django's bulk_create. No model instance is built on
PostgreSQL: a bordereau writes 100,000 lines and a bank return 200,000 results at once."""
from collections.abc import Sequence

from django.db import connection, models


def insert_tuples(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """`columns` are attnames (e.g. "claim_id"), in the order of each row's values."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create((model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=2000)
        return
    meta = model._meta
    names = ", ".join(f'"{meta.get_field(name.removesuffix("_id")).column}"' if name.endswith("_id")
                      else f'"{meta.get_field(name).column}"' for name in columns)
    with connection.cursor() as wrapper, wrapper.cursor.copy(f'COPY "{meta.db_table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
