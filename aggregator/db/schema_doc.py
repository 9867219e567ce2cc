"""Generates ``docs/schema.md``, the schema reference for analysts, from the models'
``comment=`` texts and the views' column descriptions.

    python -m aggregator.db.schema_doc            # rewrite docs/schema.md
    aggregator db schema-doc -o -                 # print it

A test fails when a table or column has no comment or the page is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import BigInteger, Float, Integer, JSON, LargeBinary, String, Text

from aggregator.db import search, views
from aggregator.db.models import Base, UTCDateTime

PAGE = Path(__file__).resolve().parents[2] / "docs" / "schema.md"

INTRO = """\
# Database schema

*Generated from `aggregator/db/models.py` and `aggregator/db/views.py` by
`aggregator db schema-doc` — do not edit by hand.*

The crawler writes SQLite (`data/aggregator.db` by default) or PostgreSQL; the tables
and views are the same on both. Times are stored in UTC (on SQLite as text
`YYYY-MM-DD HH:MM:SS.ffffff`). Start with the **views** — `stories` folds syndicated
copies into one row per story — and see [the analysts' guide](analysts.md) for queries.

Key: **PK** primary key, **FK** foreign key (→ table.column), **U** unique,
**I** indexed; *null* means the column may be empty.
"""

SEARCH = f"""\
## Full-text search index: `{search.TABLE}`

Maintained by the crawler for `aggregator search`; you normally do not query it directly.
It holds each article's title and body segmented into words by jieba (search mode), so
the database can find Chinese words.

* **SQLite**: an FTS5 table, `rowid` = `articles.id`, columns `title` and `body` (the
  segmented words, space-separated). Query it with
  `SELECT rowid, bm25({search.TABLE}, 3.0, 1.0) FROM {search.TABLE} WHERE {search.TABLE} MATCH '"新能源" AND "汽车"'`
  (each word quoted; lower bm25 is better).
* **PostgreSQL**: `{search.TABLE}(article_id → articles.id, document tsvector)`, the
  title weighted A and the body B, `simple` configuration, GIN index. Query it with
  `SELECT article_id, ts_rank(document, q) FROM {search.TABLE}, plainto_tsquery('simple', '新能源 汽车') q WHERE document @@ q`.

Words must be segmented the way the index was: `aggregator search` does that for you.
"""


def type_name(column) -> str:
    t = column.type
    if isinstance(t, UTCDateTime):
        return "timestamp (UTC)"
    if isinstance(t, JSON):
        return "JSON"
    if isinstance(t, LargeBinary):
        return "binary"
    if isinstance(t, Float):
        return "float"
    if isinstance(t, BigInteger):
        return "bigint"
    if isinstance(t, Integer):
        return "integer"
    if isinstance(t, Text):
        return "text"
    if isinstance(t, String):
        return f"varchar({t.length})" if t.length else "varchar"
    return str(t).lower()


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _keys(table, column) -> str:
    marks = []
    if column.primary_key:
        marks.append("PK")
    for fk in column.foreign_keys:
        marks.append(f"FK → {fk.target_fullname}")
    if column.unique or any(c.unique and [x.name for x in c.columns] == [column.name] for c in table.indexes):
        marks.append("U")
    elif column.index or any(list(i.columns)[0].name == column.name for i in table.indexes):
        marks.append("I")
    from sqlalchemy import UniqueConstraint

    if any(isinstance(c, UniqueConstraint) and [x.name for x in c.columns] == [column.name] for c in table.constraints):
        if "U" not in marks:
            marks.append("U")
    return ", ".join(marks)


def missing_comments() -> list[str]:
    """Tables and columns without a description (must be empty)."""
    out = []
    for table in Base.metadata.sorted_tables:
        if not (table.comment or "").strip():
            out.append(table.name)
        out += [f"{table.name}.{c.name}" for c in table.columns if not (c.comment or "").strip()]
    for view in views.VIEWS:
        if not view.comment.strip():
            out.append(view.name)
        out += [f"{view.name}.{c}" for c, d in view.columns.items() if not d.strip()]
    return out


def render() -> str:
    parts = [INTRO, "## Views\n"]
    for view in views.VIEWS:
        parts.append(f"### `{view.name}`\n\n{view.comment}\n\n| column | description |\n| --- | --- |")
        parts += [f"| `{c}` | {_cell(d)} |" for c, d in view.columns.items()]
        parts.append("")
    parts.append("## Tables\n")
    order = ["sources", "articles", "article_keywords", "article_regions", "related_articles", "crawl_runs"]
    tables = sorted(Base.metadata.tables.values(), key=lambda t: (order.index(t.name) if t.name in order else len(order), t.name))
    for table in tables:
        parts.append(f"### `{table.name}`\n\n{_cell(table.comment)}\n\n| column | type | keys | description |\n| --- | --- | --- | --- |")
        for c in table.columns:
            null = ", *null*" if c.nullable and not c.primary_key else ""
            parts.append(f"| `{c.name}` | {type_name(c)}{null} | {_keys(table, c)} | {_cell(c.comment)} |")
        parts.append("")
    parts.append(SEARCH)
    parts.append("## Schema versions\n\nThe table `alembic_version` holds the schema revision "
                 "(`aggregator db current` shows it; `aggregator db upgrade` brings an older database up to date).\n")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else PAGE
    missing = missing_comments()
    if missing:
        print(f"error: no description for {', '.join(missing)} (add comment= in aggregator/db/models.py)", file=sys.stderr)
        return 1
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
