"""The site spider's list-page budget: how many more list pages a seed may read, and
which it has queued already (a nav-bar link on every page is counted once).

One process keeps it in memory (:class:`ListBudget`); the workers of a distributed run
share one in Redis (aggregator.distributed.budget), behind the same ``take``.
"""

from __future__ import annotations

TAKEN, SEEN, SPENT = "taken", "seen", "spent"


class ListBudget:
    def __init__(self, pages: int, seed: str):
        self.left = pages  # list pages still to read after the seed
        self.queued = {seed}

    def take(self, url: str) -> str:
        """``taken`` (read it), ``seen`` (queued already) or ``spent`` (over budget)."""
        if url in self.queued:
            return SEEN
        if self.left <= 0:
            return SPENT
        self.queued.add(url)
        self.left -= 1
        return TAKEN
