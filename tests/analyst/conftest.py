"""Fixtures of the analyst-side tests: the demo database (`scrapy demo`) built once per
session into SQLite and into a PostgreSQL schema — both crawls start together — and
helpers to run the real `python -m aggregator.cli`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL, ROOT


def pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {PG_URL} is unreachable ({type(exc).__name__}); .ci/run starts it"


def skip_or_fail(reason: str):
    if os.environ.get("AGGREGATOR_REQUIRE_PG"):
        pytest.fail(reason)
    pytest.skip(reason)


def _demo(db_url: str) -> subprocess.Popen:
    env = {**os.environ, "AGGREGATOR_DB_URL": db_url}
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "demo"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


class Demo:
    def __init__(self, url: str, proc: subprocess.Popen | None):
        self.url = url
        self.proc = proc
        self.output = ""

    def wait(self) -> str:
        if self.proc is not None:
            out, err = self.proc.communicate(timeout=300)
            self.output = out
            assert self.proc.returncode == 0, f"scrapy demo failed:\n{out}\n{err[-3000:]}"
            self.proc = None
        return self.url


@pytest.fixture(scope="session")
def _demos(tmp_path_factory):
    """Start `scrapy demo` into SQLite and PostgreSQL at once."""
    folder = tmp_path_factory.mktemp("demo")
    sqlite_url = f"sqlite:///{folder / 'demo.db'}"
    demos = {"sqlite": Demo(sqlite_url, _demo(sqlite_url))}
    schema = None
    reason = pg_reachable()
    if reason is None:
        schema = f"t_analyst_{uuid.uuid4().hex[:10]}"
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        demos["postgresql"] = Demo(url, _demo(url))
    else:
        demos["postgresql_skip"] = reason
    yield demos
    for demo in demos.values():
        if isinstance(demo, Demo) and demo.proc is not None:
            demo.proc.kill()
            demo.proc.communicate()
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session")
def demo_sqlite(_demos) -> str:
    """URL of the demo database in SQLite (do not change it: copy it with `sqlite_copy`)."""
    return _demos["sqlite"].wait()


@pytest.fixture(scope="session")
def demo_pg(_demos) -> str:
    """URL of the demo database in a PostgreSQL schema (read it, do not change it)."""
    if "postgresql" not in _demos:
        skip_or_fail(_demos["postgresql_skip"])
    return _demos["postgresql"].wait()


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db(request) -> str:
    return request.getfixturevalue("demo_sqlite" if request.param == "sqlite" else "demo_pg")


@pytest.fixture
def sqlite_copy(demo_sqlite, tmp_path) -> str:
    """A private copy of the SQLite demo database, free to change."""
    src = Path(demo_sqlite.removeprefix("sqlite:///"))
    dst = tmp_path / "copy.db"
    shutil.copy(src, dst)
    for suffix in ("-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, str(dst) + suffix)
    return f"sqlite:///{dst}"


def cli(*args: str, db: str | None = None, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run the real command line, `python -m aggregator.cli`, from the repository root."""
    full_env = {**os.environ, "COLUMNS": "160", **(env or {})}
    full_env.pop("AGGREGATOR_DB_URL", None)
    if env and "AGGREGATOR_DB_URL" in env:
        full_env["AGGREGATOR_DB_URL"] = env["AGGREGATOR_DB_URL"]
    argv = [sys.executable, "-m", "aggregator.cli", *(["--db", db] if db else []), *args]
    return subprocess.run(argv, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


def cli_many(calls: list[tuple[tuple[str, ...], dict]]) -> list[subprocess.CompletedProcess]:
    """Run several command lines two at a time (the machines have two cores)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda c: cli(*c[0], **c[1]), calls))


@pytest.fixture(scope="session")
def demo_output(_demos) -> str:
    """What `scrapy demo` printed while building the SQLite demo database."""
    _demos["sqlite"].wait()
    return _demos["sqlite"].output
