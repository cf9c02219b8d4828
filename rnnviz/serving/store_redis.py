"""The model store in Redis, shared by every replica: each record is a key that expires by itself.

Keys: `rnnviz:tab:<digest>` (a tab's record), `rnnviz:seen:<digest>` ("step at"), `rnnviz:shared:<id>` (a shared copy),
and two sorted sets that order the shared copies by a counter, in all and per owner, so the oldest are dropped
first when a cap is reached. A class board is one hash, `rnnviz:board:<code>` (fields `lesson`, `run:<id>` and
`hide:<id>`), read whole with one HGETALL; each write refreshes its lifetime.
Timeouts are short and nothing is retried here: a Redis that is down costs a write at most about a second, and the
caller (rnnviz.serving.checkpoints) tries again on its next round.
"""

from __future__ import annotations

import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from rnnviz.serving.store_interface import (
    MAX_LESSON_CHARS,
    ModelStore,
    StoreDown,
    check_run,
    check_size,
    new_board_code,
    new_model_id,
    owner_tag,
    stored_key,
    valid_board_code,
    valid_model_id,
)

TIMEOUT_SECONDS = 1.0
PREFIX = "rnnviz:"
SHARED_ORDER, SHARED_COUNTER = PREFIX + "shared-order", PREFIX + "shared-counter"
# A board's writes run as scripts, so "the board is alive and has room" and the write are one step for Redis.
PUT_RUN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  local runs = 0
  for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(name, 1, 4) == 'run:' then runs = runs + 1 end
  end
  if runs >= tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""
