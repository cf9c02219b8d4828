"""The live feed (rnnviz.serving.feed): what a Train page polls while its model trains. Tested directly, as the
server's route calls it; the browser side is in tests/e2e."""

import gc
import json
import time

import pytest
from pages_helpers import wait_for

from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.serving import feed
from rnnviz.serving.live import live_training
from rnnviz.serving.turns import TrainingTurns
from rnnviz.views import train_board


def small() -> Experiment:
    return Experiment(defaults_for("counting").replace(hidden_size=16, batch_size=8))


@pytest.fixture
def worker():
    experiment = small()
    trainer = live_training(experiment, TrainingTurns(max_concurrent=1))
    yield trainer
    trainer.stop()


def test_a_first_poll_gets_every_view_the_page_shows_and_a_poll_with_nothing_new_gets_none(worker):
    experiment, shown = worker.experiment, worker.published
    token = feed.feed_of(experiment).token
    first = feed.snapshot(token, -1)
    assert first["version"] == shown.version and first["running"] is False
    assert set(first["texts"]) == set(train_board.TEXTS) and set(first["charts"]) == set(train_board.CHARTS)
    assert "<b>Paused</b> · step 0" in first["texts"]["train_status"]
    assert ">2 3 4</span>" in first["texts"]["continuation"]
    assert json.loads(first["charts"]["loss_chart"])["data"] is not None  # each chart a Plotly figure's JSON
    again = feed.snapshot(token, first["version"])
    assert again["texts"] == {} and again["charts"] == {}


def test_while_training_texts_follow_every_version_and_charts_are_made_at_most_every_chart_seconds(worker):
    token = feed.feed_of(worker.experiment).token
    worker.start()
    wait_for(lambda: worker.published.step >= 3)  # the first step loads the optimizer's code
    since = feed.snapshot(token, -1)["version"]
    made = []  # when a poll brought new charts
    deadline = time.monotonic() + 30
    while len(made) < 4 and time.monotonic() < deadline:
        shown = feed.snapshot(token, since)
        assert shown["running"] is True
        if shown["version"] > since:
            assert "Training" in shown["texts"]["train_status"]
        if shown["charts"]:
            made.append(time.monotonic())
        since = shown["version"]
        time.sleep(0.02)
    gaps = [later - earlier for earlier, later in zip(made, made[1:])]
    assert len(made) == 4 and min(gaps) >= feed.CHART_SECONDS * 0.9


def test_a_poll_after_the_model_stopped_says_so(worker):
    token = feed.feed_of(worker.experiment).token
    worker.start()
    wait_for(lambda: worker.published.step >= 3)
    worker.pause(wait=True)
    shown = feed.snapshot(token, -1)
    assert shown["running"] is False and "Paused" in shown["texts"]["train_status"]


def test_tokens_are_unguessable_one_per_model_and_forgotten_with_it():
    experiment, other = small(), small()
    live_training(experiment, TrainingTurns(max_concurrent=1))
    token = feed.feed_of(experiment).token
    assert feed.feed_of(experiment).token == token != feed.feed_of(other).token
    assert len(token) >= 24  # 18 random bytes
    assert feed.snapshot("not-a-token", -1) is None and feed.snapshot(None, -1) is None
    assert feed.snapshot(token, -1) is not None
    experiment.live.stop()
    del experiment
    gc.collect()
    assert feed.snapshot(token, -1) is None  # the model let go: its feed is gone with it


def test_a_feed_without_a_worker_yet_answers_nothing():
    experiment = small()
    assert feed.snapshot(feed.feed_of(experiment).token, -1) is None


def test_a_page_that_shows_only_the_status_gets_only_the_status_and_no_chart_is_made(worker):
    own = feed.feed_of(worker.experiment)
    shown = feed.snapshot(own.token, -1, frozenset({"train_status"}))
    assert set(shown["texts"]) == {"train_status"} and shown["charts"] == {}
    assert own._charts == {}  # nothing made for nobody
    both = feed.snapshot(own.token, -1, frozenset({"train_status", "loss_chart"}))
    assert set(both["charts"]) == {"loss_chart"}
