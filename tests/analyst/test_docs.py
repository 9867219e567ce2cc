"""The documentation stays true: every column is described, docs/schema.md is current,
and every SQL example in docs/analysts.md and docs/operators.md runs on the demo
database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from aggregator.db import views
from aggregator.db.schema_doc import PAGE, missing_comments, render
from tests.conftest import ROOT

DOCS = [ROOT / "docs" / "analysts.md", ROOT / "docs" / "operators.md"]
BLOCK = re.compile(r"^```sql([^\n]*)\n(.*?)^```", re.M | re.S)


def test_every_table_and_column_is_described():
    assert missing_comments() == [], "add comment= in aggregator/db/models.py (or the view's columns in aggregator/db/views.py)"


def test_schema_page_is_current():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/schema.md is stale: run `python -m aggregator.db.schema_doc` (or `aggregator db schema-doc`)"
    )


def test_views_have_the_documented_columns(demo_db):
    engine = create_engine(demo_db)
    with engine.connect() as conn:
        for view in views.VIEWS:
            columns = list(conn.execute(text(f"SELECT * FROM {view.name} LIMIT 0")).keys())
            assert columns == list(view.columns), view.name
    engine.dispose()


def sql_examples(dialect: str) -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for tag, body in BLOCK.findall(doc.read_text(encoding="utf-8")):
            tag = tag.strip()
            if tag in ("", dialect):
                for statement in body.split(";"):
                    if statement.strip():
                        out.append((f"{doc.name}: {statement.strip().splitlines()[0]}", statement))
    return out


def test_the_docs_have_the_examples_the_issue_asks_for():
    text_ = DOCS[0].read_text(encoding="utf-8")
    for needle in ("Stories this week by province", "A story's spread across sources", "Top keywords per industry",
                   "Stories related to article"):
        assert needle in text_
    assert len(sql_examples("sqlite")) >= 12 and len(sql_examples("postgresql")) >= 12


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_sql_example_runs_on_the_demo_database(dialect, request):
    url = request.getfixturevalue("demo_sqlite" if dialect == "sqlite" else "demo_pg")
    engine = create_engine(url)
    empty = []
    with engine.connect() as conn:
        for where, statement in sql_examples(dialect):
            try:
                rows = conn.execute(text(statement.replace(":", "\\:"))).all()
            except Exception as exc:  # noqa: BLE001 - name the example that failed
                pytest.fail(f"{where}\n{statement}\n{type(exc).__name__}: {exc}")
            if not rows:
                empty.append(where)
    engine.dispose()
    # Every example must run; most must find something in the demo data. A few may
    # not: "this week" (the demo is dated 2024) and those naming a fixed article id,
    # whose links depend on the relate stage's current thresholds.
    assert len(empty) <= 3, empty
