"""The live feed (rnnviz.serving.feed): what a Train page polls while its model trains. Tested directly, as the
server's route calls it; the browser side is in tests/e2e."""

import gc
import json
import time

import pytest
from pages_helpers import wait_for

from rnnviz.config import defaults_for
from rnnviz.errors import InputError
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
    trainer.pause(wait=True)  # its thread ended: none is left in a torch call when the tests end
    trainer.stop()


def test_a_first_poll_gets_every_view_the_page_shows_and_a_poll_with_nothing_new_gets_none(worker):
    experiment, shown = worker.experiment, worker.published
    token = feed.feed_of(experiment).token
    first = feed.snapshot(token, -1)
    assert first["version"] == shown.version and first["running"] is False
    assert set(first["texts"]) == set(train_board.TEXTS)
    assert set(first["charts"]) == set(train_board.CHARTS) - {"series_chart"}  # counting: no series to draw
    assert "<b>Paused</b> · step 0" in first["texts"]["train_status"]
    assert ">2 3 4</span>" in first["texts"]["continuation"]
    assert json.loads(first["charts"]["loss_chart"])["canvas"] == "note"  # a canvas spec; no loss before step 1
    again = feed.snapshot(token, first["version"])
    assert again["texts"] == {} and again["charts"] == {}


def test_while_training_texts_follow_every_version_and_charts_are_made_once_every_chart_seconds(worker):
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
    # due every CHART_INTERVAL: one may come a poll early after one a poll late, never two in one step of 0.1 s
    assert len(made) == 4 and min(gaps) >= feed.CHART_INTERVAL / 2
    assert made[-1] - made[0] >= 3 * feed.CHART_INTERVAL * 0.9


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
    assert set(own._texts) == {"train_status"}  # nor the continuation and milestones, which only Train shows
    both = feed.snapshot(own.token, -1, frozenset({"train_status", "loss_chart"}))
    assert set(both["charts"]) == {"loss_chart"}



def test_each_text_is_made_once_per_published_version_however_often_it_is_asked_and_kept_if_its_views_are(
        worker, monkeypatch):
    made = []

    def counted(key, maker):
        def make(*args):
            made.append(key)
            return maker(*args)
        return make

    makers = {key: counted(key, maker) for key, maker in train_board.TEXT_MAKERS.items()}
    monkeypatch.setattr(train_board, "TEXT_MAKERS", makers)
    token = feed.feed_of(worker.experiment).token
    for since in (-1, -1, 0):
        feed.snapshot(token, since)
    assert sorted(made) == sorted(train_board.TEXTS)
    worker.refresh()  # a new version: made again, once
    feed.snapshot(token, -1)
    feed.snapshot(token, -1, frozenset({"train_status"}))
    assert sorted(made) == sorted(train_board.TEXTS * 2)
    worker.pause(wait=False)  # a new version with the views of the last: only the status is made again
    shown = feed.snapshot(token, -1)
    assert sorted(made) == sorted(train_board.TEXTS * 2 + ("train_status",))
    assert set(shown["texts"]) == set(train_board.TEXTS)  # the continuation and milestones still come with it


def test_a_model_s_feed_answers_at_most_one_ask_per_min_ask_seconds(worker):
    token = feed.feed_of(worker.experiment).token
    assert feed.too_soon(token) is False
    assert feed.too_soon(token) is True  # at once again: refused, without a snapshot
    time.sleep(feed.MIN_ASK_SECONDS * 1.5)
    assert feed.too_soon(token) is False
    assert feed.too_soon("not-a-token") is False  # an unknown token is not limited here: snapshot says it is gone


def test_the_server_s_route_answers_a_poll_and_refuses_one_too_soon_after(worker, monkeypatch):
    from starlette.requests import Request

    from ui import live_feed

    monkeypatch.setattr(live_feed, "_served", False)  # routes() marks the process as serving: undone after
    answer = live_feed.routes()[0].endpoint
    token = feed.feed_of(worker.experiment).token

    def ask(token, method="GET", query="since=-1&views=train_status"):
        return answer(Request({"type": "http", "method": method, "path": live_feed.FEED_PATH, "headers": [],
                               "query_string": f"feed={token}&{query}".encode()}))

    first = ask(token)
    assert first.status_code == 200 and set(json.loads(first.body)["texts"]) == {"train_status"}
    assert ask(token).status_code == 429
    assert ask("not-a-token").status_code == 404
    typed = ask(token, "POST", "prefix=7%208")  # a typed prefix: not refused as a poll too soon
    assert typed.status_code == 200 and ">7 8</span>" in json.loads(typed.body)["texts"]["continuation"]
    time.sleep(feed.MIN_ASK_SECONDS * 1.5)
    refused = ask(token, "POST", "prefix=seven")
    assert refused.status_code == 422 and "not a whole number" in json.loads(refused.body)["refused"]
    assert worker.experiment.config.prefix == "7 8"


def test_a_typed_prefix_is_applied_between_steps_and_its_continuation_answered_at_once(worker):
    token, experiment = feed.feed_of(worker.experiment).token, worker.experiment
    worker.start()
    wait_for(lambda: worker.published.step >= 3)
    shown = feed.continue_typed(token, "5 6")
    assert experiment.config.prefix == "5 6" and worker.published.prefix == "5 6"
    assert set(shown["texts"]) == {"continuation"} and ">5 6</span>" in shown["texts"]["continuation"]
    assert worker.running  # training goes on
    with pytest.raises(InputError):  # not a number: refused, and the model keeps the prefix it had
        feed.continue_typed(token, "five")
    with pytest.raises(InputError):
        feed.continue_typed(token, None)
    assert experiment.config.prefix == "5 6" and worker.published.prefix == "5 6"
    assert feed.continue_typed("not-a-token", "1 2") is None


def test_pause_by_the_feed_stops_the_step_count_at_once_and_its_status_says_so(worker):
    token = feed.feed_of(worker.experiment).token
    worker.start()
    wait_for(lambda: worker.published.step >= 3)
    shown = feed.pause(token)
    step = worker.experiment.step
    assert not worker.running and shown["running"] is False
    assert f"<b>Paused</b> · step {step} " in shown["texts"]["train_status"]
    time.sleep(0.3)
    assert worker.experiment.step == step
    assert feed.pause("not-a-token") is None
