"""Distributed crawling: pages per second with 1, 2 and 4 workers of one run, at the same
per-worker concurrency, over several sites whose server adds 200–300 ms to every
response (as regional portals do); Redis commands and bytes per page; Redis memory per
queued request and per fingerprint.

    python bench/distributed.py [--sites 16] [--articles 40] [--workers 1 2 4]
                                [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                [--redis redis://127.0.0.1:6379/0] [--json FILE]

Sites are generated with tests/faults/newsite.py and served by one local server on
127.0.0.1, reached as an HTTP proxy (``http_proxy``) so that each site has a host name of
its own (``site1.test``, …) and so its own politeness slot. Each configuration is a new
run (``aggregator run start bench_sites``) in a new PostgreSQL schema, with its own Redis
key prefix, crawled by N ``scrapy crawl`` workers on this machine with
CONCURRENT_REQUESTS=2, then 16 (``--concurrency``), and CONCURRENT_REQUESTS_PER_DOMAIN=4
(cluster-wide, through the politeness handler), DOWNLOAD_DELAY=0, AutoThrottle off. Pages per second are the run's
responses over the time from the first worker's start to the moment its queue and
leases were empty (every item stored and linked), so start-up and the quiet period are
left out. CPU is that of the worker processes and their store/relate processes.

Redis is the machine's shared server: its command and byte counters include whatever
else used it at the time (the figures are upper bounds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER_SETTINGS = [
    "-s", "LOG_LEVEL=WARNING", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", "-s", "TELNETCONSOLE_ENABLED=False",
    "-s", "AGGREGATOR_DISTRIBUTED_QUIET_SECONDS=2", "-s", "AGGREGATOR_HEARTBEAT_SECONDS=2",
    "-s", "SPIDER_MODULES=aggregator.spiders,bench.distributed_spider",
]


# --- the slow server (run in its own process: `python bench/distributed.py --serve DIR`) ---
class SlowProxyHandler(BaseHTTPRequestHandler):
    """Serves DIR/HOST/PATH for GET http://HOST/PATH (proxy form), 200–300 ms late."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        host = parts.hostname or self.headers.get("Host", "").split(":")[0]
        path = (parts.path or "/").lstrip("/") or "index.html"
        file = self.server.root / host / path
        time.sleep(random.uniform(0.2, 0.3))
        try:
            body, status = file.read_bytes(), 200
        except OSError:
            body, status = b"not found", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8" if path.endswith(".html") else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(root: str, port_file: str) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowProxyHandler)
    httpd.daemon_threads = True
    httpd.request_queue_size = 256
    httpd.root = Path(root)
    Path(port_file).write_text(str(httpd.server_address[1]))
    httpd.serve_forever()


# --- the bench -----------------------------------------------------------------------------
def build_sites(root: Path, sites: int, articles: int) -> list[str]:
    from tests.faults.newsite import build

    urls = []
    for i in range(1, sites + 1):
        host = f"site{i}.test"
        build(root / host, articles, per_page=20, seed=i)
        urls.append(f"http://{host}/category-1.html")
    return urls


def redis_counters(server) -> dict:
    stats = server.info("stats")
    commands = sum(v["calls"] for k, v in server.info("commandstats").items() if k.startswith("cmdstat_"))
    return {"commands": commands, "net_in": stats["total_net_input_bytes"], "net_out": stats["total_net_output_bytes"]}