IF_ALIVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'hide' then redis.call('HSET', KEYS[1], 'hide:' .. ARGV[2], '1')
else redis.call('HDEL', KEYS[1], 'run:' .. ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


def _milliseconds(seconds: float) -> int:
    return max(int(float(seconds) * 1000), 1)


def _board_key(code: str) -> str:
    return PREFIX + "board:" + code


def _owner_key(owner: str) -> str:
    return PREFIX + "shared-owner:" + owner_tag(owner)


class RedisStore(ModelStore):
    def __init__(self, url: str):
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                            socket_connect_timeout=TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0))
        self._put_run = self._client.register_script(PUT_RUN)
        self._if_alive = self._client.register_script(IF_ALIVE)

    def describe(self) -> str:
        kwargs = self._client.connection_pool.connection_kwargs
        if "path" in kwargs:
            return f"Redis at unix://{kwargs['path']}"
        scheme = "rediss" if self.url.startswith("rediss://") else "redis"
        return f"Redis at {scheme}://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"

    def _run(self, action):
        try:
            return action(self._client)
        except redis.RedisError as error:  # refused, timed out, out of memory (OOM), read-only replica, ...
            raise StoreDown(f"The model store (Redis) failed: {str(error)[:160]}") from None

    def close(self) -> None:
        self._client.close()

    # -- tabs' records -------------------------------------------------------------------------------------
    def put(self, key: str, data: bytes, ttl_seconds: float, step: int) -> None:
        key, data, step = stored_key(key), check_size(data), int(step)

        def action(client):
            with client.pipeline(transaction=True) as pipe:
                pipe.set(PREFIX + "tab:" + key, data, px=_milliseconds(ttl_seconds))
                pipe.set(PREFIX + "seen:" + key, f"{step} {time.time()!r}", px=_milliseconds(ttl_seconds))
                pipe.execute()
        self._run(action)

    def get(self, key: str) -> bytes | None:
        return self._run(lambda client: client.get(PREFIX + "tab:" + stored_key(key)))

    def delete(self, key: str) -> None:
        key = stored_key(key)
        self._run(lambda client: client.delete(PREFIX + "tab:" + key, PREFIX + "seen:" + key))

    def seen(self, key: str, step: int, at: float) -> None:
        mark = f"{int(step)} {float(at)!r}"
        self._run(lambda client: client.set(PREFIX + "seen:" + stored_key(key), mark,
                                            px=_milliseconds(self.keep_seconds)))

    def last_seen(self, key: str) -> tuple[int, float] | None:
        mark = self._run(lambda client: client.get(PREFIX + "seen:" + stored_key(key)))
        try:
            step, at = mark.split()
            return int(step), float(at)
        except (AttributeError, ValueError):  # no mark, or not one this store wrote
            return None

    # -- shared models -------------------------------------------------------------------------------------
    def share(self, data: bytes, owner: str, ttl_seconds: float | None = None) -> str:
        data, owner_key = check_size(data), _owner_key(owner)
        ttl = _milliseconds(self.share_seconds if ttl_seconds is None else ttl_seconds)
        model_id = new_model_id()

        def action(client):
            number = client.incr(SHARED_COUNTER)
            with client.pipeline(transaction=True) as pipe:
                pipe.set(PREFIX + "shared:" + model_id, data, px=ttl)
                pipe.zadd(SHARED_ORDER, {model_id: number})
                pipe.zadd(owner_key, {model_id: number})
                pipe.pexpire(owner_key, ttl)
                pipe.execute()
            for order, cap in ((owner_key, self.owner_cap), (SHARED_ORDER, self.store_cap)):
                self._trim(client, order, cap)
        self._run(action)
        return model_id

    def _trim(self, client, order: str, cap: int) -> None:
        """Drop ids whose copy expired, then the oldest beyond `cap`. Two replicas sharing at once may leave one
        too many for a moment; the next share trims it."""
        ids = [member.decode() for member in client.zrange(order, 0, -1)]
        if not ids:
            return
        alive = client.exists(*[PREFIX + "shared:" + i for i in ids]) == len(ids)
        if not alive:
            with client.pipeline(transaction=False) as pipe:
                for i in ids:
                    pipe.exists(PREFIX + "shared:" + i)
                found = pipe.execute()
            gone = [i for i, there in zip(ids, found) if not there]
            client.zrem(order, *gone)
            ids = [i for i in ids if i not in set(gone)]
        dropped = ids[:max(len(ids) - cap, 0)]
        if dropped:
            client.delete(*[PREFIX + "shared:" + i for i in dropped])
            client.zrem(order, *dropped)
            client.zrem(SHARED_ORDER, *dropped)

    def shared(self, model_id: str) -> bytes | None:
        if not valid_model_id(model_id):
            return None
        return self._run(lambda client: client.get(PREFIX + "shared:" + model_id))

    # -- class boards ----------------------------------------------------------------------------------------
    def create_board(self, lesson: str) -> str:
        code, ttl = new_board_code(), _milliseconds(self.board_seconds)

        def action(client):
            with client.pipeline(transaction=True) as pipe:
                pipe.hset(_board_key(code), "lesson", str(lesson)[:MAX_LESSON_CHARS])
                pipe.pexpire(_board_key(code), ttl)
                pipe.execute()
        self._run(action)
        return code

    def board_lesson(self, code: str) -> str | None:
        if not valid_board_code(code):
            return None
        lesson = self._run(lambda client: client.hget(_board_key(code), "lesson"))
        return None if lesson is None else lesson.decode()

    def put_run(self, code: str, run_id: str, summary: bytes) -> bool:
        return run_id in self.put_runs(code, {run_id: summary})

    def put_runs(self, code: str, summaries: dict[str, bytes]) -> set[str]:
        for run_id, summary in summaries.items():
            check_run(code, run_id, summary)
        ttl, ids = _milliseconds(self.board_seconds), list(summaries)

        def action(client):  # one round trip: each run's script, in order
            with client.pipeline(transaction=False) as pipe:
                for run_id in ids:
                    self._put_run(keys=[_board_key(code)], args=["run:" + run_id, summaries[run_id],
                                                                 self.board_cap, ttl], client=pipe)
                return pipe.execute()
        return {run_id for run_id, kept in zip(ids, self._run(action)) if kept}

    def remove_run(self, code: str, run_id: str) -> None:
        check_run(code, run_id)
        arguments = ["remove", run_id, _milliseconds(self.board_seconds)]
        self._run(lambda client: self._if_alive(keys=[_board_key(code)], args=arguments))

    def hide_run(self, code: str, run_id: str) -> None:
        check_run(code, run_id)
        arguments = ["hide", run_id, _milliseconds(self.board_seconds)]
        self._run(lambda client: self._if_alive(keys=[_board_key(code)], args=arguments))

    def board(self, code: str) -> tuple[str, dict[str, bytes], set[str]] | None:
        if not valid_board_code(code):
            return None
        fields = self._run(lambda client: client.hgetall(_board_key(code)))
        lesson = fields.pop(b"lesson", None)
        if lesson is None:
            return None
        runs = {name[4:].decode(): data for name, data in fields.items() if name.startswith(b"run:")}
        return lesson.decode(), runs, {name[5:].decode() for name in fields if name.startswith(b"hide:")}
