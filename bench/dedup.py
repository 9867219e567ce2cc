"""Benchmark of the dedup stage: does per-article cost stay flat as the index grows?

Generates N realistic articles from cnews-dev (clauses of one topic label recombined
into new sentences and paragraphs, numbers and a few characters mutated, so almost all
are distinct; about 5% near copies and 1% exact copies of recent articles, like
syndication), inserts each as an article row (a Core INSERT standing in for the store
stage) and registers them in the near-duplicate index in batches of ``--batch`` (50,
the store stage's default ``AGGREGATOR_BATCH_SIZE``; ``--batch 1`` registers one article
per commit cycle, as the pipeline did before it batched). Reports the dedup-stage time
per article for the 1,000 articles after the first 1,000 and for the last 1,000, their
ratio, and items per second.

    python bench/dedup.py --db sqlite --n 100000
    python bench/dedup.py --db postgresql --n 100000 [--pg-url URL]

Each run uses a fresh SQLite file / a unique PostgreSQL schema, removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from aggregator.db.engine import make_engine  # noqa: E402
from aggregator.db.models import Article, Source  # noqa: E402
from aggregator.dedup import DEFAULT_CONFIG, body_hash, register_articles  # noqa: E402

_CLAUSE = re.compile(r"[^，。！？；：,!?;]+")


class ArticleGenerator:
    """Deterministic stream of distinct articles built from the cnews clause pool."""

    def __init__(self, cnews: Path, seed: int = 1, dup_rate: float = 0.05, exact_rate: float = 0.01):
        sys.path.insert(0, str(REPO))
        from tests.dedup.syndication import load_cnews, paragraphs, syndicate_body

        self._paragraphs, self._syndicate = paragraphs, syndicate_body
        rows = load_cnews(cnews, required=False)
        if rows is None:
            raise SystemExit(f"cnews data not found at {cnews}")
        self.pool: dict[str, list[str]] = {}
        chars: list[str] = []
        for label, text in rows:
            self.pool.setdefault(label, []).extend(c.strip() for c in _CLAUSE.findall(text) if len(c.strip()) >= 4)
            chars.extend(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
        self.labels = sorted(self.pool)
        self.chars = chars
        self.rng = random.Random(seed)
        self.dup_rate, self.exact_rate = dup_rate, exact_rate
        self.recent: list[str] = []

    def _mutate(self, clause: str) -> str:
        r = self.rng
        clause = re.sub(r"\d", lambda _: str(r.randrange(10)), clause)
        if len(clause) > 6 and r.random() < 0.5:  # one character swapped for a random one
            i = r.randrange(len(clause))
            clause = clause[:i] + r.choice(self.chars) + clause[i + 1:]
        return clause

    def new_body(self) -> str:
        r = self.rng
        pool = self.pool[r.choice(self.labels)]
        paras = []
        for _ in range(r.randint(3, 10)):
            sents = []
            for _ in range(r.randint(1, 4)):
                sents.append("，".join(self._mutate(r.choice(pool)) for _ in range(r.randint(2, 4))) + "。")
            paras.append("".join(sents))
        return "\n".join(paras)

    def next(self) -> tuple[str, str]:
        """(kind, body) with kind in new/near/exact."""
        x = self.rng.random()
        if self.recent and x < self.exact_rate:
            return "exact", self.rng.choice(self.recent)
        if self.recent and x < self.exact_rate + self.dup_rate:
            src = self.rng.choice(self.recent)
            return "near", self._syndicate(src.split("\n"), self.rng)
        body = self.new_body()
        self.recent.append(body)
        if len(self.recent) > 2000:
            self.recent.pop(0)
        return "new", body


def _bulk_load(s: Session, gen: "ArticleGenerator", sid: int, start: int, stop: int, base: datetime, batch: int = 2000) -> None:
    """Fill articles and the dedup index for articles start..stop-1 in bulk (signatures and
    band keys computed as register_article does, rows inserted in batches, no cluster
    linking): the index then has the size it would have after ingesting them one by one."""
    from aggregator.db.models import DedupBand, DedupSignature
    from aggregator.dedup.fingerprint import band_keys, normalise, signature

    art = Article.__table__
    for lo in range(start, stop, batch):
        hi = min(stop, lo + batch)
        bodies = [gen.next()[1] for _ in range(lo, hi)]
        rows = [dict(url=f"https://bench.example/{i}", source_id=sid, title=f"t{i}", body=b,
                     published_at=base + timedelta(seconds=i), fetched_at=base, body_hash=body_hash(b))
                for i, b in zip(range(lo, hi), bodies)]
        ids = s.execute(insert(art).returning(art.c.id, sort_by_parameter_order=True), rows).scalars().all()
        sig_rows, band_rows = [], []
        for aid, b in zip(ids, bodies):
            sig = signature(b, DEFAULT_CONFIG)
            sig_rows.append(dict(article_id=aid, body_hash=sig.body_hash if sig else body_hash(b), length=len(normalise(b)),
                                 n_shingles=sig.n_shingles if sig else 0, signature=sig.to_bytes() if sig else None,
                                 params=DEFAULT_CONFIG.params))
            if sig is not None:
                band_rows.extend(dict(band_key=k, article_id=aid) for k in band_keys(sig.values, DEFAULT_CONFIG.bands))
        s.execute(insert(DedupSignature.__table__), sig_rows)
        s.execute(insert(DedupBand.__table__), band_rows)
        s.commit()
        print(f"  bulk-loaded {hi:>7}", flush=True)


def run(db_url: str, n: int, cnews: Path, seed: int = 1, progress: int = 5000, prefill: bool = False,
        sqlite_cache_mb: int = 0, batch: int = 50) -> dict:
    """Ingest n articles in batches of ``batch`` (1: one by one); with ``prefill`` only the
    first 2,000 and the last 1,000 are ingested so, the ones between are bulk-loaded into
    the index."""
    gen = ArticleGenerator(cnews, seed)
    engine = make_engine(db_url)
    if sqlite_cache_mb and engine.dialect.name == "sqlite":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _cache(dbapi_conn, _rec):  # experiment: a bigger page cache than SQLite's 2 MB default
            dbapi_conn.execute(f"PRAGMA cache_size=-{sqlite_cache_mb * 1024}")

        engine.dispose()
    t_dedup = []  # wall time of registration per article
    c_dedup = []  # CPU time of this process in registration (robust to other load on the machine)
    kinds = {"new": 0, "near": 0, "exact": 0}
    found = {"new": 0, "near": 0, "exact": 0}
    cands = []
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    art = Article.__table__
    wall0 = time.perf_counter()
    gen_time = 0.0
    with Session(engine) as s:
        s.execute(insert(Source.__table__).values(name="bench", spider="bench"))
        sid = s.scalar(select(Source.id).where(Source.name == "bench"))
        s.commit()
        i = 0
        while i < n:
            if prefill and i == 2000:
                b0 = time.perf_counter()
                _bulk_load(s, gen, sid, 2000, n - 1000, base)
                gen_time += time.perf_counter() - b0  # not part of the timed ingest
                i = n - 1000
            # a batch, as the store stage registers them (AGGREGATOR_BATCH_SIZE); never
            # across the 2,000 / n-1,000 boundaries, so the two windows are whole batches
            size = min(batch, (2000 if i < 2000 else n) - i)
            g0 = time.perf_counter()
            generated = [gen.next() for _ in range(size)]
            gen_time += time.perf_counter() - g0
            ids = []
            for j, (kind, body) in enumerate(generated):
                kinds[kind] += 1
                ids.append(s.execute(
                    insert(art).values(url=f"https://bench.example/{i + j}", source_id=sid, title=f"t{i + j}", body=body,
                                       published_at=base + timedelta(seconds=i + j), fetched_at=base, body_hash=body_hash(body))
                    .returning(art.c.id)
                ).scalar_one())
            t0, c0 = time.perf_counter(), time.process_time()
            results = register_articles(s, [(aid, body) for aid, (_, body) in zip(ids, generated)])
            t_batch, c_batch = time.perf_counter() - t0, time.process_time() - c0
            for (kind, _), r in zip(generated, results):
                t_dedup.append(t_batch / size)  # the batch's cost, shared by its articles
                c_dedup.append(c_batch / size)
                cands.append(r.candidates)
                if r.kind is not None:
                    found[kind] += 1
            i += size
            if i == 2000:
                print(f"  reference (articles 1001-2000): dedup {1000 * statistics.fmean(t_dedup[1000:2000]):.2f} ms/article wall,"
                      f" {1000 * statistics.fmean(c_dedup[1000:2000]):.2f} ms CPU", flush=True)
            if progress and i % progress < size:
                el = time.perf_counter() - wall0
                print(f"  {i:>7} articles  {el:7.1f}s  last-1k dedup {1000 * statistics.fmean(t_dedup[-1000:]):.2f} ms/article wall,"
                      f" {1000 * statistics.fmean(c_dedup[-1000:]):.2f} ms CPU, candidates {statistics.fmean(cands[-1000:]):.3f}", flush=True)
    wall = time.perf_counter() - wall0 - gen_time
    engine.dispose()
    early = t_dedup[1000:2000]
    late = t_dedup[-1000:]
    res = {
        "db": engine.dialect.name,
        "n": n,
        "config": DEFAULT_CONFIG.params,
        "dedup_ms_at_1k": 1000 * statistics.fmean(early),
        "dedup_ms_at_n": 1000 * statistics.fmean(late),
        "median_ms_at_1k": 1000 * statistics.median(early),
        "median_ms_at_n": 1000 * statistics.median(late),
        "ratio": statistics.fmean(late) / statistics.fmean(early),
        "cpu_ms_at_1k": 1000 * statistics.fmean(c_dedup[1000:2000]),
        "cpu_ms_at_n": 1000 * statistics.fmean(c_dedup[-1000:]),
        "cpu_ratio": statistics.fmean(c_dedup[-1000:]) / statistics.fmean(c_dedup[1000:2000]),
        "median_ratio": statistics.median(late) / statistics.median(early),
        "candidates_per_article_at_1k": statistics.fmean(cands[1000:2000]),
        "candidates_per_article_at_n": statistics.fmean(cands[-1000:]),
        "prefill": prefill,
        "sqlite_cache_mb": sqlite_cache_mb,
        "batch": batch,
        "ingested_through_register": len(t_dedup),
        "dedup_items_per_s": len(t_dedup) / sum(t_dedup),
        "items_per_s_with_article_insert": len(t_dedup) / wall,
        "wall_s_excluding_generation": wall,
        "generated": kinds,
        "matched": found,
    }
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--cnews", type=Path, default=REPO.parent / "shared" / "data" / "cnews-dev.tsv")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--sqlite-cache-mb", type=int, default=0, help="experiment: SQLite page cache size (default: SQLite's 2 MB)")
    ap.add_argument("--prefill", action="store_true",
                    help="register only articles 1-2000 and the last 1000; bulk-load the index in between (faster)")
    ap.add_argument("--batch", type=int, default=50, help="articles registered per batch (the store stage's default: 50)")
    args = ap.parse_args(argv)
    if args.batch < 1 or 1000 % args.batch:
        ap.error("--batch must divide 1000 (the measured windows are whole batches)")
    if args.n < 3000 or args.n % 1000:
        ap.error("--n must be a multiple of 1000, at least 3000 (the first 2,000 are the 1k reference)")
    cleanup = None
    if args.db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="dedup-bench-")
        url = f"sqlite:///{tmp}/bench.db"

        def cleanup():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    else:
        import uuid
        from urllib.parse import quote

        import psycopg

        schema = f"dedup_bench_{uuid.uuid4().hex[:10]}"
        conninfo = args.pg_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{args.pg_url}{'&' if '?' in args.pg_url else '?'}options={quote(f'-csearch_path={schema}')}"

        def cleanup():
            with psycopg.connect(conninfo, autocommit=True) as c:
                c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` removes the temp DB/schema
    print(f"dedup bench: {args.db}, {args.n} articles{' (prefill)' if args.prefill else ''}", flush=True)
    try:
        res = run(url, args.n, args.cnews, args.seed, prefill=args.prefill, sqlite_cache_mb=args.sqlite_cache_mb,
                  batch=args.batch)
    finally:
        cleanup()
    print(json.dumps(res, indent=1))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    ok = res["ratio"] <= 1.5
    print(f"cost at {args.n} vs at 1k: x{res['ratio']:.2f} -> {'OK' if ok else 'TOO HIGH'} (limit 1.5)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
