"""What the subcommands share: opening the database, the filters, errors."""

from __future__ import annotations

import csv
import difflib
import io
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, bindparam, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from aggregator.db.engine import resolve_db_url
from aggregator.db.models import UTCDateTime

#: Dates on the command line and in the tables are China Standard Time.
CST = timezone(timedelta(hours=8), "CST")


class CliError(Exception):
    """A problem with what the user asked for: one line on stderr, exit code 2."""


# ---- the database -------------------------------------------------------------------


def db_url(arg: str | None) -> str:
    return arg or resolve_db_url(None)


def _sqlite_path(url) -> Path | None:
    if not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def open_db(url_text: str, *, readonly: bool = True) -> Engine:
    """An engine on the database; SQLite files are opened read-only (mode=ro) and
    PostgreSQL sessions are READ ONLY, so an analyst's command never writes."""
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise CliError(f"--db: not a database URL: {url_text!r} (e.g. sqlite:///data/aggregator.db)") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = _sqlite_path(url)
        if path is None:
            raise CliError("--db: give a database file, e.g. sqlite:///data/aggregator.db")
        if readonly:
            if not path.exists():
                raise CliError(f"no database at {path} (run a crawl or `scrapy demo` first, or pass --db URL)")
            uri = path.resolve().as_uri() + "?mode=ro"
            engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=30))
            event.listen(engine, "connect", _sqlite_readonly)
        else:
            from aggregator.db.engine import make_engine

            engine = make_engine(url_text, create_tables=False)
    elif backend == "postgresql":
        if url.get_driver_name() in ("", "psycopg2"):
            url = url.set(drivername="postgresql+psycopg")
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise CliError(f"--db: cannot use {url_text!r}: {exc}") from None
        if readonly:
            event.listen(engine, "connect", _pg_readonly)
    else:
        raise CliError(f"--db: unsupported database {backend!r} (use sqlite:/// or postgresql://)")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise CliError(f"cannot open the database {safe_url(url_text)}: {one_line(exc)}") from None
    return engine


def _sqlite_readonly(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def _pg_readonly(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cur.close()
    dbapi_conn.commit()


def require_tables(engine: Engine, url_text: str) -> None:
    try:
        with engine.connect() as conn:
            ok = inspect(conn).has_table("articles")
    except SQLAlchemyError as exc:
        raise CliError(f"cannot read the database {safe_url(url_text)}: {one_line(exc)}") from None
    if not ok:
        raise CliError(
            f"{safe_url(url_text)} is empty or not an aggregator database (no articles table): "
            "run a crawl, `scrapy demo` or `aggregator db upgrade` first"
        )


def safe_url(url_text: str) -> str:
    try:
        return make_url(url_text).render_as_string(hide_password=True)
    except ArgumentError:
        return url_text


def one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return " ".join(str(orig).split())[:300]


# ---- filters ------------------------------------------------------------------------


def parse_since(value: str | None) -> datetime | None:
    """A date (2024-05-01) or date and time (2024-05-01T08:00), China Standard Time."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CliError(f"--since: expected a date like 2024-05-01, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    return parsed


@lru_cache(maxsize=1)
def province_names() -> tuple[str, ...]:
    """Full names of China's province-level divisions, from the gazetteer."""
    text_ = resources.files("aggregator.relate").joinpath("data", "adcodes.csv").read_text(encoding="utf-8")
    names = {row["name"].strip() for row in csv.DictReader(io.StringIO(text_)) if row["adcode"].strip()[2:].strip("0") == ""}
    return tuple(sorted(names))


def resolve_province(value: str, in_db: list[str]) -> str:
    """The full province name for what the user typed (山西 → 山西省)."""
    value = value.strip()
    known = sorted(set(province_names()) | set(in_db))
    if value in known:
        return value
    from aggregator.relate.regions import province_short

    by_short = [name for name in known if province_short(name) == value or name.startswith(value) and len(value) >= 2]
    if len(by_short) == 1:
        return by_short[0]
    close = by_short or difflib.get_close_matches(value, known, n=5, cutoff=0.3)
    hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(known)}"
    raise CliError(f"--province: unknown province {value!r}; {hint}")


def resolve_source(value: str, sources: list[tuple[str, str]]) -> str:
    """The source name for what the user typed: a source name or its spider's name."""
    names = sorted({name for name, _ in sources})
    for name, spider in sources:
        if value in (name, spider):
            return name
    if not names:
        raise CliError(f"--source: unknown source {value!r}; the database has no sources yet")
    spiders = sorted({spider for _, spider in sources})
    close = difflib.get_close_matches(value, names + spiders, n=5, cutoff=0.4)
    close += [n for n in names if value.lower() in n.lower() and n not in close]
    hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(names)}"
    raise CliError(f"--source: unknown source {value!r}; {hint}")


