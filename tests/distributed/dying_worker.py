"""`python -m tests.distributed.dying_worker WHEN:N scrapy-crawl-args...`: a worker that
kills its own process group with SIGKILL at the N-th time of one instant, WHEN:

* ``ack-list``: Redis has just acked a list page's lease: the page is done, never fetched
  again, so the requests it yielded (its articles, the next list page) must be in the
  run's queue already;
* ``take-list``: the shared list budget has just given this worker a new list page to
  queue, which it has not queued yet: the page that links it, read again by another
  worker, must still queue it.

SIGKILL at a random moment (test_cluster's killed worker) hits these instants only now
and then; here they are hit every time. Patched at class level before Scrapy starts, so
nothing in the product knows about it.
"""

from __future__ import annotations

import os
import signal
import sys

from aggregator.distributed.budget import RedisListBudget
from aggregator.distributed.leases import LeaseBook
from aggregator.distributed.queue import LeasedQueue

when, _, nth = sys.argv.pop(1).partition(":")
kill_at = int(nth)
kinds: dict[str, str] = {}  # lease token -> aggregator_page of its request
taken: set[str] = set()  # list pages the budget gave this worker
seen = 0


def strike(what: str) -> None:
    global seen
    seen += 1
    if seen == kill_at:
        print(f"dying_worker: SIGKILL right after {what}", file=sys.stderr, flush=True)
        os.killpg(os.getpgid(0), signal.SIGKILL)


begin, ack, take = LeaseBook.begin, LeasedQueue.ack, RedisListBudget.take


def recording_begin(self, token, request, default_callback):
    kinds[token] = request.meta.get("aggregator_page", "")
    return begin(self, token, request, default_callback)


def dying_ack(self, token):
    done = ack(self, token)
    if kinds.get(token) == "list":
        strike(f"acking list page lease {token}")
    return done


def dying_take(self, url):
    verdict = take(self, url)
    if verdict == "taken" and url not in taken:  # a nav link taken again is not a new page
        taken.add(url)
        strike(f"taking list page {url} from the budget")
    return verdict


if when == "ack-list":
    LeaseBook.begin, LeasedQueue.ack = recording_begin, dying_ack
elif when == "take-list":
    RedisListBudget.take = dying_take
else:
    raise SystemExit(f"dying_worker: unknown instant {when!r}")

if __name__ == "__main__":
    from scrapy.cmdline import execute

    sys.argv[0] = "scrapy"
    execute()
