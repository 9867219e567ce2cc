"""Heavy pipeline stages beside the reactor: item batches run in a worker process.

Scrapy runs item pipelines on the reactor's thread, one item at a time, so a stage that
writes to the database or segments text holds up the whole crawl. The store and relate
stages hand their items to a :class:`Batcher` instead. Items are gathered into a batch
of ``AGGREGATOR_BATCH_SIZE`` (or what arrived within ``AGGREGATOR_BATCH_SECONDS``), and
each batch is one call of a plain function (one transaction) in a worker process, while
the reactor keeps downloading and extracting on the other core.

Each item's ``process_item`` awaits its own result, so an item still passes its stages
one after another, in pipeline order; a batch that fails fails each of its items, which
the stage drops with a counted reason. Batches of one stage run one at a time, in order.

Settings:

* ``AGGREGATOR_WORKERS`` (default 1): worker processes, shared round robin by the
  offloaded stages. 0 runs each batch on the reactor's thread (simple to debug; the
  crawl waits for the database).
* ``AGGREGATOR_BATCH_SIZE`` (default 50) and ``AGGREGATOR_BATCH_SECONDS`` (default 1.0).

Faults. A worker ignores SIGINT and SIGTERM (Ctrl-C reaches the whole process group:
the crawl process alone decides, and finishes the batches in flight), and exits by
itself within a second when its crawl process is gone (kill -9 of the crawl leaves no
orphan). When a worker dies mid-batch, the batch runs again on a new worker (up to
``MAX_WORKER_DEATHS`` times): every batch function is idempotent, and what the dead one
had committed is found and finished (aggregator.pending). A batch that meets a database
outage is run again while aggregator.dbwait waits it out. When the crawl is being stopped
(Ctrl-C, SIGTERM), the batch in flight finishes and the batches not started yet are
handed back (their items fail with CrawlStopping), so a stop takes seconds whatever the
backlog; the pages handed back are fetched again by the next run.

Stats: ``offload/batches/<stage>``, ``offload/rss_max/worker<i>`` (bytes, each worker's
peak resident memory; Scrapy's ``memusage/max`` covers only the crawl process),
``offload/worker_restarts`` (a worker process died), ``offload/batch_retries/<stage>``
(batches run again after a worker died).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from scrapy import signals

from aggregator import config
from aggregator.dbwait import DatabaseWait

_WORKERS_ATTR = "_aggregator_workers"
#: Times one batch is run again after its worker died, before its items fail.
MAX_WORKER_DEATHS = 2
#: How often a worker checks that its crawl process is still there (seconds).
PARENT_CHECK_SECONDS = 0.5


class WorkerDied(RuntimeError):
    """The worker process running a batch died (killed, out of memory)."""


def _ru_maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def run_timed(fn: Callable[[Any], Any], payload: Any) -> tuple[Any, float, int]:
    """Run ``fn(payload)``; return its result, the CPU seconds it took, and this
    process's peak RSS. Module level, so a worker process can be sent it."""
    start = time.process_time()
    result = fn(payload)
    return result, time.process_time() - start, _ru_maxrss_bytes()


def _start_worker(parent_pid: int) -> None:
    """Initializer of a worker process."""
    # Ctrl-C and SIGTERM are for the crawl process, which finishes the batches in flight
    # and then shuts the worker down; a worker that died of them would lose its batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()
    # load the segmenter's dictionary once per worker, before the first batch needs it
    from aggregator.relate.text import tokenizer

    tokenizer()


