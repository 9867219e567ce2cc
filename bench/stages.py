"""CPU of the store and relate stages per new article, with N articles already stored.

    python bench/stages.py --stored 5000 --stored 50000 [--new 500] [--pg URL] [--json FILE]

For each N it makes a new database (a SQLite file in --dir, or a PostgreSQL schema that
is dropped afterwards), stores N synthetic articles (bench/relate.py's generator:
sentences of same-topic articles of ../shared/data/cnews-dev.tsv, numbers changed)
through the store stage's own batch function with linking off, links them all with
``rebuild_all``, and then runs ``--new`` further articles through ``store_batch`` and
``relate_batch`` (the functions the worker process runs) in batches of ``--batch``,
as a crawl does. It reports each stage's process CPU per new article (``time.process_time``
around each batch call, what ``stage_cpu/<stage>`` measures in a crawl), and wall time.
Process CPU is what to compare: the wall figures include waiting for the database
server and for the other load of the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import sessionmaker  # noqa: E402

from bench.relate import DATA, load_corpus, synthesise  # noqa: E402


def items(articles: list[tuple[str, str]], prefix: str, run_id=None) -> list[dict]:
    now = datetime.now(timezone.utc).isoformat()
    out = []
    for i, (title, body) in enumerate(articles):
        url = f"https://bench.example/{prefix}/{i}"
        out.append({
            "url": url, "canonical_url": url, "source": "bench", "title": title, "body": body,
            "published_at": None, "date_source": None, "author": None, "origin": None, "editor": None,
            "category": None, "fetched_at": now, "body_hash": hashlib.sha256(body.encode()).hexdigest(),
            "removed": [], "raw_html": f"<html><body><h1>{title}</h1><p>{body}</p></body></html>".encode(),
            "encoding": "utf-8", "run_id": run_id,
        })
    return out


def run(n: int, stored: list[tuple[str, str]], new: list[tuple[str, str]], args) -> dict:
    from aggregator.db.engine import cached_engine, make_engine
    from aggregator.pipelines.relate import relate_batch
    from aggregator.pipelines.store import store_batch
    from aggregator.relate import rebuild_all
    from aggregator.relate import store as S
    from aggregator.relate import text as T

    drop = lambda: None  # noqa: E731
    if args.pg:
        from bench.crawl import pg_schema_url

        url, drop = pg_schema_url(args.pg)
    else:
        path = Path(args.dir) / f"stages-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    try:
        make_engine(url).dispose()  # schema, as the crawl process makes it
        t0 = time.perf_counter()
        load = items(stored, "stored")
        for start in range(0, len(load), 500):
            store_batch(url, "bench", True, False, load[start:start + 500])
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rebuild_all(sessionmaker(cached_engine(url)), workers=1)
        rebuild_s = time.perf_counter() - t0
        print(f"  [{n}] stored through store_batch in {load_s:.0f} s, rebuild_all {rebuild_s:.0f} s", flush=True)
        T.tokenizer()
        cpu = {"store": [], "relate": []}
        wall = {"store": [], "relate": []}
        todo = items(new, "new")
        for start in range(0, len(todo), args.batch):
            batch = todo[start:start + args.batch]
            w0, c0 = time.perf_counter(), time.process_time()
            results = store_batch(url, "bench", True, True, batch)
            w1, c1 = time.perf_counter(), time.process_time()
            owed = [(r["article_id"], it["title"], it["body"]) for r, it in zip(results, batch) if r["relate_owed"]]
            relate_batch(url, T.TOP_K, S.TOP_N, S.THRESHOLD, owed)
            w2, c2 = time.perf_counter(), time.process_time()
            cpu["store"].append((c1 - c0) / len(batch))
            cpu["relate"].append((c2 - c1) / max(1, len(owed)))
            wall["store"].append((w1 - w0) / len(batch))
            wall["relate"].append((w2 - w1) / max(1, len(owed)))
        # the first batches warm caches (statement cache, dictionaries): report the rest
        skip = min(2, len(cpu["store"]) - 1)
        out = {"stored": n, "new": len(todo), "db": "postgresql" if args.pg else "sqlite"}
        for stage in ("store", "relate"):
            out[f"{stage}_cpu_ms"] = round(1000 * statistics.fmean(cpu[stage][skip:]), 3)
            out[f"{stage}_wall_ms"] = round(1000 * statistics.fmean(wall[stage][skip:]), 3)
        return out
    finally:
        cached_engine.cache_clear()
        drop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stored", type=int, action="append", help="articles stored before timing (repeatable)")
    ap.add_argument("--new", type=int, default=500, help="new articles timed at each size")
    ap.add_argument("--batch", type=int, default=50, help="articles per batch (AGGREGATOR_BATCH_SIZE)")
    ap.add_argument("--pg", help="a PostgreSQL URL (a schema per size is made and dropped); default SQLite")
    ap.add_argument("--dir", default=tempfile.gettempdir(), help="where the SQLite files go")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="append the results here, one JSON object a line")
    args = ap.parse_args(argv)
    if not DATA.exists():
        ap.error(f"{DATA} is absent: the texts come from ../shared")
    sizes = args.stored or [5000]
    rng = random.Random(args.seed)
    by_label = load_corpus(DATA)
    corpus = synthesise(rng, by_label, max(sizes))
    new = synthesise(rng, by_label, args.new)
    rows = []
    for n in sizes:
        rows.append(run(n, corpus[:n], new, args))
        print(json.dumps(rows[-1]), flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rows[-1]) + "\n")
    print("| stored | db | store CPU ms/article | relate CPU ms/article | store wall | relate wall |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['stored']} | {r['db']} | {r['store_cpu_ms']} | {r['relate_cpu_ms']} | {r['store_wall_ms']} | {r['relate_wall_ms']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
