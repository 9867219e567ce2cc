"""The ``aggregator`` command line, for analysts and operators.

    aggregator search 关键词 [--since DATE] [--source S] [--province P] [--limit N]
    aggregator export --format csv|jsonl|parquet [filters] [-q WORDS] [-o FILE]
    aggregator stats
    aggregator health [--runs N]
    aggregator db upgrade | current | reindex | schema-doc
    aggregator run start SPIDER [-a NAME=VALUE]… | run status ID   (distributed runs)

The database: ``--db URL``, else the ``AGGREGATOR_DB_URL`` environment variable, else
``sqlite:///data/aggregator.db``. Every command but ``db upgrade`` and ``db reindex``
opens it read-only. A problem with the input prints one line on stderr and exits 2.
Crawling stays with ``scrapy`` (``scrapy crawl``, ``scrapy demo``).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from aggregator.cli import db as db_cmd
from aggregator.cli import export as export_cmd
from aggregator.cli import health as health_cmd
from aggregator.cli import run as run_cmd
from aggregator.cli import search as search_cmd
from aggregator.cli import stats as stats_cmd
from aggregator.cli.common import CliError, one_line

COMMANDS = (search_cmd, export_cmd, stats_cmd, health_cmd, db_cmd, run_cmd)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {self.prog.split(' ', 1)[-1] if ' ' in self.prog else self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", metavar="URL", default=argparse.SUPPRESS,
        help="database URL (default: $AGGREGATOR_DB_URL, else sqlite:///data/aggregator.db)",
    )
    parser = Parser(
        prog="aggregator", parents=[common],
        description="Search, export and check the aggregated news database.",
        epilog="Crawling is `scrapy crawl SOURCE`; see docs/analysts.md and docs/operators.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for module in COMMANDS:
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(search_cmd.protect_dash_words(sys.argv[1:] if argv is None else list(argv)))
    if not hasattr(args, "db"):
        args.db = None
    try:
        return int(args.run(args) or 0)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: database: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `aggregator export | head`
        return 0


def entry() -> None:
    sys.exit(main())
