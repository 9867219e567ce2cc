"""A test-only extension that makes an asyncio task fail with nobody awaiting it — the
shape of the torn-JOBDIR-queue bug — so a test can check the run does not "finish"."""

from __future__ import annotations

import asyncio

from scrapy import signals


async def _explode():
    raise RuntimeError("lost in an asyncio task")


class LoopBomb:
    @classmethod
    def from_crawler(cls, crawler):
        ext = cls()
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def spider_opened(self, spider):
        asyncio.ensure_future(_explode())  # the task is dropped: its error is never retrieved
