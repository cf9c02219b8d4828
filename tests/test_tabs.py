"""A tab's secret brings its model back after a reload, and only to that tab (rnnviz.serving.tabs, ui.keeper.move)."""

import subprocess
import sys

from rnnviz.config import Config
from rnnviz.experiment import Experiment
from rnnviz.serving.hosting import was_let_go
from rnnviz.serving.sessions import SessionRegistry
from rnnviz.serving.tabs import TabRegistry, new_secret
from ui import keeper

OLD, NEW, OTHER = ("old-sid", "a"), ("new-sid", "b"), ("other-sid", "c")


def nobody_connected(key) -> bool:
    return False


def test_secrets_are_long_random_and_url_safe():
    secrets = {new_secret() for _ in range(200)}
    assert len(secrets) == 200
    assert all(len(s) >= 43 and s.replace("-", "").replace("_", "").isalnum() for s in secrets)


def test_a_gone_owner_hands_its_secret_and_what_it_carried_to_the_new_session():
    tabs, secret = TabRegistry(), new_secret()
    tabs.own(secret, OLD)
    tabs.remember(secret, {"lesson": "L1", "running": True})
    assert tabs.claim(secret, NEW, nobody_connected) == (OLD, {"lesson": "L1", "running": True})
    assert tabs.owner(secret) == NEW
    assert tabs.claim(secret, OTHER, lambda key: key == NEW) is None  # now NEW's, and NEW is connected
    assert tabs.claim(secret, NEW, nobody_connected) is None  # already its own: nothing to take over


def test_a_connected_owner_keeps_its_secret():
    """A duplicated tab copies sessionStorage: while the original tab is open, its secret stays with it."""
    tabs, secret = TabRegistry(), new_secret()
    tabs.own(secret, OLD)
    assert tabs.claim(secret, NEW, lambda key: key == OLD) is None
    assert tabs.owner(secret) == OLD


def test_unknown_or_forgotten_secrets_claim_nothing():
    tabs, secret = TabRegistry(), new_secret()
    assert tabs.claim(secret, NEW, nobody_connected) is None
    tabs.own(secret, OLD)
    tabs.own(new_secret(), OTHER)
    assert tabs.forget([OLD]) == 1
    assert tabs.claim(secret, NEW, nobody_connected) is None
    assert len(tabs) == 1


def test_move_hands_the_model_and_everything_the_session_made_to_the_new_session(monkeypatch):
    monkeypatch.setattr(keeper, "SESSIONS", SessionRegistry())
    mine, side = Experiment(Config()), Experiment(Config())
    keeper.admit(OLD, mine)
    keeper.hold(OLD, [side])
    mine.train(3)
    assert keeper.move(OLD, NEW) is mine
    assert keeper.SESSIONS.get(NEW) is mine and OLD not in keeper.SESSIONS
    assert keeper.move(OLD, OTHER) is None  # nothing left under the old key
    # The keeper now lets both go with the new session, not the old one.
    assert keeper.keep_round(lambda key: key == NEW) == []
    keeper.SESSIONS.ttl = -1
    assert keeper.keep_round(nobody_connected) == [NEW]
    assert was_let_go(mine) and was_let_go(side)


def test_the_keeper_forgets_the_secrets_of_sessions_it_lets_go(monkeypatch):
    monkeypatch.setattr(keeper, "SESSIONS", SessionRegistry(ttl=-1))
    tabs = TabRegistry()
    monkeypatch.setattr(keeper, "TABS", tabs)
    secret = new_secret()
    tabs.own(secret, OLD)
    keeper.admit(OLD, Experiment(Config()))
    assert keeper.keep_round(nobody_connected) == [OLD]
    assert tabs.owner(secret) is None


def test_importing_the_package_does_not_import_torch_and_the_api_names_still_work():
    script = ("import sys, rnnviz, rnnviz.serving.tabs; assert 'torch' not in sys.modules, 'torch imported';"
              "from rnnviz import load_dataset, SeqModel, Trainer, trace, predict, Trace, Prediction, InputError;"
              "import rnnviz.nn.trace, rnnviz.nn.predict;"
              "assert callable(trace) and rnnviz.trace is trace and rnnviz.predict is predict;"
              "assert isinstance(Trainer, type) and 'SeqModel' in dir(rnnviz)")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
