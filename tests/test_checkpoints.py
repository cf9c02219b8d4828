"""The checkpoint writer on real stores: models kept while they train, back after a restart, and a store that
goes away and comes back never stopping training."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from redis_server import RedisServer, needs_redis

from rnnviz.config import defaults_for
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment, model_lock
from rnnviz.files.record import read_record
from rnnviz.serving.checkpoints import UNREACHABLE, Checkpoints, open_shared, restore, share_model
from rnnviz.serving.store import new_model_id
from rnnviz.serving.store_redis import RedisStore
from rnnviz.serving.store_sqlite import SqliteStore

WAIT = 60.0  # generous: the test machine may be busy


def wait_for(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def small_experiment(dataset="counting"):
    return Experiment(defaults_for(dataset).replace(hidden_size=16))


def train(experiment, steps: int) -> None:
    """As the app's worker does: a slice of training under the model's lock."""
    with model_lock(experiment):
        experiment.train(steps)


def stored_step(store, key):
    data = store.get(key)
    return None if data is None else read_record(data).step


@pytest.fixture
def sqlite_store(tmp_path):
    store = SqliteStore(tmp_path / "models.sqlite3")
    yield store
    store.close()


@pytest.fixture
def writer(sqlite_store):
    checkpoints = Checkpoints(sqlite_store, every_seconds=0.3, tick_seconds=0.1)
    yield checkpoints
    checkpoints.close()


def test_a_watched_model_is_kept_while_it_trains_and_comes_back_the_same(sqlite_store, writer):
    experiment = small_experiment()
    writer.watch("tab", experiment)
    assert writer.flush() and stored_step(sqlite_store, "tab") == 0
    train(experiment, 20)
    assert wait_for(lambda: stored_step(sqlite_store, "tab") == 20)
    restored, info = restore(sqlite_store, "tab")
    assert restored is not experiment and restored.step == 20 and info.step == 20 and info.steps_lost == 0
    assert all(torch.equal(a, b) for a, b in zip(experiment.model.state_dict().values(),
                                                 restored.model.state_dict().values()))
    assert list(restored.trainer.history["loss"]) == list(experiment.trainer.history["loss"])
    assert "back from the model store at step 20" in info.message() and "lost" not in info.message()


def test_between_records_the_seen_mark_says_how_much_training_is_missing(sqlite_store):
    checkpoints = Checkpoints(sqlite_store, every_seconds=3600, tick_seconds=0.1)
    try:
        experiment = small_experiment()
        checkpoints.watch("tab", experiment)
        train(experiment, 5)
        checkpoints.save_now("tab")
        assert checkpoints.flush() and stored_step(sqlite_store, "tab") == 5
        # Training goes on, a step at a time, until a seen mark is past the record; then the server stops.
        deadline = time.monotonic() + WAIT
        while (sqlite_store.last_seen("tab") or (0,))[0] < 12 and time.monotonic() < deadline:
            train(experiment, 1)
            time.sleep(0.02)
    finally:
        checkpoints.close()
    assert stored_step(sqlite_store, "tab") == 5  # no record since: the interval has not passed, and it never settled
    restored, info = restore(sqlite_store, "tab")
    assert restored.step == 5 and info.seen_step >= 12 and info.steps_lost == info.seen_step - 5
    assert f"{info.steps_lost} steps) were lost" in info.message()


def test_a_model_that_stops_is_kept_at_once_not_after_the_interval(sqlite_store):
    checkpoints = Checkpoints(sqlite_store, every_seconds=3600, tick_seconds=0.1)
    try:
        experiment = small_experiment()
        checkpoints.watch("tab", experiment)
        assert checkpoints.flush() and stored_step(sqlite_store, "tab") == 0
        train(experiment, 9)  # then nothing: paused, or its tab closed
        assert wait_for(lambda: stored_step(sqlite_store, "tab") == 9, timeout=5.0)
    finally:
        checkpoints.close()


def test_a_save_asked_for_before_forget_still_happens_and_then_the_model_is_let_go(sqlite_store, writer):
    experiment = small_experiment()
    writer.watch("tab", experiment, saved_step=0)
    train(experiment, 3)
    writer.save_now("tab")
    writer.forget("tab")
    assert wait_for(lambda: stored_step(sqlite_store, "tab") == 3)
    train(experiment, 3)
    time.sleep(1.0)  # several rounds: nothing more is written for a forgotten model
    assert stored_step(sqlite_store, "tab") == 3


def test_a_new_model_under_the_same_key_replaces_the_old_record(sqlite_store, writer):
    old = small_experiment()
    writer.watch("tab", old)
    train(old, 10)
    assert wait_for(lambda: stored_step(sqlite_store, "tab") == 10)
    writer.watch("tab", small_experiment())  # Reset
    assert writer.flush() and stored_step(sqlite_store, "tab") == 0


def test_a_store_that_is_not_there_never_reaches_the_caller():
    store = RedisStore("redis://127.0.0.1:1/0")  # nothing listens on port 1
    checkpoints = Checkpoints(store, every_seconds=0.2, tick_seconds=0.1)
    try:
        experiment = small_experiment()
        checkpoints.watch("tab", experiment)
        train(experiment, 5)
        checkpoints.save_now("tab")
        checkpoints.forget("other")
        assert wait_for(lambda: checkpoints.problem == UNREACHABLE)
        train(experiment, 5)
        assert experiment.step == 10 and checkpoints.problem_for("tab") == UNREACHABLE
        assert checkpoints.flush(timeout=0.5) is False  # the save is still pending, to be retried
    finally:
        checkpoints.close()


@needs_redis
def test_redis_stopped_mid_way_is_reported_once_and_the_next_round_after_it_is_back_writes():
    server = RedisServer().start()
    store = RedisStore(server.url)
    checkpoints = Checkpoints(store, every_seconds=0.3, tick_seconds=0.1)
    try:
        experiment = small_experiment()
        checkpoints.watch("tab", experiment)
        train(experiment, 5)
        assert wait_for(lambda: stored_step(store, "tab") == 5) and checkpoints.problem is None
        server.stop()
        train(experiment, 5)  # training goes on while the store is down
        assert wait_for(lambda: checkpoints.problem == UNREACHABLE)
        seen = set()
        for _ in range(10):  # the same single sentence while it lasts, not one per failed round
            train(experiment, 1)
            seen.add(checkpoints.problem)
            time.sleep(0.1)
        assert seen == {UNREACHABLE} and experiment.step == 20
        server.start()  # the same port: an empty Redis (nothing saved to disk)
        assert wait_for(lambda: checkpoints.problem is None)
        assert wait_for(lambda: stored_step(store, "tab") == 20)
    finally:
        checkpoints.close()
        store.close()
        server.close()


@needs_redis
def test_a_model_kept_in_redis_comes_back_through_another_store_object():
    server = RedisServer().start()
    try:
        first, second = RedisStore(server.url), RedisStore(server.url)  # two replicas
        checkpoints = Checkpoints(first, every_seconds=0.2, tick_seconds=0.1)
        experiment = small_experiment("sine")
        checkpoints.watch("tab", experiment)
        train(experiment, 12)
        assert wait_for(lambda: stored_step(second, "tab") == 12)
        checkpoints.close()
        restored, info = restore(second, "tab")
        assert restored.step == 12 and info.step == 12
    finally:
        server.close()


# -- shared models ----------------------------------------------------------------------------------------
def test_a_shared_model_opens_as_a_copy_at_its_step(sqlite_store):
    experiment = small_experiment()
    train(experiment, 8)
    model_id = share_model(sqlite_store, experiment, owner="teacher")
    copy, record = open_shared(sqlite_store, model_id)
    assert copy.step == 8 and record.step == 8 and len(record.history) == 8
    train(copy, 4)
    assert copy.step == 12 and experiment.step == 8  # training the copy leaves the original alone
    again, _ = open_shared(sqlite_store, model_id)
    assert again.step == 8


@pytest.mark.parametrize("model_id, words", [
    ("../../etc/passwd", "not one rnnviz makes"),
    ("", "not one rnnviz makes"),
    (new_model_id(), "no longer kept"),
])
def test_a_bad_share_link_gets_a_sentence(sqlite_store, model_id, words):
    with pytest.raises(InputError, match=words):
        open_shared(sqlite_store, model_id)


def test_a_damaged_shared_record_is_refused_with_a_sentence(sqlite_store):
    model_id = sqlite_store.share(b"\x10\0\0\0\0\0\0\0{not a record at all}", owner="someone")
    with pytest.raises(InputError, match="kept model"):
        open_shared(sqlite_store, model_id)


def test_a_full_store_is_reported_steadily_while_training_goes_on(tmp_path):
    store = SqliteStore(tmp_path / "models.sqlite3", max_bytes=100_000)  # smaller than one record of L0's size
    checkpoints = Checkpoints(store, every_seconds=0.2, tick_seconds=0.1)
    try:
        experiment = Experiment(defaults_for("counting"))
        checkpoints.watch("tab", experiment)
        assert wait_for(lambda: checkpoints.problem == UNREACHABLE)
        seen = set()
        for _ in range(10):
            train(experiment, 1)
            seen.add(checkpoints.problem)
            time.sleep(0.1)
        assert seen == {UNREACHABLE} and experiment.step == 10 and store.get("tab") is None
    finally:
        checkpoints.close()
        store.close()


TRAINING_SERVER = """
import sys, time, torch
torch.set_num_threads(1)
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.serving.checkpoints import Checkpoints
from rnnviz.experiment import model_lock
from rnnviz.serving.store_sqlite import SqliteStore
experiment = Experiment(defaults_for("counting").replace(hidden_size=16))
checkpoints = Checkpoints(SqliteStore(sys.argv[1]), every_seconds=0.5, tick_seconds=0.1)
checkpoints.watch("tab", experiment)
while True:
    with model_lock(experiment):
        experiment.train(1)
    print(experiment.step, flush=True)
    time.sleep(0.01)
"""


def test_a_server_killed_mid_training_gives_the_model_back_from_its_sqlite_file(tmp_path):
    path = tmp_path / "models.sqlite3"
    server = subprocess.Popen([sys.executable, "-c", TRAINING_SERVER, str(path)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    reader = None
    try:
        deadline, kept = time.monotonic() + 180, False
        while not kept and time.monotonic() < deadline:
            line = server.stdout.readline()
            assert line, "the training process ended early"
            if int(line) >= 40 and path.exists():
                reader = reader or SqliteStore(path)
                kept = (stored_step(reader, "tab") or 0) >= 20
        assert kept, "no record of step 20 or later within 3 minutes"
        os.kill(server.pid, signal.SIGKILL)  # mid-training, maybe mid-write
        server.wait(timeout=60)
        last_step = int(line)
    finally:
        if reader is not None:
            reader.close()
        if server.poll() is None:
            server.kill()
    store = SqliteStore(path)  # as a restarted server opens it
    try:
        restored, info = restore(store, "tab")
    finally:
        store.close()
    assert 20 <= restored.step <= last_step + 1 and info.seen_step >= restored.step
    train(restored, 5)
    assert restored.step == info.step + 5
