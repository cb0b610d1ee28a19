"""Database helpers shared by the apps' services."""

import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import psycopg
from django.db import (
    DatabaseError,
    close_old_connections,
    connection,
    connections,
    models,
    transaction,
)


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


@lru_cache(maxsize=64)
def _insert_rows_sql(model: type[models.Model], rows: int) -> tuple[str, tuple]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)}"  # noqa: S608 (model names only)
        f" ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, fields


@dataclass(frozen=True)
class Statement:
    """One statement for execute_together, with what reads its result."""

    sql: str
    params: list
    done: Callable[[Any], None]  # called with the cursor positioned on this statement's result


def execute_together(*statements: Statement) -> None:
    """Run the statements in one round trip, in order, in the current transaction: Django's
    psycopg cursors bind parameters client-side, so several statements can go as one query
    string. Each statement's `done` then reads its own result (row count, returned rows). The
    statements have run when a `done` check fails: batch inside a transaction, which the
    failure then rolls back as a whole."""
    sql = ";\n".join(s.sql for s in statements)
    params = [value for s in statements for value in s.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for n, statement in enumerate(statements):
            if n and not cursor.nextset():
                raise DatabaseError("a statement of the batch returned no result")
            statement.done(cursor)


def insert_rows_statement(instances: list[models.Model]) -> Statement:
    """`bulk_create(instances)`, all of one model, as one `INSERT … RETURNING` built once per
    model and row count; running it sets each instance's primary key (PostgreSQL returns the
    rows in the order given). No signals."""
    sql, fields = _insert_rows_sql(type(instances[0]), len(instances))
    values = [
        f.get_db_prep_save(f.pre_save(instance, add=True), connection)
        for instance in instances
        for f in fields
    ]

    def done(cursor) -> None:
        ids = [row[0] for row in cursor.fetchall()]
        for instance, pk in zip(instances, ids, strict=True):
            instance.pk, instance._state.adding, instance._state.db = pk, False, connection.alias

    return Statement(sql, values, done)


def execute_binary(sql: str, params: list) -> list[tuple]:
    """Run one statement on Django's connection (so inside its transaction) with the parameters
    bound server-side (`%b` placeholders): Django's client-side binding quotes every value into
    the statement's text, which costs more than the statement for large documents or arrays.
    Returns the rows it returns; errors surface as django.db errors, as elsewhere."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


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


@cache
def _update_sql(model: type[models.Model], names: tuple[str, ...]) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments}"  # noqa: S608 (model names only)
        f" WHERE {quote(meta.pk.column)} = %s"
    )
    return sql, fields


def save_fields_statement(instance: models.Model, *names: str) -> Statement:
    """`instance.save(update_fields=names)` as an UPDATE built once per model and field list (an
    `auto_now` field that is named gets the current time, as with save). Like save, running it
    raises DatabaseError when no row was updated. No save signals are sent."""
    sql, fields = _update_sql(type(instance), names)
    values = [f.get_db_prep_save(f.pre_save(instance, add=False), connection) for f in fields]

    def done(cursor) -> None:
        if cursor.rowcount != 1:
            raise DatabaseError(f"{type(instance).__name__} {instance.pk}: no row was updated")

    return Statement(sql, [*values, instance.pk], done)


def save_fields(instance: models.Model, *names: str) -> None:
    """Run save_fields_statement for the hot paths (instead of compiling the ORM's save)."""
    execute_together(save_fields_statement(instance, *names))


@dataclass(frozen=True)
class _Hop:
    model: type[models.Model]
    accessor: str  # the attribute the related row is reached by (forward or reverse)
    first_column: int


@cache
def _joined_sql(model: type[models.Model], path: tuple[str, ...]) -> tuple[str, tuple[_Hop, ...]]:
    quote = connection.ops.quote_name
    tables = [(model, "t0")]
    hops, joins, current = [], [], model
    for n, name in enumerate(path, start=1):
        relation = current._meta.get_field(name)
        forward = relation.concrete
        target = relation.related_model
        if not forward and not relation.one_to_one:
            raise ValueError(f"{current.__name__}.{name}: only foreign keys and one-to-one")
        if forward:
            on = f"t{n - 1}.{quote(relation.column)} = t{n}.{quote(target._meta.pk.column)}"
        else:
            on = f"t{n - 1}.{quote(current._meta.pk.column)} = t{n}.{quote(relation.field.column)}"
        joins.append(f" LEFT JOIN {quote(target._meta.db_table)} t{n} ON {on}")
        hops.append((target, relation.name if forward else relation.get_accessor_name()))
        tables.append((target, f"t{n}"))
        current = target
    columns, placed, offset = [], [], 0
    for table_model, alias in tables:
        fields = table_model._meta.concrete_fields
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        placed.append(offset)
        offset += len(fields)
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t0"  # noqa: S608 (names)
        + "".join(joins)
    )
    chain = tuple(
        _Hop(target, accessor, placed[n + 1]) for n, (target, accessor) in enumerate(hops)
    )
    return sql, chain


@cache
def _loading(model: type[models.Model]) -> tuple[list[str], int, tuple]:
    """The model's column names, its primary key's place, and the fields that convert what the
    database returns (Field.from_db_value: JSON, encrypted fields)."""
    fields = model._meta.concrete_fields
    converters = tuple(
        (n, field) for n, field in enumerate(fields) if hasattr(field, "from_db_value")
    )
    return [f.attname for f in fields], fields.index(model._meta.pk), converters


def _instance(model: type[models.Model], row: tuple, start: int) -> models.Model | None:
    """The model's instance from its columns in `row`, converted as a queryset would; None when
    the join found no row."""
    attnames, pk_index, converters = _loading(model)
    values = list(row[start : start + len(attnames)])
    if values[pk_index] is None:
        return None
    for n, field in converters:
        values[n] = field.from_db_value(values[n], None, connection)
    return model.from_db(connection.alias, attnames, values)


def _assemble(model: type[models.Model], row: tuple, chain: tuple[_Hop, ...]) -> models.Model:
    """Link the loaded rows through the relations' own descriptors, as select_related leaves
    them: both sides of a one-to-one are set."""
    root = parent = _instance(model, row, 0)
    for hop in chain:
        child = _instance(hop.model, row, hop.first_column)
        if child is None:
            break
        setattr(parent, hop.accessor, child)
        parent = child
    return root


def first_with_related(
    model: type[models.Model],
    path: str,
    where: str,
    params: list,
    *,
    lock: bool = False,
    skip_locked: bool = False,
) -> models.Model | None:
    """The first row of `model` matching `where` (SQL over the aliases t0 for `model`, t1, t2 …
    along `path`; "" for none), loaded with its related rows as `select_related(path)` would,
    or None. With `lock`, the `model` row (only) is locked FOR UPDATE, skipping a row locked
    elsewhere with `skip_locked`. For the hot paths: the statement is built once per model and
    path instead of compiled by the ORM at every call. `path` follows foreign keys and
    one-to-one relations; a missing one-to-one row is left unloaded, so accessing it raises as
    usual."""
    select, chain = _joined_sql(model, tuple(path.split("__")) if path else ())
    locking = (" FOR UPDATE OF t0" + (" SKIP LOCKED" if skip_locked else "")) if lock else ""
    sql = f"{select} WHERE {where} LIMIT 1{locking}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else _assemble(model, row, chain)


def get_with_related(model: type[models.Model], pk: Any, path: str) -> models.Model:
    """`model.objects.select_related(path).get(pk=pk)`, as first_with_related loads it. Raises
    `model.DoesNotExist`."""
    where = f"t0.{connection.ops.quote_name(model._meta.pk.column)} = %s"
    found = first_with_related(model, path, where, [pk])
    if found is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")
    return found


# A connection that finished a piece of work this recently skips Django's health check (a
# `SELECT 1` round trip) before the next one; see work_connections_start.
HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0
_finished = threading.local()


def work_connections_start() -> None:
    """Django's request_started handling, for work run outside its request cycle (the push
    threads): close connections that failed or outlived CONN_MAX_AGE. A connection this thread
    used less than HEALTH_CHECK_AFTER_IDLE_SECONDS ago, without an error, is not health-checked
    again: with pushes arriving every few milliseconds the check doubled the round trips of an
    answer. A connection lost in that second fails the work's first statement, as one lost
    during the work would."""
    close_old_connections()
    finished_at = getattr(_finished, "at", None)
    if finished_at is None or time.monotonic() - finished_at >= HEALTH_CHECK_AFTER_IDLE_SECONDS:
        return
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.errors_occurred:
            conn.health_check_done = True


def work_connections_end() -> None:
    """Django's request_finished handling, for work run outside its request cycle."""
    close_old_connections()
    _finished.at = time.monotonic()


def connection_release() -> None:
    """Before a marketplace call, which may wait for seconds: hand this thread's connection
    back to the pool instead of holding it idle through the call; the next query takes one
    again (no round trip). No transaction may be open then (a lock held through the call would
    stall whoever waits on it): inside one, as in a test's, the connection stays. A persistent
    connection (no pool, CONN_MAX_AGE) is the thread's own and stays too: closing it would
    only cost a new connection."""
    if connection.in_atomic_block:
        return
    pooled = bool(connection.settings_dict.get("OPTIONS", {}).get("pool"))
    if pooled or connection.settings_dict.get("CONN_MAX_AGE") == 0:
        connection.close()
