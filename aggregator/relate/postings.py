"""The strongest postings of keywords, kept by a worker process between its relate batches.

Reading the postings of a batch's keywords is the largest single read of linking (about
40,000 rows a batch of 50). Most of them were read, or written, by the previous batches of
the same worker, so the worker keeps each keyword's ``POSTING_DEPTH`` strongest posting
rows as ``(weight, article_id)``, strongest first and the newer first among equal
weights: the order and depth of the database's own read.

It is only ever used as a copy of the database: every transaction that writes
``article_keywords`` adds one to the ``keywords_version`` counter of ``relate_stats``
(aggregator.relate.store.bump_keywords_version), and a batch uses the copy only when the
counter is where this worker's last commit left it. Another crawler's batch, ``scrapy
relate`` or a failed batch of its own empties it; a batch that replaces an article's
earlier keywords (a changed text) empties it too. The copy is filled from the database
inside the batch's transaction, and updated with the batch's own rows only once that
transaction has committed.
"""

from __future__ import annotations

import numpy as np

from aggregator.relate.links import Driver

#: Counter in relate_stats that every writer of article_keywords bumps
#: (aggregator.relate.store.KEYWORDS_VERSION).
VERSION = "keywords_version"
#: Postings kept at most (about 100 bytes each); over it, the copy starts again empty.
MAX_ENTRIES = 400_000


def read_version(db: Driver) -> int:
    mark = "%s" if db.pg else "?"
    rows = db.rows(f"SELECT value FROM relate_stats WHERE name = {mark}", (VERSION,))
    return rows[0][0] if rows else 0


class PostingsCache:
    """One worker's copy of the strongest postings of the keywords it met. Use per batch,
    inside its transaction: ``begin``, ``floors``, ``stage``, ``postings``, ``written``;
    then, after the transaction, ``committed`` or ``discard``."""

    def __init__(self, depth: int):
        self.depth = depth
        self.version: int | None = None
        self.top: dict[str, list[tuple[float, int]]] = {}
        self.entries = 0
        self._new: dict[str, list[tuple[float, int]]] = {}
        self._written: int | None = None

    def clear(self) -> None:
        self.top.clear()
        self.entries = 0

    def begin(self, db: Driver) -> None:
        """Start a batch: keep the copy only if nobody wrote keywords since it was made."""
        self._new, self._written = {}, None
        version = read_version(db)
        if version != self.version or self.entries > MAX_ENTRIES:
            self.clear()
        self.version = version

    def floors(self, db: Driver, words: list[str]) -> dict[str, float]:
        """``posting_floors`` of ``words`` (the weight of the ``depth``-th strongest
        posting, for keywords that have that many), reading only keywords not in the copy."""
        missing = [w for w in words if w not in self.top]
        if missing:
            rows = db.postings(missing, [self.depth] * len(missing))
            found: dict[str, list[tuple[float, int]]] = {w: [] for w in missing}
            for i, aid, weight in rows.tolist():
                found[missing[int(i)]].append((weight, int(aid)))
            for w, lst in found.items():
                lst.sort(key=_order)
                self.top[w] = lst
                self.entries += len(lst)
        return {w: self.top[w][self.depth - 1][0] for w in words if len(self.top[w]) >= self.depth}

    def stage(self, rows: list[tuple[int, str, float]]) -> None:
        """The posting rows ``(article_id, keyword, weight)`` this batch writes."""
        for aid, kw, weight in rows:
            self._new.setdefault(kw, []).append((weight, aid))

    def postings(self, words: list[str], limits: list[int]) -> np.ndarray:
        """What ``Driver.postings`` reads, after this batch's rows were written: the copy
        of each keyword together with the batch's staged rows, strongest first."""
        out: list[float] = []
        for i, (w, limit) in enumerate(zip(words, limits)):
            lst = self.top[w]
            new = self._new.get(w)
            if new:
                lst = sorted(lst + new, key=_order)
            for weight, aid in lst[:limit]:
                out += (i, aid, weight)
        return np.array(out, dtype=np.float64).reshape(-1, 3)

    def written(self, version: int) -> None:
        """The counter as this batch's bump left it (its transaction still open)."""
        self._written = version

    def committed(self) -> None:
        """The batch's transaction committed: its rows join the copy, if the counter
        moved by this batch alone; otherwise someone else wrote too, and it starts over."""
        if self._written is None:  # the batch wrote no keywords
            return
        if self.version is not None and self._written == self.version + 1:
            for w, new in self._new.items():
                lst = self.top.get(w)
                if lst is not None:
                    merged = sorted(lst + new, key=_order)[: self.depth]
                    self.entries += len(merged) - len(lst)
                    self.top[w] = merged
        else:
            self.clear()
        self.version = self._written
        self._new, self._written = {}, None

    def discard(self) -> None:
        """The batch's transaction did not commit: nothing of it is known to be stored."""
        self.clear()
        self.version = None
        self._new, self._written = {}, None


def _order(posting: tuple[float, int]) -> tuple[float, int]:
    return (-posting[0], -posting[1])


_caches: dict[str, PostingsCache] = {}


def cache_for(db_url: str, depth: int) -> PostingsCache:
    """This process's copy for a database."""
    cache = _caches.get(db_url)
    if cache is None:
        cache = _caches[db_url] = PostingsCache(depth)
    return cache
