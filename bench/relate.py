"""Benchmark of aggregator.relate: linking cost per new article with many vs few stored,
and a full rebuild.

    python bench/relate.py [--articles 100000] [--small 1000] [--new 200] [--db URL_TEMPLATE]

It generates ``--articles`` synthetic articles by sampling and shuffling sentences of
same-topic articles of ../shared/data/cnews-dev.tsv (with numbers changed), bulk-loads them,
times ``rebuild_all`` over them (that also computes every article's keywords and links), then
stores ``--new`` further articles one by one and times, per article, keyword and region
indexing (with the commit of their rows) and then ``link_related`` (with the commit of its
links). The same is done with ``--small`` stored articles, and the two linking costs are
compared. SQLite files go to --dir; pass --db with a
PostgreSQL URL to run there instead (a schema per size is created and dropped).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from aggregator.db.engine import make_engine  # noqa: E402
from aggregator.db.models import Article, Base, Source  # noqa: E402
from aggregator.relate import ensure_schema, rebuild_all  # noqa: E402
from aggregator.relate import store as S  # noqa: E402
from aggregator.relate import text as T  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "cnews-dev.tsv"
_SENT = re.compile(r"(?<=[。！？])")


def load_corpus(path: Path) -> dict[str, list[list[str]]]:
    by_label: dict[str, list[list[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        label, _, body = line.partition("\t")
        sents = [s for s in _SENT.split(body) if s.strip()]
        if sents:
            by_label.setdefault(label, []).append(sents)
    return by_label


def synthesise(rng: random.Random, by_label: dict[str, list[list[str]]], n: int,
               labels_out: list[str] | None = None) -> list[tuple[str, str]]:
    """Articles made of sentences from two or three same-topic articles, shuffled, with the
    numbers changed: realistic vocabulary, keyword postings that grow with the corpus.
    Each article's topic label is appended to ``labels_out``."""
    labels = sorted(by_label)
    out = []
    for _ in range(n):
        label = rng.choice(labels)
        if labels_out is not None:
            labels_out.append(label)
        docs = rng.sample(by_label[label], k=2)
        sents = []
        for d in docs:
            k = max(1, int(len(d) * rng.uniform(0.3, 0.7)))
            sents.extend(rng.sample(d, k=min(k, len(d))))
        rng.shuffle(sents)
        sents = sents[:40]
        body = re.sub(r"\d+", lambda m: str(rng.randint(1, 9999)), "".join(sents))
        title = sents[0][:24].rstrip("。！？，")
        out.append((title, body))
    return out


def bulk_load(engine, articles: list[tuple[str, str]]) -> None:
    now = datetime.now(timezone.utc)
    with Session(engine) as s:
        src = Source(name="bench", spider="bench")
        s.add(src)
        s.flush()
        rows = [
            {"url": f"https://bench.example/{i}", "source_id": src.id, "title": t, "body": b, "fetched_at": now,
             "body_hash": hashlib.sha256(b.encode()).hexdigest()}
            for i, (t, b) in enumerate(articles)
        ]
        for start in range(0, len(rows), 5000):
            s.execute(Article.__table__.insert(), rows[start:start + 5000])
        s.commit()


def add_one(session: Session, src_id: int, i: int, title: str, body: str, caps: list[int] = ()) -> dict[str, float]:
    a = Article(url=f"https://bench.example/new/{i}", source_id=src_id, title=title, body=body,
                fetched_at=datetime.now(timezone.utc), body_hash=hashlib.sha256(body.encode()).hexdigest())
    session.add(a)
    session.flush()
    article_id = a.id
    t0, c0 = time.perf_counter(), time.process_time()
    S.index_keywords(session, article_id, title, body)
    t1 = time.perf_counter()
    S.index_regions(session, article_id, title, body)
    # the keyword and region rows are written (committed) before linking starts, so that
    # link_related's figure is the linking alone: its reads, its link rows and their commit
    session.commit()
    t2, c2 = time.perf_counter(), time.process_time()
    S.link_related(session, article_id)
    session.commit()
    t3, c3 = time.perf_counter(), time.process_time()
    out = {"index_keywords": t1 - t0, "index_regions + commit": t2 - t1, "link_related": t3 - t2, "total": t3 - t0,
           "link_related CPU": c3 - c2, "total CPU": c3 - c0}
    # other candidate caps, timed on the same article (links re-done in place)
    for cap in (caps if i % 2 == 0 else list(reversed(caps))):
        t4 = time.perf_counter()
        S.link_related(session, article_id, candidates_per_keyword=cap)
        session.commit()
        out[f"link_related cap {cap}"] = time.perf_counter() - t4
    return out


def new_link_precision(session: Session, big_labels: list[str], new_labels: list[str]) -> tuple[float, float]:
    """Precision@5 and coverage of the new articles' links, against the topic labels the
    articles were synthesised from (bench.example/<i> are stored ones, /new/<i> new ones)."""
    def label(url: str) -> str:
        tail = url.removeprefix("https://bench.example/")
        return new_labels[int(tail[4:])] if tail.startswith("new/") else big_labels[int(tail)]

    urls = dict(session.execute(text("select id, url from articles")).all())
    links: dict[int, list[tuple[float, int]]] = {}
    for aid, rid, score in session.execute(text(
            "select r.article_id, r.related_id, r.score from related_articles r join articles a on a.id = r.article_id "
            "where a.url like 'https://bench.example/new/%'")):
        links.setdefault(aid, []).append((score, rid))
    shares = []
    for aid, lst in links.items():
        top = sorted(lst, reverse=True)[:5]
        shares.append(sum(label(urls[r]) == label(urls[aid]) for _, r in top) / len(top))
    return (statistics.fmean(shares) if shares else 0.0), len(links) / len(new_labels)


