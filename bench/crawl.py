"""End-to-end throughput and memory, against bare Scrapy on the same local site.

    python bench/crawl.py --n 1000 --n 5000 [--pg postgresql+psycopg://postgres@127.0.0.1/test]
                          [--json FILE] [--plot docs/performance.png] [--set NAME=VALUE ...]

For each N it generates a site of N article pages (bench/sitegen.py; texts from
../shared/data/cnews-dev.tsv), serves it from a separate process on 127.0.0.1, and crawls it
  (a) with a bare Scrapy spider that follows the same links and stores nothing (the ceiling),
  (b) with `scrapy crawl site` and the full pipeline into a new SQLite file,
  (c) the same into PostgreSQL (a new schema, dropped afterwards),
with the same download settings. It reports pages per second, the ratios b/a and c/a,
CPU milliseconds per page by stage (stage_cpu/* stats) and of the crawl's processes, and
peak RSS (Scrapy's memusage/max plus each worker process's peak), the HTTP server's CPU per
page, and beside each ratio the bound its per-page CPU allows on two cores (see ``bound``). ``--set`` passes a
project setting to (b) and (c), to measure a variant.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.sitegen import generate_site, list_pages  # noqa: E402

CNEWS = ROOT.parent / "shared" / "data" / "cnews-dev.tsv"
SAME_SETTINGS = [
    "-s", "LOG_LEVEL=WARNING", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ROBOTSTXT_OBEY=False",
    "-s", "TELNETCONSOLE_ENABLED=False", "-s", "MEMUSAGE_ENABLED=True",
]
STAGES = ("extract", "clean", "boilerplate", "dedup", "store", "relate")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_crawl(args: list[str], stats_file: Path, env: dict, extensions: dict) -> dict:
    cmd = [sys.executable, "-m", "scrapy", *args, *SAME_SETTINGS,
           "-s", f"BENCH_STATS_FILE={stats_file}", "-s", f"EXTENSIONS={json.dumps(extensions)}"]
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not stats_file.exists():
        raise SystemExit(f"crawl failed ({proc.returncode}): {' '.join(args)}\n{proc.stderr[-3000:]}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    pages = stats.get("response_received_count", 0)
    elapsed = float(stats.get("elapsed_time_seconds") or wall)
    return {
        "pages": pages,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 1),
        # peak RSS of the crawl process plus that of each worker process it ran
        "rss_mb": round((stats.get("memusage/max", 0) + sum(v for k, v in stats.items() if k.startswith("offload/rss_max/"))) / 2**20),
        "crawl_process_rss_mb": round(stats.get("memusage/max", 0) / 2**20),
        # CPU of the crawl process and any worker processes it started, per page
        "process_cpu_ms_per_page": round(1000 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / max(pages, 1), 2),
        "stored": stats.get("aggregator/stored/inserted", 0),
        "cpu_ms_per_page": {s: round(1000 * stats.get(f"stage_cpu/{s}", 0) / max(pages, 1), 2) for s in STAGES},
    }


def pg_schema_url(base: str) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop():
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    return f"{base}?options=-csearch_path%3D{schema}", drop


def bench(n: int, pg: str | None, work: Path, extra: list[str] = ()) -> dict:
    site = work / f"site-{n}"
    if not site.exists():
        generate_site(site, n, CNEWS)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    start_url = f"http://127.0.0.1:{port}/list_1.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = {"n": n, "settings": list(extra)}
    try:
        dump = {"bench.stats_dump.StatsToFile": 0}
        full = {**dump, "aggregator.extensions.crawl_run.CrawlRunRecorder": 100}
        results["a"] = run_crawl(["runspider", str(ROOT / "bench" / "bare_spider.py"), "-a", f"start_url={start_url}"],
                                 work / f"a-{n}.json", env, dump)
        site_args = ["crawl", "site", "-a", f"start_url={start_url}", "-a", f"max_pages={list_pages(n) + 1}"]
        for setting in extra:  # a variant of the project's settings, for (b) and (c) only
            site_args += ["-s", setting]
        db = work / f"b-{n}.db"
        db.unlink(missing_ok=True)
        results["b"] = run_crawl(site_args, work / f"b-{n}.json", {**env, "AGGREGATOR_DB_URL": f"sqlite:///{db}"}, full)
        if pg:
            url, drop = pg_schema_url(pg)
            try:
                results["c"] = run_crawl(site_args, work / f"c-{n}.json", {**env, "AGGREGATOR_DB_URL": url}, full)
            finally:
                drop()
    finally:
        server.terminate()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the HTTP server's CPU (counted once it is reaped) over every page it served
    served = sum(results[k]["pages"] for k in ("a", "b", "c") if k in results)
    server_ms = 1000 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / max(served, 1)
    results["server_cpu_ms_per_page"] = round(server_ms, 2)
    for k in ("b", "c"):
        if k in results:
            results[f"{k}/a"] = round(results[k]["pages_per_s"] / results["a"]["pages_per_s"], 3)
            results[f"bound_{k}/a"] = bound(results[k], server_ms, results["a"]["pages_per_s"])
    return results


def bound(run: dict, server_ms: float, bare_pages_per_s: float, cores: int = 2) -> float:
    """The highest ratio to bare Scrapy this run's per-page CPU allows on ``cores`` cores:
    its processes and the HTTP server spread perfectly over the cores, and the worker
    process, which runs store and relate one batch after another, never idle. (For
    PostgreSQL the server's own CPU is not counted, so the bound is too high there.)"""
    per_page = run["process_cpu_ms_per_page"] + server_ms
    worker = run["cpu_ms_per_page"]["store"] + run["cpu_ms_per_page"]["relate"]
    pages_per_s = min(1000 * cores / per_page, 1000 / worker if worker else float("inf"))
    return round(min(pages_per_s, bare_pages_per_s) / bare_pages_per_s, 3)


def report(rows: list[dict]) -> str:
    out = ["| N | a: bare pages/s | b: SQLite pages/s | b/a (bound) | c: PostgreSQL pages/s | c/a (bound) | peak RSS a / b / c (MiB) |",
           "| ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        c = r.get("c", {})
        out.append(f"| {r['n']} | {r['a']['pages_per_s']} | {r['b']['pages_per_s']} | {r['b/a']} ({r.get('bound_b/a', '–')}) | "
                   f"{c.get('pages_per_s', '–')} | {r.get('c/a', '–')} ({r.get('bound_c/a', '–')}) | "
                   f"{r['a']['rss_mb']} / {r['b']['rss_mb']} / {c.get('rss_mb', '–')} |")
    out += ["", "CPU milliseconds per page of all the crawl's processes, and of the HTTP server: "
            + "; ".join(f"N {r['n']}: a {r['a']['process_cpu_ms_per_page']}, b {r['b']['process_cpu_ms_per_page']}"
                        + (f", c {r['c']['process_cpu_ms_per_page']}" if "c" in r else "")
                        + f", server {r.get('server_cpu_ms_per_page', '–')}" for r in rows)]
    out += ["", "CPU milliseconds per page by stage (b, SQLite):", "",
            "| N | " + " | ".join(STAGES) + " |", "| ---: |" + " ---: |" * len(STAGES)]
    for r in rows:
        out.append(f"| {r['n']} | " + " | ".join(str(r["b"]["cpu_ms_per_page"][s]) for s in STAGES) + " |")
    return "\n".join(out)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("a", "a: bare Scrapy"), ("b", "b: full pipeline, SQLite"), ("c", "c: full pipeline, PostgreSQL")):
        if all(key in r for r in rows):
            ax.plot(ns, [r[key]["pages_per_s"] for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("N article pages")
    ax.set_ylabel("pages per second")
    ax.legend()
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="article pages (repeatable)")
    parser.add_argument("--pg", help="PostgreSQL URL for run (c)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "aggregator-bench")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    parser.add_argument("--plot", type=Path, help="write a PNG of pages/s against N here")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a project setting for runs (b) and (c), e.g. AGGREGATOR_WORKERS=2 (repeatable)")
    args = parser.parse_args(argv)
    for setting in args.set:
        if "=" not in setting:
            parser.error(f"--set {setting!r}: expected NAME=VALUE")
    if not CNEWS.exists():
        parser.error(f"{CNEWS} is absent: the benchmark's texts come from ../shared")
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.n or [1000]:
        rows.append(bench(n, args.pg, args.work, args.set))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    print(report(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
