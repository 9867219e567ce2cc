"""``aggregator run start SPIDER [-a NAME=VALUE]…`` and ``aggregator run status ID``: runs
shared by workers on several machines (aggregator.distributed, docs/distributed.md).

``start`` creates the run (one ``crawl_runs`` row), queues its start requests in Redis
once, and prints the run id; workers join it with
``scrapy crawl SPIDER -s AGGREGATOR_RUN_ID=ID`` (with ``AGGREGATOR_REDIS_URL`` and
``AGGREGATOR_DB_URL`` set the same on every machine). ``status`` shows the requests
queued, leased and done, and each worker.
"""

from __future__ import annotations

import os

from aggregator.cli.common import CliError, fmt_time, plain
from aggregator.cli.search import positive_int


def register(sub, common) -> None:
    p = sub.add_parser("run", help="start a distributed run, or show how one is going",
                       description="Runs shared by scrapy crawl workers on several machines (docs/distributed.md).")
    rsub = p.add_subparsers(dest="run_command", metavar="start|status")
    rsub.required = True
    start = rsub.add_parser("start", parents=[common], help="create a run and queue its start requests; prints its id")
    start.add_argument("spider", help="the spider every worker crawls with (scrapy list shows them)")
    start.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                       help="a spider argument, as for scrapy crawl")
    start.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="a Scrapy setting, as for scrapy crawl (AGGREGATOR_REDIS_URL, AGGREGATOR_REDIS_PREFIX)")
    start.set_defaults(run=run_start)
    status = rsub.add_parser("status", parents=[common], help="queued, leased and done requests, and each worker")
    status.add_argument("run_id", type=positive_int, metavar="ID")
    status.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting (AGGREGATOR_REDIS_URL, AGGREGATOR_REDIS_PREFIX)")
    status.set_defaults(run=run_status)


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise CliError(f"{flag} {value!r}: expected NAME=VALUE")
        out[name] = rest
    return out


def _settings(args):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "aggregator.settings")
    from scrapy.utils.project import get_project_settings

    from aggregator.distributed import enabled

    settings = get_project_settings()
    for name, value in _pairs(args.settings, "-s").items():
        settings.set(name, value, "cmdline")
    if args.db:
        settings.set("AGGREGATOR_DB_URL", args.db, "cmdline")
        os.environ["AGGREGATOR_DB_URL"] = args.db  # the environment wins over the setting
    if not enabled(settings):
        raise CliError("AGGREGATOR_REDIS_URL is not set: a distributed run needs Redis (redis://host:6379/0)")
    return settings


def run_start(args) -> int:
    from scrapy.spiderloader import get_spider_loader

    from aggregator.distributed.join import JoinError, start_run

    settings = _settings(args)
    spargs = _pairs(args.spargs, "-a")
    try:
        spidercls = get_spider_loader(settings).load(args.spider)
    except KeyError:
        raise CliError(f"unknown spider {args.spider!r} (scrapy list shows them)") from None
    try:
        run, seeded = start_run(settings, spidercls, spargs)
    except JoinError as exc:
        raise CliError(str(exc)) from None
    print(run)
    import sys

    print(f"run {run} started ({args.spider}, {seeded} start requests queued); join it with: "
          f"scrapy crawl {args.spider} -s AGGREGATOR_RUN_ID={run}", file=sys.stderr)
    return 0


def run_status(args) -> int:
    from sqlalchemy.orm import Session

    from aggregator.db.models import CrawlRun
    from aggregator.distributed import RunKeys, key_prefix
    from aggregator.distributed import workers as rows
    from aggregator.distributed.join import JoinError, database_for, redis_for

    settings = _settings(args)
    try:
        engine = database_for(settings)
        server = redis_for(settings)
    except JoinError as exc:
        raise CliError(str(exc)) from None
    keys = RunKeys(key_prefix(settings), args.run_id)
    with Session(engine) as session:
        run = session.get(CrawlRun, args.run_id)
        if run is None:
            raise CliError(f"run {args.run_id} does not exist")
        workers = rows.workers_of(session, args.run_id)
    pipe = server.pipeline(transaction=False)
    pipe.zcard(keys.queue).zcard(keys.leases).get(keys.done).scard(keys.dupefilter)
    queued, leased, done, seen = pipe.execute()
    print(f"run {run.id} {plain(run.spider)} {run.status}: started {fmt_time(run.started_at)}"
          + (f", ended {fmt_time(run.finished_at)}" if run.finished_at else ""))
    if done is None and run.finished_at:  # the run's keys are deleted when it ends
        done = (run.stats or {}).get("distributed/requests_done", 0)
    print(f"requests: {queued} queued, {leased} leased, {int(done or 0)} done; {seen} fingerprints")
    print(f"stored {run.items_stored}, pages {run.pages_fetched}" if run.finished_at else
          f"stored so far {sum(w.items_stored for w in workers)}, pages {sum(w.pages_fetched for w in workers)}")
    for w in workers:
        print(f"worker {w.id}: {w.status} on {plain(w.host or '?')} pid {w.pid}, heartbeat {fmt_time(w.heartbeat_at)}, "
              f"{w.pages_fetched} pages, {w.items_stored} stored")
    if not workers:
        print("no worker has joined yet")
    return 0
