"""Database helpers shared by the apps' services."""

from contextlib import nullcontext
from functools import cache

from django.db import connection, models, transaction


@cache
def _insert_sql(model: type[models.Model], conflict: tuple[str, ...]) -> tuple[str, tuple]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in conflict)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)}"  # noqa: S608 (model names only)
        f" ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({columns}) DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, fields


def insert_unless_exists(
    instance: models.Model, *, conflict: tuple[str, ...], savepoint: bool = True
) -> bool:
    """Insert `instance` with one `INSERT … ON CONFLICT (conflict) DO NOTHING RETURNING`: True
    and the primary key set when it was new, False when a row with the same unique `conflict`
    fields exists already (one round trip instead of a lookup and an insert, and no duplicate
    exception to recover from). Inside a transaction a savepoint keeps a failed insert (a lock
    timeout) from breaking it, unless the caller rolls back as a whole anyway (`savepoint`
    False); outside one it commits by itself. No save signals are sent."""
    sql, fields = _insert_sql(type(instance), conflict)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    guard = transaction.atomic() if savepoint and connection.in_atomic_block else nullcontext()
    with guard, connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk, instance._state.adding, instance._state.db = row[0], False, connection.alias
    return True
