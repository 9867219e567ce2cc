"""Every setting of ours, with its type and range, checked before anything is fetched.

A table (``SETTINGS``) names each setting, its type, its default and its range, and two
pure functions read it: ``value(settings, name)`` is what components call in
``from_crawler`` (a typed value, never a bare ValueError), and ``check(settings)``
is what ``scrapy crawl`` calls before it starts the crawler, so a mistake
(``-s AGGREGATOR_WORKERS=abc``, ``=-1``) is one ``error:`` line and exit 2.

``check_db_url(url)`` does the same for the database URL: a URL that cannot be parsed,
names a database SQLAlchemy has no driver for here, or an SQLite file in a folder that
does not exist (other than the default ``data/``) is a configuration mistake, not an
outage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from aggregator.db.engine import DEFAULT_DB_URL


class SettingError(ValueError):
    """A setting of ours has the wrong type or is out of range; the message names it."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type  # bool, int, float, str
    default: object
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False  # the minimum itself is not allowed (a period of 0 s)
    optional: bool = False  # None (unset) is allowed
    meaning: str = ""


def _s(name, kind, default, minimum=None, maximum=None, **kw) -> Setting:
    return Setting(name, kind, default, minimum, maximum, **kw)


SETTINGS: tuple[Setting, ...] = (
    _s("AGGREGATOR_DB_URL", str, DEFAULT_DB_URL, meaning="any SQLAlchemy URL (checked by check_db_url)"),
    _s("AGGREGATOR_KEEP_RAW", bool, True),
    _s("AGGREGATOR_MIRROR_DIR", str, None, optional=True, meaning="a folder that exists"),
    _s("AGGREGATOR_MIN_BODY_CHARS", int, 40, 0),
    _s("AGGREGATOR_WORKERS", int, 1, 0, 64),
    _s("AGGREGATOR_BATCH_SIZE", int, 50, 1),
    _s("AGGREGATOR_BATCH_SECONDS", float, 1.0, 0, above_minimum=True),
    _s("AGGREGATOR_DB_RETRY_SECONDS", float, 300, 0),
    _s("AGGREGATOR_HEARTBEAT_SECONDS", float, 30, 0, above_minimum=True),
    _s("AGGREGATOR_MAX_FAILED_SHARE", float, 0.2, 0, 1),
    _s("AGGREGATOR_FRONTIER_ENABLED", bool, True),
    _s("AGGREGATOR_RETRY_AFTER_ENABLED", bool, True),
    _s("AGGREGATOR_RETRY_AFTER_MAX", float, 120, 0),
    _s("AGGREGATOR_TRUNCATED_ENABLED", bool, True),
    _s("AGGREGATOR_LOOP_ERRORS_ENABLED", bool, True),
    _s("AGGREGATOR_TRUNCATED_MIN_BYTES", int, 2048, 0),
    _s("AGGREGATOR_PROGRESS_SECONDS", float, 60, 0, meaning="0 turns the periodic line off"),
    _s("AGGREGATOR_LOG_COMPACT", bool, None, optional=True),
    _s("CRAWL_RUNS_ENABLED", bool, True),
    _s("INCREMENTAL_ENABLED", bool, True),
    _s("INCREMENTAL_STOP_AFTER", int, 1, 0, meaning="0 never stops pagination early"),
    _s("INCREMENTAL_REFRESH_DAYS", int, 0, 0),
    _s("BOILERPLATE_ENABLED", bool, True),
    _s("BOILERPLATE_LEARN", bool, True),
    _s("BOILERPLATE_LEARN_SAMPLE", int, 200, 1),
    _s("BOILERPLATE_LEARN_MIN_PAGES", int, 5, 1),
    _s("BOILERPLATE_LEARN_MIN_SHARE", float, 0.5, 0, 1, above_minimum=True),
    _s("BOILERPLATE_LEARN_REFRESH", int, 50, 1),
    _s("AGGREGATOR_REDIS_URL", str, None, optional=True, meaning="a redis:// URL turns distributed mode on"),
    _s("AGGREGATOR_REDIS_PREFIX", str, "aggregator"),
    _s("AGGREGATOR_RUN_ID", int, None, 1, optional=True, meaning="the distributed run to join"),
    _s("AGGREGATOR_DISTRIBUTED_QUIET_SECONDS", float, 30, 0, above_minimum=True),
    _s("AGGREGATOR_DISTRIBUTED_LEASE_SECONDS", float, 0, 0, meaning="0: four heartbeats"),
    _s("AGGREGATOR_DISTRIBUTED_POLL_SECONDS", float, 0.25, 0, above_minimum=True),
    _s("RELATE_ENABLED", bool, True),
    _s("RELATE_TOP_K", int, None, 1, optional=True),
    _s("RELATE_TOP_N", int, None, 1, optional=True),
    _s("RELATE_THRESHOLD", float, None, 0, 1, optional=True),
)
BY_NAME = {s.name: s for s in SETTINGS}
#: The prefixes of our settings: a setting given with one of them that is not in the
#: table is a typo (``-s AGGREGATOR_WORKER=2``) and gets a "did you mean".
PREFIXES = ("AGGREGATOR_", "CLEAN_", "BOILERPLATE_", "DEDUP_", "RELATE_", "INCREMENTAL_", "CRAWL_RUNS_")
#: Set only by the environment or by tests, never read from Scrapy settings.
NOT_SETTINGS = {"AGGREGATOR_TEST_PG_URL", "AGGREGATOR_REQUIRE_PG"}
_KIND_NAMES = {bool: "True or False", int: "a whole number", float: "a number", str: "text"}


