"""Bulk writes through the database driver, inside the caller's transaction.

SQLAlchemy's executemany builds a parameter dict and processes it for every row; for the
thousands of keyword rows a batch of articles writes, the driver's own bulk path is
several times cheaper: COPY on PostgreSQL (one round trip), executemany on SQLite.
"""

from __future__ import annotations

import json
from typing import Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session


def bulk_insert(session: Session, table: Table, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; no conflict handling
    (the caller deletes first or knows the rows are new)."""
    if not rows:
        return
    conn = session.connection()
    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur = dbapi.cursor()
        try:
            cur.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)
        finally:
            cur.close()


def insert_new(session: Session, table: Table, columns: list[str], pg_types: list[str], rows: list[tuple]) -> None:
    """Insert those of ``rows`` (tuples in ``columns`` order) whose key is not stored yet
    (``ON CONFLICT DO NOTHING``), through the driver: one statement of arrays on
    PostgreSQL (``pg_types`` are the columns' types, for ``unnest``), executemany on SQLite."""
    if not rows:
        return
    conn = session.connection()
    dbapi = conn.connection.driver_connection
    names = ", ".join(columns)
    cur = dbapi.cursor()
    try:
        if conn.dialect.name == "postgresql":
            arrays = ", ".join(f"%s::{t}[]" for t in pg_types)
            cur.execute(f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",
                        [list(col) for col in zip(*rows)])
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows)
    finally:
        cur.close()


class Driver:
    """The caller's transaction, through the database driver: ``IN`` lists as one
    parameter (a JSON array on SQLite, an array on PostgreSQL), rows as plain tuples."""

    def __init__(self, session: Session):
        conn = session.connection()
        self.pg = conn.dialect.name == "postgresql"
        self.dbapi = conn.connection.driver_connection

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        cur = self.dbapi.cursor()
        try:
            cur.execute(sql, params)
            return cur.fetchall()
        finally:
            cur.close()

    def in_list(self, values: list) -> tuple[str, object]:
        """SQL standing for the set ``values``, and its one parameter."""
        if self.pg:
            return "ANY(%s)", list(values)
        return "(SELECT value FROM json_each(?))", json.dumps(list(values), ensure_ascii=False)

    def where_in(self, column: str, values: list) -> tuple[str, object]:
        sql, param = self.in_list(values)
        return (f"{column} = {sql}" if self.pg else f"{column} IN {sql}"), param