def one_config(n: int, sites: list[str], env_base: dict, pg_base: str, redis, concurrency: int) -> dict:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(pg_base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    db = f"{pg_base}?options=-csearch_path%3D{schema}"
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = {**env_base, "AGGREGATOR_DB_URL": db}
    try:
        started = subprocess.run([sys.executable, "-m", "aggregator.cli", "run", "start", "bench_sites",
                                  "-a", "sites=" + ",".join(sites), "-a", "max_pages=100",
                                  "-s", f"AGGREGATOR_REDIS_PREFIX={prefix}",
                                  "-s", "SPIDER_MODULES=aggregator.spiders,bench.distributed_spider"],
                                 cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        run = int(started.stdout.strip())
        before = redis_counters(redis)
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t_start = time.time()
        procs = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "bench_sites", *WORKER_SETTINGS,
                                   "-s", f"CONCURRENT_REQUESTS={concurrency}",
                                   "-s", f"AGGREGATOR_RUN_ID={run}", "-s", f"AGGREGATOR_REDIS_PREFIX={prefix}"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(n)]
        keys = [f"{prefix}:run:{run}:queue", f"{prefix}:run:{run}:leases"]
        drained_at, seen_work = None, False
        while any(p.poll() is None for p in procs):
            pipe = redis.pipeline(transaction=False)
            for k in keys:
                pipe.zcard(k)
            busy = any(pipe.execute())
            seen_work |= busy
            if busy:
                drained_at = None
            elif seen_work and drained_at is None:
                drained_at = time.time()
            time.sleep(0.05)
        errs = [p.stderr.read() for p in procs]
        codes = [p.returncode for p in procs]
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = redis_counters(redis)
        with engine.connect() as conn:
            row = conn.execute(text(f"SELECT status, pages_fetched, items_stored, stats FROM {schema}.crawl_runs "
                                    "WHERE id = :id"), {"id": run}).one()
            starts = [r[0] for r in conn.execute(text(f"SELECT started_at FROM {schema}.crawl_run_workers"))]
            stored = conn.execute(text(f"SELECT COUNT(*) FROM {schema}.articles")).scalar()
        t0 = min(s.timestamp() for s in starts) if starts else t_start
        elapsed = (drained_at or time.time()) - t0
        pages = row.pages_fetched
        result = {
            "workers": n, "concurrency": concurrency, "status": row.status, "exit_codes": codes, "pages": pages, "stored": stored,
            "seconds": round(elapsed, 2), "pages_per_s": round(pages / elapsed, 2),
            "cpu_s": round((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime), 1),
            "redis_commands_per_page": round((after["commands"] - before["commands"]) / max(pages, 1), 1),
            "redis_bytes_in_per_page": round((after["net_in"] - before["net_in"]) / max(pages, 1)),
            "redis_bytes_out_per_page": round((after["net_out"] - before["net_out"]) / max(pages, 1)),
        }
        if any(codes):
            result["stderr"] = [e[-1500:] for e in errs]
        return result
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
        for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
            redis.delete(key)


def memory_per_entry(redis, sites: list[str]) -> dict:
    """Redis memory per queued request and per fingerprint, measured on scratch keys."""
    import hashlib

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from aggregator.distributed import RunKeys
    from aggregator.distributed.queue import LeasedQueue
    from bench.distributed_spider import BenchSites

    settings = Settings()
    settings.setmodule("aggregator.settings")
    crawler = Crawler(BenchSites, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    spider = BenchSites.from_crawler(crawler, sites=",".join(sites))
    keys = RunKeys(f"bench-mem-{uuid.uuid4().hex[:8]}", 1)
    queue = LeasedQueue(redis, spider, keys.queue, keys=keys)
    n = 2000
    try:
        for i in range(n):
            url = f"http://site{i % 16 + 1}.test/post/{1000 + i}.html"
            request = spider.article_request(url, category=None, list_url=sites[0], channel=sites[0])
            request.meta["aggregator_stored"] = {"stored": False, "published_at": None}
            queue.push(request)
            redis.sadd(keys.dupefilter, hashlib.sha1(url.encode()).hexdigest())
        sample = queue._encode_request(request)
        return {"entries": n, "pickled_request_bytes": len(sample),
                "queue_bytes_per_request": round(redis.memory_usage(keys.queue, samples=0) / n),
                "dupefilter_bytes_per_fingerprint": round(redis.memory_usage(keys.dupefilter, samples=0) / n)}
    finally:
        redis.delete(keys.queue, keys.dupefilter)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=16)
    parser.add_argument("--articles", type=int, default=40, help="articles per site")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 16],
                        help="CONCURRENT_REQUESTS per worker; one series of --workers each")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve", nargs=2, metavar=("DIR", "PORT_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return 0
    import redis as redis_lib

    redis = redis_lib.Redis.from_url(args.redis)
    with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp:
        root = Path(tmp)
        sites = build_sites(root / "www", args.sites, args.articles)
        port_file = root / "port"
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(root / "www"), str(port_file)])
        try:
            for _ in range(100):
                if port_file.exists() and port_file.read_text():
                    break
                time.sleep(0.05)
            proxy = f"http://127.0.0.1:{port_file.read_text()}"
            env = {**os.environ, "AGGREGATOR_REDIS_URL": args.redis, "http_proxy": proxy, "HTTP_PROXY": proxy,
                   "no_proxy": "", "NO_PROXY": ""}
            results = []
            for c in args.concurrency:
                for n in args.workers:
                    r = one_config(n, sites, env, args.pg, redis, c)
                    results.append(r)
                    print(json.dumps(r), flush=True)
        finally:
            server.terminate()
            server.wait()
        memory = memory_per_entry(redis, sites)
    print(f"\n{args.sites} sites x {args.articles} articles, 200-300 ms per response, "
          f"4 requests per site cluster-wide; {os.cpu_count()} CPUs; {datetime.now():%Y-%m-%d %H:%M}")
    print("| requests per worker | workers | pages | stored | seconds | pages/s | vs 1 worker | CPU s | CPU ms/page | Redis cmds/page | Redis bytes in/out per page |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        base = next((b["pages_per_s"] for b in results if b["workers"] == 1 and b["concurrency"] == r["concurrency"]), None)
        ratio = f"{r['pages_per_s'] / base:.2f}x" if base else "-"
        print(f"| {r['concurrency']} | {r['workers']} | {r['pages']} | {r['stored']} | {r['seconds']} | {r['pages_per_s']} | {ratio} | "
              f"{r['cpu_s']} | {1000 * r['cpu_s'] / max(r['pages'], 1):.0f} | {r['redis_commands_per_page']} | "
              f"{r['redis_bytes_in_per_page']} / {r['redis_bytes_out_per_page']} |")
    print(f"\nRedis memory: {memory['queue_bytes_per_request']} bytes per queued request "
          f"(pickled request {memory['pickled_request_bytes']} bytes), "
          f"{memory['dupefilter_bytes_per_fingerprint']} bytes per fingerprint ({memory['entries']} of each)")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "memory": memory}, indent=2))
    return 0 if all(not any(r["exit_codes"]) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
