"""Alembic migrations: a first-version database with rows is upgraded without losing any;
a database created by make_engine is stamped at the head; models and head agree."""

from __future__ import annotations

from aggregator.db.migrations import HEAD

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from aggregator.db import migrations, search
from aggregator.db.engine import make_engine
from aggregator.db.models import Base
from tests.analyst.conftest import cli

TABLES = ("sources", "articles", "article_keywords", "article_regions", "related_articles", "crawl_runs")


def fill_first_version(conn) -> None:
    """Rows as the first release wrote them, into every table analysts read."""
    now = datetime(2024, 5, 10, 8, 0, tzinfo=timezone.utc)
    stamp = now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now
    conn.execute(text("INSERT INTO sources (id, name, spider, created_at) VALUES (1, '太原产业信息网', 'taiyuan_industry', :t)"), {"t": stamp})
    for i, (title, body, dup) in enumerate([
        ("新能源汽车产业园开工", "太原市小店区新能源汽车产业园今日开工，总投资120亿元。", None),
        ("转载：新能源汽车产业园开工", "太原市小店区新能源汽车产业园今日开工，总投资120亿元。", 1),
        ("光伏组件出口创新高", "山西省光伏组件出口同比增长三成。", None),
    ], start=1):
        conn.execute(text(
            "INSERT INTO articles (id, url, fetched_url, source_id, title, body, published_at, fetched_at, body_hash, duplicate_of, created_at) "
            "VALUES (:id, :url, :url, 1, :title, :body, :t, :t, :h, :dup, :t)"
        ), {"id": i, "url": f"https://taiyuan-industry.example/post/{i}.html", "title": title, "body": body,
            "t": stamp, "h": f"{i:064d}", "dup": dup})
    conn.execute(text("INSERT INTO article_keywords (article_id, keyword, weight) VALUES (1, '新能源汽车', 0.8), (3, '光伏', 0.9)"))
    conn.execute(text("INSERT INTO article_regions (article_id, province, city, district, adcode, mentions) "
                      "VALUES (1, '山西省', '太原市', '小店区', '140105000000', 2)"))
    conn.execute(text("INSERT INTO related_articles (article_id, related_id, score, shared_keywords) VALUES (1, 3, 0.2, '山西')"))
    conn.execute(text(
        "INSERT INTO crawl_runs (spider, started_at, finished_at, status, pages_fetched, items_stored, items_dropped, duplicates, skipped, errors, stats) "
        "VALUES ('taiyuan_industry', :t, :t, 'finished', 5, 3, :dropped, 1, 0, 0, :stats)"
    ), {"t": stamp, "dropped": json.dumps({"no_article": 1}), "stats": json.dumps({"boilerplate/rule/copyright": 2})})


#: Columns an upgrade fills in from the other rows (0006 marks half-done rows pending).
SET_BY_UPGRADE = {"dedup_pending", "relate_pending"}


def snapshot(url: str, columns: dict | None = None) -> dict:
    """Every row of TABLES as strings, with the columns given per table (default all),
    and the columns read under the key ``None``."""
    engine = create_engine(url)
    with engine.connect() as conn:
        cols = columns or {t: [c["name"] for c in inspect(conn).get_columns(t) if c["name"] not in SET_BY_UPGRADE]
                           for t in TABLES}
        out = {t: sorted(tuple(str(v) for v in r) for r in conn.execute(text(f"SELECT {', '.join(cols[t])} FROM {t}")).all())
               for t in TABLES}
    engine.dispose()
    return {**out, None: cols}


def first_version_db(url: str) -> None:
    engine = make_engine(url, create_tables=False)
    migrations.upgrade(engine, migrations.FIRST)
    with engine.begin() as conn:
        assert not inspect(conn).has_table(search.TABLE)
        fill_first_version(conn)
    engine.dispose()


