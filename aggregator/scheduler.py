"""Scrapy's scheduler, made safe against a disk queue torn by kill -9.

With ``-s JOBDIR=…`` requests are written to queue files as they are scheduled. A
process killed mid-write leaves a file that ends in half a record; the resumed run then
fails on it (``struct.error: unpack requires a buffer of 4 bytes``) inside the engine, and
every request that should have gone into that queue — the next list page, say — is lost
without a counted trace while the run "finishes". Here a queue that cannot be written or
read is left alone: the request goes to the memory queue instead (what Scrapy already
does for a request it cannot serialise), and the run says so once, with the stat
``scheduler/disk_queue_broken``. Nothing is lost: the database and the frontier, not the
queue files, say what is done (aggregator.frontier, aggregator.dupefilter).
"""

from __future__ import annotations

import logging
import struct

from scrapy.core.scheduler import Scheduler

logger = logging.getLogger(__name__)

#: What a torn queue file raises (queuelib reads a length prefix, then pickle data).
TORN_QUEUE_ERRORS = (struct.error, EOFError, OSError, ValueError, IndexError, KeyError, TypeError)


class TornQueueSafeScheduler(Scheduler):
    def _dqpush(self, request) -> bool:
        try:
            return super()._dqpush(request)
        except TORN_QUEUE_ERRORS as exc:  # _dqpush itself handles unserialisable requests
            self._broken(exc)
            return False

    def _dqpop(self):
        try:
            return super()._dqpop()
        except TORN_QUEUE_ERRORS as exc:
            self._broken(exc)
            return None

    def _broken(self, exc: Exception) -> None:
        if not self.stats.get_value("scheduler/disk_queue_broken"):
            logger.warning("The JOBDIR request queue is damaged (%s: %s), as a killed run leaves it: "
                           "scheduling in memory instead", type(exc).__name__, exc)
        self.stats.inc_value("scheduler/disk_queue_broken")
