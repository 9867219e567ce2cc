"""Metadata benchmark: dates, titles, bylines and multi-page detection against the truth
in ../shared/data (dates-web and zh-news-meta).

Usage (from the repository root)::

    python bench/meta.py [--shared ../shared] [--htmldate] [--show dates|titles|author|origin|editor|pages]

Prints, for dates-web (URL given), the share of pages whose extracted publication day is
right; for zh-news-meta the share of right days (and right minutes where the truth has a
time), exact titles, precision/recall of author, origin and editor, and multi-page
detection. ``--htmldate`` adds htmldate 1.11's figures on the same pages (same URL).
The scoring functions live in ``aggregator/extract/metascore.py``, shared with the gates.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator.extract import metascore  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    ap.add_argument("--htmldate", action="store_true", help="also score htmldate on the same pages")
    ap.add_argument("--show", default="", help="print the misses of one field")
    args = ap.parse_args()
    data = args.shared / "data"
    if not (data / "dates-web" / "truth.jsonl").exists():
        print(f"no data at {data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    web = metascore.dates_web(data / "dates-web")
    t1 = time.perf_counter()
    print(f"dates-web: {web.right}/{web.total} right day = {web.share:.1%}   ({(t1 - t0) * 1000 / web.total:.1f} ms/page)")
    if args.show == "dates-web":
        for miss in web.misses:
            print("  ", miss)
    zh = metascore.zh_meta(data)
    print(f"zh-news-meta ({zh.total} pages):")
    print(f"  dates: right day {zh.date_right}/{zh.date_total} = {zh.date_share:.1%}; "
          f"right minute where the truth has a time {zh.time_right}/{zh.time_total}")
    print(f"  titles: exact {zh.title_right}/{zh.total} = {zh.title_share:.1%}")
    for field in ("author", "origin", "editor"):
        s = zh.fields[field]
        print(f"  {field:7}: precision {s.precision:.1%} ({s.right}/{s.predicted})   "
              f"recall {s.recall:.1%} ({s.right}/{s.expected})")
    pg = zh.pages
    print(f"  pages: multi-page articles found {pg.right}/{pg.expected} (page count right), "
          f"false multi-page {pg.false_positive}/{zh.total - pg.expected}")
    if args.show and args.show != "dates-web":
        for miss in zh.misses.get(args.show, []):
            print("  ", miss)
    if args.htmldate:
        hd = metascore.dates_web(data / "dates-web", engine="htmldate")
        print(f"htmldate 1.11 dates-web: {hd.right}/{hd.total} = {hd.share:.1%}")
        hz = metascore.zh_meta_dates_htmldate(data)
        print(f"htmldate 1.11 zh-news-meta dates: {hz[0]}/{hz[1]} = {hz[0] / hz[1]:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
