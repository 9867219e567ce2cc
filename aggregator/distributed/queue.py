"""scrapy-redis's priority queue, with pops that are leases.

scrapy-redis pops a request by removing it from the queue: a worker killed after the pop
loses it for good (and its fingerprint stays in the dupefilter, so nobody requests it
again). Here a pop moves the request, in one Lua script, from the queue into the run's
processing set: ``leases`` (a ZSET of lease token -> deadline) and ``leased`` (a HASH of
token -> the pickled request). The worker acks the lease once the request's callback and
every item it yielded are done (aggregator.distributed.leases); an expired lease, or a
lost worker's, is put back in the queue with its priority. Clocks are Redis's (TIME), so
workers on several machines agree on deadlines.

A lease token is ``WORKER:SEQ|SCORE``: who holds it, and the queue score to put it back
with. Encoding, decoding, ``__len__`` and ``push`` are scrapy-redis's.
"""

from __future__ import annotations

from scrapy_redis.queue import PriorityQueue

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

# KEYS: queue, leases, leased, activity; ARGV: token prefix, lease seconds
POP = _NOW + """
local item = redis.call('ZPOPMIN', KEYS[1])
if #item == 0 then return nil end
local token = ARGV[1] .. '|' .. item[2]
redis.call('HSET', KEYS[3], token, item[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), token)
redis.call('SET', KEYS[4], string.format('%.6f', now))
return {token, item[1]}
"""

# KEYS: leases, leased, done, activity; ARGV: token
ACK = _NOW + """
local n = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if n == 1 then redis.call('INCR', KEYS[3]) end
redis.call('SET', KEYS[4], string.format('%.6f', now))
return n
"""

# Put leases back in the queue. KEYS: queue, leases, leased, activity;
# ARGV: mode ('tokens' | 'expired' | 'holder'), then the tokens, or the holder prefix.
REQUEUE = _NOW + """
local tokens = {}
if ARGV[1] == 'tokens' then
  for i = 2, #ARGV do tokens[#tokens + 1] = ARGV[i] end
elseif ARGV[1] == 'expired' then
  tokens = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
else
  local prefix = ARGV[2] .. ':'
  for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if string.sub(token, 1, #prefix) == prefix then tokens[#tokens + 1] = token end
  end
end
local n = 0
for _, token in ipairs(tokens) do
  local data = redis.call('HGET', KEYS[3], token)
  if data then
    local bar = string.find(token, '|', 1, true)
    redis.call('ZADD', KEYS[1], tonumber(string.sub(token, bar + 1)), data)
    redis.call('HDEL', KEYS[3], token)
    n = n + 1
  end
  redis.call('ZREM', KEYS[2], token)
end
if n > 0 then redis.call('SET', KEYS[4], string.format('%.6f', now)) end
return n
"""

# A request not seen before: its fingerprint recorded and the request queued in one step.
# Two steps (scrapy-redis's SADD, then ZADD) leave a worker killed between them with a
# fingerprint whose request is in no queue: its page, read again, finds it "seen" and
# nobody ever fetches it. KEYS: dupefilter, queue; ARGV: fingerprint, score, request.
PUSH_UNSEEN = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: leases; ARGV: lease seconds, tokens...
RENEW = _NOW + """
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i]) end
return n
"""

# Seconds since the last activity when the queue and every lease are empty, else -1.
# KEYS: queue, leases, activity. A string: Redis would truncate a Lua number.
QUIET = _NOW + """
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then return '-1' end
local last = redis.call('GET', KEYS[3])
if not last then redis.call('SET', KEYS[3], string.format('%.6f', now)) return '0' end
return string.format('%.6f', now - tonumber(last))
"""


class LeasedQueue(PriorityQueue):
    """The run's queue. ``pop`` is not used: ``pop_lease`` is the only way out."""

    def __init__(self, server, spider, key, serializer=None, *, keys=None, lease_seconds: float = 120.0):
        super().__init__(server, spider, key, serializer)
        self.keys = keys
        self.lease_seconds = lease_seconds
        self._pop = server.register_script(POP)
        self._ack = server.register_script(ACK)
        self._requeue = server.register_script(REQUEUE)
        self._renew = server.register_script(RENEW)
        self._quiet = server.register_script(QUIET)
        self._push_unseen = server.register_script(PUSH_UNSEEN)

    def pop(self, timeout=0):  # a plain pop would lose the request to a crash
        raise NotImplementedError("use pop_lease(): a popped request is leased until it is done")

    def push_unseen(self, request, fingerprint: str, dupefilter_key: str) -> bool:
        """Queue the request unless ``fingerprint`` is in the dupefilter; False when it was."""
        # the score as scrapy-redis's push() gives it
        return bool(self._push_unseen(keys=[dupefilter_key, self.key],
                                      args=[fingerprint, -request.priority, self._encode_request(request)]))

    def pop_lease(self, holder: str):
        """(token, request) of the next request, now leased to ``holder``; None when empty."""
        got = self._pop(keys=[self.key, self.keys.leases, self.keys.leased, self.keys.activity],
                        args=[holder, self.lease_seconds])
        if not got:
            return None
        token, data = got
        return _text(token), self._decode_request(data)

    def ack(self, token: str) -> bool:
        """The request is done; False when its lease had already been taken back."""
        return bool(self._ack(keys=[self.keys.leases, self.keys.leased, self.keys.done, self.keys.activity],
                              args=[token]))

    def release(self, tokens: list[str]) -> int:
        """Put these leases back in the queue (not done: fetched again by some worker)."""
        if not tokens:
            return 0
        return int(self._requeue(keys=self._requeue_keys(), args=["tokens", *tokens]))

    def requeue_expired(self) -> int:
        return int(self._requeue(keys=self._requeue_keys(), args=["expired"]))

    def requeue_holder(self, holder: str) -> int:
        """Put back every lease of ``holder`` (a lost worker)."""
        return int(self._requeue(keys=self._requeue_keys(), args=["holder", holder]))

    def renew(self, tokens: list[str]) -> int:
        if not tokens:
            return 0
        return int(self._renew(keys=[self.keys.leases], args=[self.lease_seconds, *tokens]))

    def quiet_for(self) -> float:
        """Seconds the queue and all leases have been empty (-1: they are not)."""
        return float(self._quiet(keys=[self.key, self.keys.leases, self.keys.activity]))

    def counts(self) -> dict[str, int]:
        pipe = self.server.pipeline(transaction=False)
        pipe.zcard(self.key).zcard(self.keys.leases).get(self.keys.done)
        queued, leased, done = pipe.execute()
        return {"queued": int(queued), "leased": int(leased), "done": int(done or 0)}

    def _requeue_keys(self) -> list[str]:
        return [self.key, self.keys.leases, self.keys.leased, self.keys.activity]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
