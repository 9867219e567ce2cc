"""The site spider's list-page budget, shared by the workers of a run: a counter and a
set per seed in Redis, taken in one Lua script (so two workers never both take the last
page, nor both queue one list page)."""

from __future__ import annotations

from aggregator.budget import ListBudget

# KEYS: left counter, queued set; ARGV: url, initial budget, seed
TAKE = """
if redis.call('SETNX', KEYS[1], ARGV[2]) == 1 then redis.call('SADD', KEYS[2], ARGV[3]) end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'seen' end
if tonumber(redis.call('GET', KEYS[1])) <= 0 then return 'spent' end
redis.call('DECR', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
return 'taken'
"""


class RedisListBudget(ListBudget):
    def __init__(self, server, keys, pages: int, seed: str):
        self.pages, self.seed = pages, seed
        self.keys = [keys.budget(seed), keys.lists(seed)]
        self._take = server.register_script(TAKE)

    def take(self, url: str) -> str:
        verdict = self._take(keys=self.keys, args=[url, self.pages, self.seed])
        return verdict.decode() if isinstance(verdict, bytes) else verdict
