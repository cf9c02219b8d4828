"""Shared helpers for the tests: small seeded models, a way to see that nothing changed, and the app in AppTest."""

import os
import tempfile

import pytest
import redis
import torch
from pages_helpers import NavigationOnly, open_app
from redis_server import RedisServer, needs_redis, redis_available
from streamlit.testing.v1 import app_test

from rnnviz import SeqModel, load_dataset
from rnnviz.serving import live
from rnnviz.serving.checkpoints import Checkpoints
from rnnviz.serving.sessions import SessionRegistry
from rnnviz.serving.store import open_store
from rnnviz.serving.store_redis import RedisStore
from rnnviz.serving.store_sqlite import SqliteStore
from rnnviz.serving.turns import TrainingTurns
from ui import keeper, workers

# Small models run as fast on one thread, and two threads on this 2-core machine slow to a crawl
# whenever anything else is busy (measured: 10 ms a step alone, over 1 s a step contended).
torch.set_num_threads(1)
# The app under test keeps its models in a folder of the test run's, never in the user's own.
os.environ.setdefault("RNNVIZ_DATA", tempfile.mkdtemp(prefix="rnnviz-tests-"))


@pytest.fixture(autouse=True)
def no_training_left_behind():
    """A test that pressed Train leaves no worker training into the next test."""
    yield
    live.stop_all()


def weights_of(model) -> dict[str, torch.Tensor]:
    """A detached copy of every weight, to compare before and after something that must not touch them."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def seeded_model(ds, seed=0, **settings):
    torch.manual_seed(seed)
    return SeqModel.for_dataset(ds, **settings)


@pytest.fixture
def counting():
    return load_dataset("counting", seed=0)


@pytest.fixture
def sine():
    return load_dataset("sine", seed=0)


# -- the AppTest page tests (helpers in pages_helpers.py) ------------------------------------------------------
@pytest.fixture
def server_navigation(monkeypatch):
    """AppTest runs main.py's st.navigation as the server does (see pages_helpers.NavigationOnly)."""
    monkeypatch.setattr(app_test, "PagesManager", NavigationOnly)


@pytest.fixture
def app(server_navigation):
    """The app as the server runs it, on its first page."""
    return open_app()


@pytest.fixture
def fresh_server(server_navigation, monkeypatch):
    """A server-wide session registry and training turns of the test's own."""
    monkeypatch.setattr(keeper, "SESSIONS", SessionRegistry())
    monkeypatch.setattr(workers, "TURNS", TrainingTurns(max_concurrent=2))


# -- model stores: real ones, in the test's folder or a redis-server of the module's own ----------------------------
@pytest.fixture(scope="module")
def redis_server():
    if not redis_available():
        pytest.skip("redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=needs_redis)])
def store(request, tmp_path):
    """Each back-end of the model store in turn, empty."""
    if request.param == "sqlite":
        made = SqliteStore(tmp_path / "models.sqlite3")
    else:
        server = request.getfixturevalue("redis_server")
        redis.Redis.from_url(server.url).flushall()
        made = RedisStore(server.url)
    yield made
    made.close()


@pytest.fixture
def app_store(tmp_path, monkeypatch):
    """The app's model store (AppTest never starts the keeper that opens one): a SQLite file of the test's own."""
    kept = open_store("sqlite", str(tmp_path))
    writer = Checkpoints(kept)
    monkeypatch.setattr(keeper, "_checkpoints", [writer])
    yield kept
    writer.close()
    kept.close()
