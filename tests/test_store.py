"""The model store on both back-ends, real ones: a SQLite file in a temporary folder and a redis-server of its own."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import redis
from redis_server import needs_redis

from rnnviz.files.safe_load import MAX_CHECKPOINT_BYTES
from rnnviz.serving.store import StoreDown, new_model_id, open_store, valid_model_id
from rnnviz.serving.store_interface import stored_key
from rnnviz.serving.store_redis import RedisStore
from rnnviz.serving.store_sqlite import SqliteStore


# -- tabs' records -------------------------------------------------------------------------------------------
def test_a_record_comes_back_as_it_was_put_and_is_gone_once_deleted(store):
    data = bytes(range(256)) * 1000
    assert store.get("tab-a") is None
    store.put("tab-a", data, ttl_seconds=60, step=12)
    assert store.get("tab-a") == data
    step, at = store.last_seen("tab-a")
    assert step == 12 and abs(at - time.time()) < 60
    store.put("tab-a", b"newer", ttl_seconds=60, step=13)
    assert store.get("tab-a") == b"newer"
    assert store.get("tab-b") is None
    store.delete("tab-a")
    assert store.get("tab-a") is None and store.last_seen("tab-a") is None


def test_a_seen_mark_keeps_the_latest_progress(store):
    assert store.last_seen("tab-a") is None
    store.seen("tab-a", 40, 1000.5)
    store.seen("tab-a", 41, 1001.25)
    assert store.last_seen("tab-a") == (41, 1001.25)


def test_records_expire_after_their_time(store):
    store.put("short", b"brief", ttl_seconds=1.0, step=1)
    store.put("long", b"kept", ttl_seconds=600, step=1)
    deadline = time.time() + 30
    while store.get("short") is not None and time.time() < deadline:
        time.sleep(0.2)
    assert store.get("short") is None
    assert store.get("long") == b"kept"


def test_a_record_larger_than_a_model_file_is_refused(store):
    with pytest.raises(ValueError, match="larger than a model file"):
        store.put("big", b"\0" * (MAX_CHECKPOINT_BYTES + 1), ttl_seconds=60, step=1)
    assert store.get("big") is None


def test_writes_from_many_threads_all_land(store):
    errors = []

    def write(n):
        try:
            for k in range(5):
                store.put(f"tab-{n}", f"{n}:{k}".encode(), ttl_seconds=60, step=k)
                store.seen(f"tab-{n}", k, time.time())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert [store.get(f"tab-{n}") for n in range(8)] == [f"{n}:4".encode() for n in range(8)]


# -- shared models -------------------------------------------------------------------------------------------
def test_a_shared_model_opens_by_its_id_and_ids_are_unguessable(store):
    first = store.share(b"model one", owner="teacher")
    second = store.share(b"model two", owner="teacher")
    assert first != second and valid_model_id(first) and valid_model_id(second)
    assert store.shared(first) == b"model one" and store.shared(second) == b"model two"
    assert store.shared(new_model_id()) is None
    assert store.get(first) is None  # a shared id is not a tab's key


def test_each_owner_keeps_at_most_its_cap_oldest_dropped_first(store):
    store.owner_cap = 3
    ids = [store.share(f"model {n}".encode(), owner="learner-1") for n in range(5)]
    other = store.share(b"someone else's", owner="learner-2")
    assert [store.shared(i) for i in ids] == [None, None, b"model 2", b"model 3", b"model 4"]
    assert store.shared(other) == b"someone else's"


def test_the_store_keeps_at_most_its_cap_oldest_dropped_first(store):
    store.store_cap = 4
    ids = [store.share(f"model {n}".encode(), owner=f"learner-{n}") for n in range(6)]
    assert [store.shared(i) for i in ids] == [None, None, b"model 2", b"model 3", b"model 4", b"model 5"]


def test_shared_models_expire(store):
    gone = store.share(b"brief", owner="teacher", ttl_seconds=1.0)
    kept = store.share(b"kept", owner="teacher")
    deadline = time.time() + 30
    while store.shared(gone) is not None and time.time() < deadline:
        time.sleep(0.2)
    assert store.shared(gone) is None and store.shared(kept) == b"kept"


MALFORMED_IDS = [
    "", "a", "A" * 31, "A" * 33, "A" * 1000, "A" * 31 + "=", "A" * 31 + "/", "A" * 31 + ".", "A" * 31 + " ",
    "A" * 32 + "\n", "../../etc/passwd", "..%2F..%2Fmodels.sqlite3", "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ",
    "Ａ" * 32, "' OR 1=1 --" + "A" * 21, "x'); DROP TABLE shared; --AAAAAA", "*\r\nFLUSHALL\r\n" + "A" * 19,
    "rnnviz:tab:" + "A" * 21, "\0" * 32, "\ud800" * 32,
]


def test_twenty_malformed_ids_are_refused_before_the_store_is_asked(store):
    assert len(MALFORMED_IDS) == 20 and len(set(MALFORMED_IDS)) == 20
    real = store.share(b"the model", owner="teacher")
    for text in MALFORMED_IDS:
        assert not valid_model_id(text), text
        assert store.shared(text) is None, text
    assert not valid_model_id(None) and not valid_model_id(b"A" * 32) and not valid_model_id(["A" * 32])
    assert store.shared(real) == b"the model"  # nothing above reached or harmed the store


def test_a_made_id_has_the_shape_the_check_expects():
    ids = {new_model_id() for _ in range(200)}
    assert len(ids) == 200 and all(valid_model_id(i) and len(i) == 32 for i in ids)


# -- choosing, and failing ----------------------------------------------------------------------------------
def test_open_store_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("RNNVIZ_STORE", raising=False)
    monkeypatch.setenv("RNNVIZ_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("RNNVIZ_KEEP_HOURS", "2")
    store = open_store()
    try:
        assert isinstance(store, SqliteStore) and (tmp_path / "data" / "models.sqlite3").exists()
        assert store.describe() == f"SQLite at {tmp_path / 'data' / 'models.sqlite3'}"
        assert store.keep_seconds == 7200 and store.share_seconds == 30 * 86400
    finally:
        store.close()
    redis_store = open_store("redis://:secret@127.0.0.1:1/3")
    assert isinstance(redis_store, RedisStore) and redis_store.describe() == "Redis at redis://127.0.0.1:1/3"
    with pytest.raises(ValueError, match="RNNVIZ_STORE"):
        open_store("postgres://somewhere")
    monkeypatch.setenv("RNNVIZ_KEEP_HOURS", "soon")
    with pytest.raises(ValueError, match="RNNVIZ_KEEP_HOURS"):
        open_store("sqlite", str(tmp_path))


def test_a_redis_that_is_not_there_fails_fast_with_store_down():
    store = RedisStore("redis://127.0.0.1:1/0")  # nothing listens on port 1
    started = time.monotonic()
    for call in (lambda: store.put("k", b"x", 60, 1), lambda: store.get("k"), lambda: store.share(b"x", "o")):
        with pytest.raises(StoreDown):
            call()
    assert time.monotonic() - started < 30  # a second or so each at most; generous for a busy machine


@needs_redis
def test_a_full_redis_refuses_a_write_with_store_down(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    store = RedisStore(redis_server.url)
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", "1")
    try:
        with pytest.raises(StoreDown, match="OOM|memory"):
            store.put("tab", b"x" * 100_000, ttl_seconds=60, step=1)
    finally:
        client.config_set("maxmemory", "0")
    store.put("tab", b"fits again", ttl_seconds=60, step=1)
    assert store.get("tab") == b"fits again"


def test_a_full_sqlite_file_refuses_a_write_with_store_down(tmp_path):
    store = SqliteStore(tmp_path / "models.sqlite3", max_bytes=200_000)
    try:
        store.put("small", b"x" * 1000, ttl_seconds=60, step=1)
        with pytest.raises(StoreDown, match="full"):
            store.put("big", b"x" * 1_000_000, ttl_seconds=60, step=1)
        assert store.get("small") == b"x" * 1000 and store.get("big") is None
        store.put("small", b"still writable", ttl_seconds=60, step=2)
        assert store.get("small") == b"still writable"
    finally:
        store.close()


def test_the_sqlite_store_survives_a_restart_of_the_process(tmp_path):
    first = SqliteStore(tmp_path / "models.sqlite3")
    first.put("tab", b"kept", ttl_seconds=600, step=7)
    model_id = first.share(b"shared", owner="teacher")
    first.close()
    second = SqliteStore(tmp_path / "models.sqlite3")
    try:
        assert second.get("tab") == b"kept" and second.shared(model_id) == b"shared"
        assert second.last_seen("tab")[0] == 7
    finally:
        second.close()


def test_the_sqlite_writer_sweeps_expired_rows_from_the_file(tmp_path, monkeypatch):
    from rnnviz.serving import store_sqlite

    monkeypatch.setattr(store_sqlite, "SWEEP_SECONDS", 0.0)  # sweep after every write
    store = SqliteStore(tmp_path / "models.sqlite3")
    try:
        store.put("brief", b"x" * 1000, ttl_seconds=0.5, step=1)
        store.share(b"brief too", owner="teacher", ttl_seconds=0.5)
        time.sleep(1.0)
        store.put("kept", b"kept", ttl_seconds=600, step=1)
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "models.sqlite3") as connection:
        keys = [row[0] for row in connection.execute("SELECT key FROM records")]
        shared = connection.execute("SELECT COUNT(*) FROM shared").fetchone()[0]
    assert keys == [stored_key("kept")] and shared == 0


def test_a_tab_key_is_never_written_as_it_is(tmp_path, redis_server):
    secret = "tab-secret-Zq8wVx"
    sqlite_store, redis_store = SqliteStore(tmp_path / "models.sqlite3"), RedisStore(redis_server.url)
    for store in (sqlite_store, redis_store):
        store.put(secret, b"model", ttl_seconds=60, step=3)
        store.seen(secret, 4, 1.0)
        assert store.get(secret) == b"model" and store.last_seen(secret) == (4, 1.0)
    sqlite_store.close()
    for path in tmp_path.iterdir():
        assert secret.encode() not in path.read_bytes()
    assert not any(secret.encode() in key for key in redis.Redis.from_url(redis_server.url).keys("*"))
    redis_store.close()