def parse(spec: Setting, raw):
    """``raw`` as ``spec``'s type and range; raise SettingError naming the setting."""
    if raw is None or (spec.optional and raw == ""):
        if spec.optional or spec.default is None:
            return None
        raw = spec.default
    try:
        if spec.kind is bool:
            got = _as_bool(raw)
        elif spec.kind is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            got = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
        elif spec.kind is float:
            if isinstance(raw, bool):
                raise ValueError
            got = float(raw)
            if not math.isfinite(got):
                raise ValueError
        else:
            got = str(raw)
    except (TypeError, ValueError):
        raise SettingError(f"{spec.name}: expected {_KIND_NAMES[spec.kind]}, got {raw!r}") from None
    if spec.kind in (int, float):
        low, high = spec.minimum, spec.maximum
        if low is not None and (got < low or (spec.above_minimum and got == low)):
            raise SettingError(f"{spec.name}: must be {'above' if spec.above_minimum else 'at least'} {_num(low)}, got {raw!r}")
        if high is not None and got > high:
            raise SettingError(f"{spec.name}: must be at most {_num(high)}, got {raw!r}")
    return got


def _as_bool(raw) -> bool:
    # What Scrapy's getbool accepts, and the usual spellings of it.
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def value(settings, name: str):
    """The typed value of one of our settings (its default when unset)."""
    spec = BY_NAME[name]
    raw = settings.get(name)
    return parse(spec, spec.default if raw is None else raw)


def check(settings) -> list[str]:
    """Raise SettingError for the first setting of ours with a wrong type or range. Return
    warnings for names given on the command line with one of our prefixes that are not
    ours (``-s AGGREGATOR_WORKER=2``), with a "did you mean": warnings, not errors, so a
    component added elsewhere with its own settings is not refused."""
    for spec in SETTINGS:
        raw = settings.get(spec.name)
        if raw is not None:
            parse(spec, raw)
    mirror = settings.get("AGGREGATOR_MIRROR_DIR")
    if mirror and not Path(mirror).is_dir():
        raise SettingError(f"AGGREGATOR_MIRROR_DIR: {str(mirror)!r} is not a folder")
    warnings = []
    for name in _cmdline_names(settings):
        if name.startswith(PREFIXES) and name not in BY_NAME and name not in NOT_SETTINGS:
            hint = did_you_mean(name, BY_NAME)
            warnings.append(f"unknown setting {name}" + (f" (did you mean {hint}?)" if hint else ""))
    return warnings


def exit_on_mistake(settings) -> None:
    """For a command's ``process_options``: print ``error: …`` and exit 2 on a setting of
    the wrong type or range (and ``warning: …`` lines for names that are none of ours)."""
    import sys

    try:
        warnings = check(settings)
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _cmdline_names(settings) -> list[str]:
    from scrapy.settings import SETTINGS_PRIORITIES

    attributes = getattr(settings, "attributes", {})
    return [k for k in attributes if settings.getpriority(k) == SETTINGS_PRIORITIES["cmdline"]]


def did_you_mean(name: str, choices) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


# --------------------------------------------------------------------------- database URL


def check_db_url(url: str, default: str = DEFAULT_DB_URL) -> None:
    """Raise SettingError for a database URL that cannot work whatever the server does:
    unparseable, a backend without a driver here, an SQLite file in a missing folder
    (the default ``data/`` folder is created)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise SettingError(f"database URL {url!r} is not a URL: expected e.g. sqlite:///data/aggregator.db "
                           "or postgresql://user@host:5432/dbname") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SettingError(f"database URL {_safe(parsed)}: {backend} is not supported; use sqlite:/// or postgresql://")
    try:
        dialect = parsed.get_dialect()
        if parsed.get_driver_name() in ("", "psycopg2") and backend == "postgresql":
            import psycopg  # noqa: F401 - the driver we install; a bare postgresql:// means it
        else:
            dialect.import_dbapi()
    except (NoSuchModuleError, ImportError) as exc:
        raise SettingError(f"database URL {_safe(parsed)}: no driver for it here ({exc})") from None
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        default_folder = Path(make_url(default).database or "").parent
        if not folder.is_dir() and folder != default_folder:
            raise SettingError(f"database URL {_safe(parsed)}: folder {str(folder)!r} does not exist")
    if backend == "postgresql" and not parsed.database:
        raise SettingError(f"database URL {_safe(parsed)}: names no database (…/dbname)")


#: Connection errors that a running server gives for a URL that is wrong (no such
#: database or role, a bad password, an unknown host): not an outage to wait out.
CONFIG_MISTAKES = ("does not exist", "password authentication failed", "no password supplied",
                   "could not translate host name", "name or service not known", "nodename nor servname",
                   "authentication failed")


def is_config_mistake(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None) or exc
    message = str(orig).lower()
    return any(m in message for m in CONFIG_MISTAKES)


def _safe(parsed) -> str:
    return parsed.render_as_string(hide_password=True)