def check_upgraded(url: str, before: dict) -> None:
    assert snapshot(url, before[None]) == before, "rows changed by the upgrade"
    engine = create_engine(url)
    with engine.connect() as conn:
        # rows a release before 0006 left without a dedup signature or keyword index owe those steps
        pending = conn.execute(text("SELECT id, dedup_pending, relate_pending FROM articles ORDER BY id")).all()
        assert [(bool(d), bool(r)) for _, d, r in pending] == [(True, True)] * 3
        assert migrations.current(conn) == migrations.HEAD
        assert [m.article_id for m in search.search(conn, "新能源汽车")] in ([1, 2], [2, 1])
        story = conn.execute(text("SELECT story_id, copies, sources FROM stories WHERE story_id = 1")).one()
        assert (story.copies, story.sources) == (1, "太原产业信息网")
        assert conn.execute(text("SELECT COUNT(*) FROM article_links")).scalar() == 1
        assert conn.execute(text("SELECT articles FROM source_health")).scalar() == 3
    engine.dispose()


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_first_version_database_with_rows_upgrades_without_loss(db, request):
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    first_version_db(url)
    before = snapshot(url)
    assert sum(len(v) for k, v in before.items() if k) == 9
    result = cli("db", "upgrade", db=url)
    assert result.returncode == 0, result.stderr
    assert f"upgraded 0001_initial → {HEAD}" in result.stdout
    check_upgraded(url, before)
    engine = make_engine(url, create_tables=False)
    assert migrations.upgrade(engine) == (migrations.HEAD, migrations.HEAD)  # again: nothing to do
    engine.dispose()


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_database_made_before_migrations_is_taken_as_the_first_revision(db, request):
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    engine = make_engine(url, create_tables=False)
    Base.metadata.create_all(engine)  # what make_engine did before migrations: no alembic_version
    with engine.begin() as conn:
        fill_first_version(conn)
        assert migrations.current(conn) == migrations.FIRST
    before = snapshot(url)
    assert migrations.upgrade(engine) == (migrations.FIRST, migrations.HEAD)
    engine.dispose()
    check_upgraded(url, before)


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_make_engine_stamps_a_new_database_at_the_head(db, request):
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    engine = make_engine(url)
    make_engine(url).dispose()  # a second crawler opening it changes nothing
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.HEAD
        assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1
        assert search.index_exists(conn)
    assert migrations.upgrade(engine) == (migrations.HEAD, migrations.HEAD)
    engine.dispose()


def test_head_constant_is_the_newest_revision():
    assert migrations.script_head() == migrations.HEAD


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_models_and_the_head_revision_agree(db, request):
    """Fails when a model changes without a new revision (see aggregator/db/migrations)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    engine = make_engine(url, create_tables=False)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, compare_to: not (
                type_ == "table" and (name.startswith(search.TABLE) or name == migrations.VERSION_TABLE)
            ),
        })
        diffs = [d for d in compare_metadata(ctx, Base.metadata) if not _is_comment(d)]
    engine.dispose()
    assert diffs == [], "models changed without a migration: write one with `python -m aggregator.db.migrations revision`"


def _is_comment(diff) -> bool:
    first = diff[0] if isinstance(diff, list) else diff
    return isinstance(first, tuple) and str(first[0]).startswith(("modify_comment", "add_table_comment", "remove_table_comment"))


def test_upgrade_of_an_empty_database_creates_everything(sqlite_url):
    result = cli("db", "upgrade", db=sqlite_url)
    assert result.returncode == 0, result.stderr
    assert f"upgraded empty database → {HEAD}" in result.stdout
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert set(TABLES) <= set(inspect(conn).get_table_names())
        assert {"stories", "article_links", "source_health"} <= set(inspect(conn).get_view_names())
    engine.dispose()


def test_search_on_a_database_not_yet_upgraded_says_so(sqlite_url, capsys):
    from aggregator.cli import main

    first_version_db(sqlite_url)
    engine = make_engine(sqlite_url)  # a crawl opening it creates the (empty) index, but does not upgrade
    engine.dispose()
    assert main(["--db", sqlite_url, "search", "新能源汽车"]) == 0
    out, err = capsys.readouterr()
    assert "no article matches" in out
    assert err.startswith(f"note: the database schema is at 0001_initial, not {HEAD}: run `aggregator db upgrade`")
    assert main(["--db", sqlite_url, "db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["--db", sqlite_url, "search", "新能源汽车"]) == 0
    out, err = capsys.readouterr()
    assert "2 results" not in out and "1 result" in out and err == ""  # the story, its copy folded


def _make(url: str, start: float) -> str:
    import time

    time.sleep(max(0.0, start - time.time()))  # every process starts creating at the same moment
    engine = make_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return version


def test_crawlers_starting_at_once_on_a_new_sqlite_database_create_the_schema_once(tmp_path):
    import multiprocessing
    import time

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        for round_ in range(12):
            url = f"sqlite:///{tmp_path / f'new{round_}.db'}"
            start = time.time() + (2.0 if round_ == 0 else 0.5)  # the first round imports the package
            # Each has failed at some time when four start together: "table … already exists"
            # (two CREATEs at once), "database is locked" (switching the new file to WAL), or
            # no stamp yet (one found the tables of another before it had stamped them).
            assert pool.starmap(_make, [(url, start)] * 4) == [HEAD] * 4
