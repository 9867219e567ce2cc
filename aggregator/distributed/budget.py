"""The site spider's list-page budget, shared by the workers of a run: a counter and a
set per seed in Redis, taken in one Lua script (so two workers never both take the last
page, nor both count one list page). A page counted already is queued again all the same
(the run's dupefilter drops it if it is in the queue): its taker may have died first."""

from __future__ import annotations

from aggregator.budget import SEEN, TAKEN, ListBudget

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
        verdict = verdict.decode() if isinstance(verdict, bytes) else verdict
        if verdict == SEEN and url != self.seed:
            # Queued by some worker — or taken by one killed before it queued it, whose page
            # is read again now: queue it, and the run's dupefilter drops it if it is queued
            # already (its fingerprint is recorded with the request, in one step). Budgeted
            # once all the same. The seed stays seen: `run start` queued it unfiltered.
            return TAKEN
        return verdict
