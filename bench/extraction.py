"""Speed and quality benchmark: our extraction chain vs trafilatura, same pages, same run.

Usage (from the repository root)::

    python bench/extraction.py [--data ../shared/data/zh-news-extraction] [--repeat 3]

Prints milliseconds per page (median over pages, best of ``--repeat`` runs per page),
mean body F1 against the human truth (bag of letters/digits/CJK characters) and the
number of pages whose body holds a boilerplate marker absent from its truth.
Our chain is exactly the pipeline's: extract_article -> normalize_text -> strip_boilerplate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator.clean import normalize_text, strip_boilerplate  # noqa: E402
from aggregator.extract import ExtractionError, extract_article  # noqa: E402
from aggregator.extract.scoring import leaked_markers, prf  # noqa: E402


def ours(html: bytes, url: str) -> str:
    try:
        ex = extract_article(html, url)
    except ExtractionError:
        return ""
    return strip_boilerplate(normalize_text(ex.body)).body


def theirs(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def timed(fn, html, url, repeat):
    best, out = None, ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(html, url)
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return out, best * 1000.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data" / "zh-news-extraction")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    truth_file = args.data / "truth.jsonl"
    if not truth_file.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in truth_file.open(encoding="utf-8") if line.strip()]
    pages = [(r, (args.data / "pages" / f"{r['id']}.html").read_bytes()) for r in rows]
    try:
        import trafilatura

        version = trafilatura.__version__
    except ImportError:
        print("trafilatura is not installed (pip install 'aggregator[bench]')", file=sys.stderr)
        return 2
    # warm-up: imports, lazy tables
    ours(pages[0][1], pages[0][0]["url"])
    theirs(pages[0][1], pages[0][0]["url"])
    # Interleaved per page (ours, then trafilatura, on the same page) so that load
    # from other processes hits both sides alike.
    res = {"ours": ([], [], 0), "trafilatura": ([], [], 0)}
    acc = {name: ([], [], [0]) for name in res}
    for r, html in pages:
        for name, fn in (("ours", ours), ("trafilatura", theirs)):
            body, ms = timed(fn, html, r["url"], args.repeat)
            times, f1s, leaks = acc[name]
            times.append(ms)
            f1s.append(prf(body, r["body"])[2])
            leaks[0] += bool(leaked_markers(body, r["body"]))
    res = {name: (t, f, lk[0]) for name, (t, f, lk) in acc.items()}
    o_ms = statistics.median(res["ours"][0])
    t_ms = statistics.median(res["trafilatura"][0])
    print(f"pages: {len(pages)}   trafilatura {version}   repeat: best of {args.repeat}")
    print(f"{'':14}{'ms/page median':>16}{'ms/page mean':>14}{'mean F1':>10}{'leak pages':>12}")
    for name in ("ours", "trafilatura"):
        times, f1s, leaks = res[name]
        print(f"{name:14}{statistics.median(times):16.1f}{statistics.mean(times):14.1f}"
              f"{statistics.mean(f1s):10.3f}{leaks:12d}")
    print(f"ratio ours/trafilatura (median ms): {o_ms / t_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