@dataclass
class Filters:
    since: datetime | None = None
    source: str | None = None
    province: str | None = None
    where: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    binds: list = field(default_factory=list)


def add_filter_options(parser) -> None:
    parser.add_argument("--since", metavar="DATE", help="only articles published on or after DATE (2024-05-01, China time)")
    parser.add_argument("--source", metavar="S", help="only this source (its name or its spider's name)")
    parser.add_argument("--province", metavar="P", help="only articles naming this province (山西 or 山西省)")


def build_filters(conn, args) -> Filters:
    """Validate --since/--source/--province and turn them into SQL over ``articles a``
    joined to ``sources src``."""
    f = Filters()
    f.since = parse_since(getattr(args, "since", None))
    if f.since is not None:
        f.where.append("COALESCE(a.published_at, a.fetched_at) >= :since")
        f.params["since"] = f.since
        f.binds.append(bindparam("since", type_=UTCDateTime()))
    if getattr(args, "source", None):
        sources = [tuple(r) for r in conn.execute(text("SELECT name, spider FROM sources")).all()]
        f.source = resolve_source(args.source, sources)
        f.where.append("src.name = :source")
        f.params["source"] = f.source
    if getattr(args, "province", None):
        in_db = list(conn.execute(text("SELECT DISTINCT province FROM article_regions")).scalars())
        f.province = resolve_province(args.province, in_db)
        f.where.append("EXISTS (SELECT 1 FROM article_regions r WHERE r.article_id = a.id AND r.province = :province)")
        f.params["province"] = f.province
    return f


def where_sql(conditions: list[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


# ---- output -------------------------------------------------------------------------


def console(stderr: bool = False):
    """The rich console of the tables. Markup and emoji codes are off: titles, sources,
    keywords and excerpts come from crawled pages, and a title holding ``[/]`` or
    ``[bold]`` (or ``:smile:``) must print as written, never crash or restyle the
    output. Nothing of ours uses markup; pass crawled text through :func:`plain` too."""
    from rich.console import Console

    width = None if (sys.stderr if stderr else sys.stdout).isatty() else int(os.environ.get("COLUMNS", "120"))
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=False, markup=False, emoji=False)


# C0 and C1 control characters but tab and newline: a crawled title holding ESC [ … m
# (or an OSC sequence) would drive the analyst's terminal.
_CONTROLS = {c: None for c in (*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0))}


def plain(value) -> str:
    """Text from a crawled page, safe to print on a terminal: control characters removed
    (rich markup is off in :func:`console`, so brackets print literally)."""
    return "" if value is None else str(value).translate(_CONTROLS)


def cst(value) -> datetime | None:
    """A stored time (aware datetime, or SQLite text through a raw query) in China time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=CST)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CST)


def fmt_date(value) -> str:
    v = cst(value)
    return v.strftime("%Y-%m-%d") if v else "—"


def fmt_time(value) -> str:
    v = cst(value)
    return v.strftime("%Y-%m-%d %H:%M") if v else "—"
