"""The `aggregator` command line on the demo database, SQLite and PostgreSQL, through
the real `python -m aggregator.cli`."""

from __future__ import annotations

from aggregator.db.migrations import HEAD

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.analyst.conftest import cli, cli_many
from tests.conftest import ROOT


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["aggregator"] == "aggregator.cli:main"
    from aggregator.cli import main

    assert callable(main)


def article_ids_containing(url: str, word: str) -> set[int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = set(conn.execute(
            text("SELECT id FROM articles WHERE title LIKE :w OR body LIKE :w"), {"w": f"%{word}%"}
        ).scalars())
    engine.dispose()
    return ids


def test_every_command_on_the_demo_database(demo_db, tmp_path):
    """search, export, stats, health and db upgrade through the real command line."""
    out_parquet = tmp_path / "a.parquet"
    search, parquet, stats, health, upgrade = cli_many([
        (("search", "新能源汽车", "--copies"), {"db": demo_db}),
        (("export", "--format", "parquet", "--province", "上海", "-o", str(out_parquet)), {"db": demo_db}),
        (("stats",), {"db": demo_db}),
        (("health",), {"env": {"AGGREGATOR_DB_URL": demo_db}}),  # the environment variable is read too
        (("db", "upgrade"), {"db": demo_db}),
    ])
    for result in (search, parquet, stats, health, upgrade):
        assert result.returncode == 0, (result.args[3:], result.stdout + result.stderr)
        assert "Traceback" not in result.stderr

    # search: every article containing the phrase, each once; ids in the table
    expected = article_ids_containing(demo_db, "新能源汽车")
    assert expected, "the demo corpus mentions 新能源汽车"
    assert f"{len(expected)} result" in search.stdout
    for article_id in expected:
        assert re.search(rf"│ +{article_id} │", search.stdout), article_id

    # parquet: the articles naming 上海, with timestamps
    import pyarrow.parquet as pq

    table = pq.read_table(out_parquet)
    assert table.num_rows == count(demo_db, "SELECT COUNT(DISTINCT article_id) FROM article_regions WHERE province = '上海市'") > 0
    assert str(table.schema.field("published_at").type).startswith("timestamp")
    assert "exported" in parquet.stderr

    assert f"{count(demo_db, 'SELECT COUNT(*) FROM articles')} articles" in stats.stdout
    assert "Provinces named most" in stats.stdout
    assert "太原产业信息网" in health.stdout and "ok: 1 source" in health.stdout
    assert f"already at {HEAD}" in upgrade.stdout


def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(sql)).scalar()
    engine.dispose()
    return n


def test_export_formats_and_filters(demo_db, tmp_path, capsys):
    from aggregator.cli import main

    # JSON lines to standard output, filtered by province
    assert main(["--db", demo_db, "export", "--format", "jsonl", "--province", "上海"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert records and all("上海市" in r["provinces"].split("|") for r in records)
    assert all(r["published_at"] is None or r["published_at"].endswith("+08:00") for r in records)
    assert f"exported {len(records)} articles to standard output (jsonl)" in err

    # CSV of stories: one row per canonical article
    out_csv = tmp_path / "stories.csv"
    assert main(["--db", demo_db, "export", "--stories", "--bom", "-o", str(out_csv)]) == 0
    raw = out_csv.read_text(encoding="utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert len(rows) == count(demo_db, "SELECT COUNT(*) FROM stories") < count(demo_db, "SELECT COUNT(*) FROM articles")
    assert all(r["duplicate_of"] == "" for r in rows)

    # a query: the matching articles, best first
    assert main(["--db", demo_db, "export", "--format", "jsonl", "-q", "临港集团", "--limit", "5"]) == 0
    ids = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    assert set(ids) == article_ids_containing(demo_db, "临港集团")


def test_search_filters_in_process(demo_db, capsys):
    from aggregator.cli import main

    assert main(["--db", demo_db, "search", "新疆", "--province", "新疆", "--since", "2024-10-01", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "province 新疆维吾尔自治区" in out and "2 results" in out
    # a later --since leaves nothing: said in one line, exit 0
    assert main(["--db", demo_db, "search", "新疆", "--since", "2030-01-01"]) == 0
    assert "no article matches" in capsys.readouterr().out
    assert main(["--db", demo_db, "search", "新疆", "--source", "taiyuan_industry"]) == 0
    assert "results for 新疆" in capsys.readouterr().out


def test_sqlite_is_opened_read_only(demo_sqlite):
    from aggregator.cli.common import open_db

    engine = open_db(demo_sqlite)
    with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crawl_runs"))
    engine.dispose()


def test_postgresql_sessions_are_read_only(demo_pg):
    from aggregator.cli.common import open_db

    engine = open_db(demo_pg)
    with pytest.raises(Exception, match="read-only transaction"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crawl_runs"))
    engine.dispose()


def test_export_needs_a_file_for_parquet(demo_sqlite):
    result = cli("export", "--format", "parquet", db=demo_sqlite)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: export: --format parquet writes a file: give -o FILE"


def test_help_lists_the_commands():
    result = cli("--help")
    assert result.returncode == 0
    for command in ("search", "export", "stats", "health", "db"):
        assert command in result.stdout
    assert Path(ROOT / "docs" / "analysts.md").exists()