def make(url_template: str, name: str, directory: Path):
    if url_template.startswith("postgresql"):
        schema = f"relate_bench_{name}"
        eng = make_engine(url_template, create_tables=False)
        with eng.begin() as c:
            c.execute(text(f'drop schema if exists "{schema}" cascade'))
            c.execute(text(f'create schema "{schema}"'))
        eng.dispose()
        eng = make_engine(url_template, create_tables=False)

        @event.listens_for(eng, "connect")
        def _sp(dbapi_conn, _r):
            cur = dbapi_conn.cursor()
            cur.execute(f'set search_path to "{schema}"')
            cur.close()
            dbapi_conn.commit()

        Base.metadata.create_all(eng)
        return eng, lambda: _drop_schema(url_template, schema)
    path = directory / f"relate-bench-{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return make_engine(f"sqlite:///{path}"), lambda: None


def _drop_schema(url, schema):
    eng = make_engine(url, create_tables=False)
    with eng.begin() as c:
        c.execute(text(f'drop schema if exists "{schema}" cascade'))
    eng.dispose()


def ms(xs: list[float]) -> str:
    xs = sorted(xs)
    return (f"mean {1000 * statistics.fmean(xs):.1f} ms, median {1000 * statistics.median(xs):.1f} ms, "
            f"p90 {1000 * xs[int(len(xs) * 0.9)]:.1f} ms")


def build(name: str, stored: list[tuple[str, str]], args) -> dict:
    engine, cleanup = make(args.db, name, Path(args.dir))
    ensure_schema(engine)
    t0 = time.perf_counter()
    bulk_load(engine, stored)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    last = [time.perf_counter()]

    def progress(stage, done, total):
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  [{name}] {stage} {done}/{total}", flush=True)

    stats = rebuild_all(sessionmaker(engine), progress=progress, workers=args.workers)
    rebuild_s = time.perf_counter() - t0
    return {"engine": engine, "cleanup": cleanup, "stored": len(stored), "load_s": load_s, "rebuild_s": rebuild_s,
            "rebuild": stats, "times": {}}


def db_bytes(engine) -> int | None:
    if engine.dialect.name != "sqlite":
        return None
    base = Path(engine.url.database)
    return sum(p.stat().st_size for p in (base, Path(str(base) + "-wal")) if p.exists())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--new", type=int, default=200)
    ap.add_argument("--workers", type=int, default=None, help="tokenising processes for the rebuild (default: CPUs)")
    ap.add_argument("--db", default="sqlite", help="'sqlite' (files in --dir) or a PostgreSQL URL")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--caps", default="", help="also time link_related with these candidate caps, e.g. 10,20 (at most CANDIDATES_PER_KEYWORD)")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"needs {DATA}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    by_label = load_corpus(DATA)
    big_labels: list[str] = []
    new_labels: list[str] = []
    big = synthesise(rng, by_label, args.articles, big_labels)
    new = synthesise(rng, by_label, args.new, new_labels)
    print(f"generated {len(big)} + {len(new)} articles, mean body {statistics.fmean(len(b) for _, b in big):.0f} chars", flush=True)
    results = {}
    for name, stored in (("small", big[: args.small]), ("large", big)):
        print(f"== {name}: bulk load and rebuild_all of {len(stored)} articles", flush=True)
        r = build(name, stored, args)
        results[name] = r
        rb = r["rebuild"]
        size = db_bytes(r["engine"])
        print(f"  bulk load {r['load_s']:.1f} s; rebuild_all {r['rebuild_s']:.1f} s wall, {rb['cpu_seconds']:.0f} s CPU "
              f"({', '.join(f'{k} {v:.1f} s' for k, v in rb['seconds'].items())}); "
              f"{rb['keywords']} keyword rows, {rb['links']} links, vocabulary {rb['vocabulary']}"
              + (f"; database {size / 1e6:.0f} MB" if size else ""), flush=True)
    # new articles go to both databases in turn (alternating which goes first), so that
    # whatever else the machine is doing weighs on both sizes alike
    print(f"== storing {len(new)} new articles into each, interleaved", flush=True)
    T.tokenizer()
    sessions = {name: Session(r["engine"]) for name, r in results.items()}
    src = {name: s.scalar(text("select id from sources where name = 'bench'")) for name, s in sessions.items()}
    for i, (title, body) in enumerate(new):
        order = ["small", "large"] if i % 2 == 0 else ["large", "small"]
        for name in order:
            caps = [int(c) for c in args.caps.split(",") if c]
            for k, v in add_one(sessions[name], src[name], i, title, body, caps).items():
                results[name]["times"].setdefault(k, []).append(v)
    for name, r in results.items():
        p5, coverage = new_link_precision(sessions[name], big_labels, new_labels)
        r["precision_at_5"], r["coverage"] = p5, coverage
        sessions[name].close()
        print(f"-- {name} ({r['stored']} stored): new articles' links: precision@5 {p5:.3f} "
              f"(share of the five best links with the article's topic), {coverage:.1%} with a link")
        for k, v in r["times"].items():
            print(f"  per new article, {k}: {ms(v)}", flush=True)
    s_, l_ = results["small"]["times"], results["large"]["times"]
    for k in ["link_related", "total", "link_related CPU", "total CPU"] + [k for k in l_ if k.startswith("link_related cap")]:
        ratio = statistics.fmean(l_[k]) / statistics.fmean(s_[k])
        med = statistics.median(l_[k]) / statistics.median(s_[k])
        print(f"{k}: {results['large']['stored']} stored vs {results['small']['stored']} stored: mean {ratio:.2f}x, "
              f"median {med:.2f}x ({'within' if ratio <= 2 else 'OVER'} the 2x budget)")
    for r in results.values():
        r["engine"].dispose()
        r["cleanup"]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
