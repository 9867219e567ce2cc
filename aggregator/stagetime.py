"""CPU time per stage, in the stats as ``stage_cpu/<stage>`` (seconds), so an operator
and the benchmark can see where a crawl's time goes. Two clock reads per item and
stage: cheap enough to leave on."""

from __future__ import annotations

import functools
import time


def timed_stage(stage: str):
    """Decorate a pipeline's ``process_item``; the pipeline must have ``self.stats``."""

    def wrap(method):
        @functools.wraps(method)
        def inner(self, item):
            start = time.process_time()
            try:
                return method(self, item)
            finally:
                self.stats.inc_value(f"stage_cpu/{stage}", time.process_time() - start)

        return inner

    return wrap
