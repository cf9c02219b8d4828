"""The shared-server limits: turns at training (fair, capped, across threads), torch threads, freed sessions."""

import gc
import threading
import weakref

import pytest
import torch

from rnnviz.config import defaults_for
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.serving.sessions import SessionRegistry
from rnnviz.serving.threads import configure_torch_threads
from rnnviz.serving.turns import TrainingTurns


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


# -- turns ---------------------------------------------------------------------------------------
def test_only_max_concurrent_sessions_hold_a_turn():
    turns = TrainingTurns(max_concurrent=2)
    assert turns.try_turn("a") and turns.try_turn("b")
    assert not turns.try_turn("c")
    assert (turns.active, turns.waiting, turns.place("c")) == (2, 1, 1)
    assert turns.place("a") == 0 and turns.place("nobody") == -1
    turns.release("a")
    assert turns.try_turn("c")
    assert turns.place("c") == 0 and turns.waiting == 0


def test_a_waiting_session_keeps_its_place_in_line():
    turns = TrainingTurns(max_concurrent=1)
    assert turns.try_turn("busy")
    assert not turns.try_turn("first") and not turns.try_turn("second")
    turns.release("busy")
    # "busy" asks again at once, but two sessions have waited longer.
    assert not turns.try_turn("busy")
    assert not turns.try_turn("second")
    assert turns.try_turn("first")
    turns.release("first")
    assert turns.try_turn("second")


def test_a_place_whose_owner_stops_asking_is_forgotten():
    clock = FakeClock()
    turns = TrainingTurns(max_concurrent=1, forget_after=2.0, clock=clock)
    assert turns.try_turn("a")
    assert not turns.try_turn("gone")  # a tab that then closes
    assert not turns.try_turn("b")
    turns.release("a")
    clock.now = 1.0
    assert not turns.try_turn("b")  # "gone" is still ahead
    clock.now = 2.5
    assert turns.place("gone") == -1
    assert turns.try_turn("b")


def test_holding_twice_is_a_bug_and_the_context_manager_releases_on_errors():
    turns = TrainingTurns(max_concurrent=1)
    with turns.turn("a") as granted:
        assert granted
        with pytest.raises(RuntimeError):
            turns.try_turn("a")
    with pytest.raises(ValueError), turns.turn("a") as granted:
        raise ValueError("a tick that fails")
    assert turns.active == 0
    with turns.turn("b") as granted, turns.turn("c") as other:
        assert granted and not other
    assert turns.active == 0 and turns.place("c") == 1  # not granted: nothing to release, still in line


def test_a_waiter_with_a_timeout_gets_the_turn_when_it_is_released():
    turns = TrainingTurns(max_concurrent=1)
    assert turns.try_turn("a")
    result = {}
    asking = threading.Event()

    def wait_for_turn():
        asking.set()
        result["granted"] = turns.try_turn("b", timeout=30.0)

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    asking.wait()
    while turns.place("b") != 1:  # until "b" stands in line
        threading.Event().wait(0.001)
    turns.release("a")
    waiter.join(timeout=30)
    assert result == {"granted": True} and turns.place("b") == 0


def test_many_threads_never_exceed_the_cap_and_all_get_turns():
    turns = TrainingTurns(max_concurrent=2)
    lock = threading.Lock()
    state = {"now": 0, "most": 0, "ticks": {}}
    errors = []

    def session(owner):
        try:
            done = 0
            while done < 5:
                with turns.turn(owner, timeout=0.05) as granted:
                    if not granted:
                        continue  # the app would show "waiting for a turn" here
                    with lock:
                        state["now"] += 1
                        state["most"] = max(state["most"], state["now"])
                    torch.ones(64, 64) @ torch.ones(64, 64)  # a little work while holding the turn
                    with lock:
                        state["now"] -= 1
                    done += 1
            with lock:
                state["ticks"][owner] = done
        except Exception as error:  # noqa: BLE001 - a thread's error must reach the test
            errors.append(error)

    threads = [threading.Thread(target=session, args=(f"s{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert state["most"] <= 2
    assert state["ticks"] == {f"s{i}": 5 for i in range(12)}
    assert turns.active == 0


def test_the_default_cap_is_at_least_one_and_follows_the_environment(monkeypatch):
    assert TrainingTurns().max_concurrent >= 1
    monkeypatch.setenv("RNNVIZ_MAX_TRAINERS", "3")
    assert TrainingTurns().max_concurrent == 3
    monkeypatch.setenv("RNNVIZ_MAX_TRAINERS", "lots")
    assert TrainingTurns().max_concurrent >= 1


# -- torch threads -------------------------------------------------------------------------------
def test_torch_threads_are_set_once_per_process():
    threads = configure_torch_threads()
    assert threads >= 1 and torch.get_num_threads() == threads
    assert configure_torch_threads(threads + 3) == threads  # a second call changes nothing
    assert torch.get_num_threads() == threads


# -- sessions ------------------------------------------------------------------------------------
class Model:
    """Stands in for an Experiment: something weakref-able to watch being freed."""


def test_a_released_session_frees_its_experiment():
    registry = SessionRegistry()
    experiment = Experiment(defaults_for("sentences"))
    experiment.train(2)
    model = weakref.ref(experiment.model)
    registry.put("tab-1", experiment)
    assert registry.get("tab-1") is experiment and "tab-1" in registry
    del experiment
    gc.collect()
    assert model() is not None  # the registry keeps it while the session lives
    assert registry.release("tab-1") and not registry.release("tab-1")
    gc.collect()
    assert model() is None and len(registry) == 0


def test_replacing_a_sessions_experiment_frees_the_old_one():
    registry = SessionRegistry()
    old = Model()
    watched = weakref.ref(old)
    registry.put("tab", old)
    registry.put("tab", Model())
    del old
    gc.collect()
    assert watched() is None and len(registry) == 1


def test_sessions_not_seen_within_the_ttl_are_swept():
    clock = FakeClock()
    registry = SessionRegistry(ttl=120, clock=clock)
    registry.put("closed", Model())
    registry.put("open", Model())
    clock.now = 100
    assert registry.get("open") is not None  # a sign of life
    clock.now = 121
    assert registry.sweep() == ["closed"]
    assert registry.session_ids() == ["open"]
    clock.now = 219
    registry.touch("open")
    clock.now = 300
    assert registry.sweep() == [] and registry.get("closed") is None
    clock.now = 500
    registry.put("new", Model())  # put sweeps too
    assert registry.session_ids() == ["new"]


def test_a_full_server_refuses_a_new_session_but_not_an_existing_one():
    registry = SessionRegistry(max_sessions=2)
    registry.put("a", Model())
    registry.put("b", Model())
    with pytest.raises(InputError, match="server is full"):
        registry.put("c", Model())
    registry.put("a", Model())
    registry.release("b")
    registry.put("c", Model())


def test_the_registry_is_safe_across_threads():
    registry = SessionRegistry()
    errors = []

    def session(i):
        try:
            for round_ in range(50):
                registry.put(f"s{i}", Model())
                assert registry.get(f"s{i}") is not None
                if round_ % 2:
                    registry.release(f"s{i}")
                registry.sweep()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(registry) == 0
