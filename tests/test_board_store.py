"""Class boards in the model store, on both back-ends, real ones: a SQLite file in a temporary folder and a
redis-server of its own."""

from __future__ import annotations

import time

import pytest
import redis
from redis_server import needs_redis

from rnnviz.serving.store_interface import BOARD_CODE_BYTES, MAX_SUMMARY_BYTES, new_board_code, valid_board_code
from rnnviz.serving.store_redis import RedisStore


def test_a_board_keeps_its_lesson_and_every_runs_latest_summary(store):
    code = store.create_board("L0")
    assert valid_board_code(code) and store.board_lesson(code) == "L0"
    assert store.board(code) == ("L0", {}, set())
    assert store.put_run(code, "a1", b'{"step": 1}')
    assert store.put_run(code, "b2", b'{"step": 5}')
    assert store.put_run(code, "a1", b'{"step": 2}')
    assert store.board(code) == ("L0", {"a1": b'{"step": 2}', "b2": b'{"step": 5}'}, set())
    store.remove_run(code, "b2")
    assert store.board(code) == ("L0", {"a1": b'{"step": 2}'}, set())


def test_a_hidden_run_stays_hidden_when_it_writes_again_or_comes_back(store):
    code = store.create_board("L2")
    store.put_run(code, "a1", b"{}")
    store.hide_run(code, "a1")
    store.put_run(code, "a1", b'{"step": 3}')
    lesson, runs, hidden = store.board(code)
    assert runs == {"a1": b'{"step": 3}'} and hidden == {"a1"}
    store.remove_run(code, "a1")
    assert store.board(code)[1:] == ({}, {"a1"})
    store.put_run(code, "a1", b'{"step": 4}')
    assert store.board(code)[1:] == ({"a1": b'{"step": 4}'}, {"a1"})


def test_boards_are_apart_and_unknown_or_malformed_codes_have_none(store):
    first, second = store.create_board("L0"), store.create_board("L1")
    store.put_run(first, "a1", b"1")
    assert store.board(second) == ("L1", {}, set())
    for code in [new_board_code(), "", "x" * 16 + "y", "../../etc/passwd", None, 12, "a b c d e f g h "]:
        assert store.board(code) is None and store.board_lesson(code) is None
    assert not store.put_run(new_board_code(), "a1", b"{}")  # nothing is made by writing to an unknown code
    store.hide_run(new_board_code(), "a1")
    store.remove_run(new_board_code(), "a1")


def test_a_board_takes_at_most_its_cap_of_runs_but_a_run_on_it_still_writes(store):
    store.board_cap = 3
    code = store.create_board("L0")
    assert all(store.put_run(code, f"{n}", b"{}") for n in range(3))
    assert not store.put_run(code, "9", b"{}")
    assert store.put_run(code, "1", b'{"step": 2}')
    assert sorted(store.board(code)[1]) == ["0", "1", "2"]
    store.remove_run(code, "0")  # a run that left makes room
    assert store.put_run(code, "9", b"{}")


def test_the_default_cap_is_sixty_runs(store):
    code = store.create_board("L0")
    assert all(store.put_run(code, f"{n:x}", b"{}") for n in range(60))
    assert not store.put_run(code, "ff", b"{}")
    assert len(store.board(code)[1]) == 60


def test_a_board_expires_when_idle_and_writes_keep_it(store):
    store.board_seconds = 1.0
    code = store.create_board("L0")
    for _ in range(3):  # writes every 0.5 s keep a board with a 1 s lifetime
        time.sleep(0.5)
        assert store.put_run(code, "a1", b"{}")
    assert store.board(code) is not None
    time.sleep(1.3)
    assert store.board(code) is None and store.board_lesson(code) is None
    assert not store.put_run(code, "a1", b"{}")


def test_bad_writes_are_refused_with_a_reason(store):
    code = store.create_board("L0")
    for run_id in ["", "not hex", "A1", "a" * 65, None]:
        with pytest.raises(ValueError):
            store.put_run(code, run_id, b"{}")
    with pytest.raises(ValueError):
        store.put_run(code, "a1", b"x" * (MAX_SUMMARY_BYTES + 1))
    with pytest.raises(ValueError):
        store.put_run("short", "a1", b"{}")


def test_codes_carry_at_least_64_random_bits():
    assert BOARD_CODE_BYTES * 8 >= 64
    codes = {new_board_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(valid_board_code(code) for code in codes)


@needs_redis
def test_redis_reads_a_board_with_one_command(redis_server):
    redis.Redis.from_url(redis_server.url).flushall()
    store = RedisStore(redis_server.url)
    code = store.create_board("L0")
    for n in range(30):
        store.put_run(code, f"{n:x}", b"{}")
    monitor = redis.Redis.from_url(redis_server.url)
    before = int(monitor.info("commandstats").get("cmdstat_hgetall", {}).get("calls", 0))
    assert len(store.board(code)[1]) == 30
    after = int(monitor.info("commandstats")["cmdstat_hgetall"]["calls"])
    assert after - before == 1
    assert 0 < monitor.pttl("rnnviz:board:" + code) <= store.board_seconds * 1000
    store.close()


def test_several_runs_go_in_one_write_each_kept_or_refused(store):
    store.board_cap = 2
    code = store.create_board("L0")
    assert store.put_runs(code, {"a1": b"1", "b2": b"2", "c3": b"3"}) == {"a1", "b2"}
    assert store.put_runs(code, {"c3": b"3", "a1": b"4"}) == {"a1"}
    assert store.board(code)[1] == {"a1": b"4", "b2": b"2"}
    assert store.put_runs(new_board_code(), {"a1": b"1"}) == set()