def _exit_with_parent(parent_pid: int) -> None:
    """Never outlive the crawl process: once it is gone (kill -9 leaves us to init),
    exit at once. An open transaction is rolled back by the database; what it held is
    still pending in the rows and is completed by the next crawl."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)


class Worker:
    """One worker process (a single-process pool, so batches sent to it run in order).
    When the process dies, the batches it held fail with WorkerDied and the next call
    starts a new process (Batcher runs them again there)."""

    def __init__(self, name: str = "worker", stats=None):
        self.name = name
        self.stats = stats
        self._executor: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable, *args: Any) -> Any:
        if self._executor is None:
            # spawn, not fork: the crawl process has threads and a running event loop
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_worker, initargs=(os.getpid(),))
        executor = self._executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except BrokenProcessPool as exc:
            if self._executor is executor:  # the first batch to notice replaces it
                executor.shutdown(wait=False)
                self._executor = None
                if self.stats is not None:
                    self.stats.inc_value("offload/worker_restarts")
            raise WorkerDied(f"{self.name} died: {exc}") from None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def worker_for(crawler, stage: str) -> Worker | None:
    """The worker that runs ``stage``'s batches, or None when ``AGGREGATOR_WORKERS`` is 0.
    With one worker every offloaded stage shares it; with more, each new stage gets the
    next one (round robin), so the store of one batch and the linking of the previous one
    can run at the same time. Shut down when the engine stops."""
    workers = config.value(crawler.settings, "AGGREGATOR_WORKERS")
    if workers <= 0:
        return None
    state = crawler.__dict__.setdefault(_WORKERS_ATTR, {"workers": [], "stages": {}})
    if stage not in state["stages"]:
        index = len(state["stages"]) % workers
        if index == len(state["workers"]):
            worker = Worker(f"worker{index}", crawler.stats)
            state["workers"].append(worker)
            crawler.signals.connect(worker.shutdown, signal=signals.engine_stopped, weak=False)
        state["stages"][stage] = state["workers"][index]
    return state["stages"][stage]


class Batcher:
    """Gathers payloads into batches for ``fn(list_of_payloads) -> list_of_results`` (one
    result per payload, same order) and gives each caller its own result.

    ``fn`` must be a module-level function (or a partial of one) when ``worker`` is set.
    """

    def __init__(self, stage: str, fn: Callable[[list], list], *, worker: Worker | None, stats,
                 size: int = 50, seconds: float = 1.0, wait: DatabaseWait | None = None):
        self.stage, self.fn, self.worker, self.stats, self.wait = stage, fn, worker, stats, wait
        self.size, self.seconds = max(1, size), seconds
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._lock: asyncio.Lock | None = None  # one batch at a time, in order (asyncio.Lock is FIFO)
        self._running: set[asyncio.Task] = set()

    @classmethod
    def from_crawler(cls, crawler, stage: str, fn: Callable[[list], list]) -> "Batcher":
        settings = crawler.settings
        return cls(stage, fn, worker=worker_for(crawler, stage), stats=crawler.stats,
                   size=config.value(settings, "AGGREGATOR_BATCH_SIZE"),
                   seconds=config.value(settings, "AGGREGATOR_BATCH_SECONDS"),
                   wait=DatabaseWait.for_crawler(crawler))

    async def submit(self, payload: Any) -> Any:
        """Queue ``payload``; return its result once its batch has run (or raise the
        batch's exception)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((payload, future))
        if len(self._pending) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.seconds, self._flush)
        return await future

    async def drain(self) -> None:
        """Run what is queued and wait for every batch (call from ``close_spider``)."""
        self._flush()
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._run(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[Any, asyncio.Future]]) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        payloads = [p for p, _ in batch]
        async with self._lock:
            try:
                refusal = self.wait.refusal() if self.wait is not None else None
                if refusal is not None:
                    raise refusal  # hand the batch back: the crawl is stopping
                if self.wait is None:
                    results, cpu = await self._run_once(payloads)
                else:
                    results, cpu = await self.wait.call(lambda: self._run_once(payloads))
                if len(results) != len(payloads):
                    raise RuntimeError(f"{self.stage} batch returned {len(results)} results for {len(payloads)} items")
            except BaseException as exc:  # noqa: BLE001 - every waiting item must learn of it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                return
        self.stats.inc_value(f"offload/batches/{self.stage}")
        self.stats.inc_value(f"stage_cpu/{self.stage}", cpu)
        for (_, future), result in zip(batch, results):
            if not future.done():
                future.set_result(result)

    async def _run_once(self, payloads: list) -> tuple[list, float]:
        """One run of the batch; on a new worker again when its worker died under it."""
        if self.worker is None:
            results, cpu, _ = run_timed(self.fn, payloads)
            return results, cpu
        deaths = 0
        while True:
            try:
                results, cpu, rss = await self.worker.run(run_timed, self.fn, payloads)
            except WorkerDied:
                deaths += 1
                if deaths > MAX_WORKER_DEATHS:
                    raise
                self.stats.inc_value(f"offload/batch_retries/{self.stage}")
                continue
            self.stats.max_value(f"offload/rss_max/{self.worker.name}", rss)
            return results, cpu
