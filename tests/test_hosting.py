"""Share links, letting closed sessions go, and the files a learner downloads (serving.hosting, files.exports)."""

import gc
import io
import json
import math
import weakref

import numpy as np
import pytest

from rnnviz.config import Caution, Config, defaults_for
from rnnviz.experiment import Experiment
from rnnviz.files.exports import history_csv, traced_arrays
from rnnviz.lessons import LESSONS
from rnnviz.serving import turns
from rnnviz.serving.hosting import (
    keep_sessions,
    left_out,
    let_go,
    link_settings,
    models_in_memory,
    same_model,
    share_query,
    share_url,
)
from rnnviz.serving.turns import SessionRegistry


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


# -- share links ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(LESSONS))
def test_every_lesson_comes_back_from_its_link(key):
    config = LESSONS[key].config
    for focused in (False, True):
        again, classroom, notices = link_settings(share_query(config, classroom=focused))
        assert (again, classroom) == (config, focused)
        assert all(isinstance(notice, Caution) for notice in notices)  # nothing changed (L5's lr 3: a caution)


def test_a_link_with_no_setting_builds_nothing_and_the_classroom_key_alone_still_counts():
    assert link_settings({}) == (None, False, [])
    assert link_settings({"classroom": "1"}) == (None, True, [])
    assert link_settings({"classroom": ["0", "true"]})[1] is True  # given twice: the last one counts
    config, classroom, notices = link_settings({"classroom": "maybe", "dataset": "sine"})
    assert config == defaults_for("sine") and not classroom
    assert notices == ["Ignored classroom='maybe': use classroom=1 for the focused view."]


def test_hostile_link_values_become_notices():
    config, _, notices = link_settings({"dataset": "sentences", "hidden_size": "1e9", "lr": "nan", "cell": "<b>",
                                        "batch_size": ["3", "abc"], "evil": "1"})
    assert config == defaults_for("sentences").replace(hidden_size=512)
    assert len(notices) == 5 and any("'evil'" in notice for notice in notices)


def test_share_url_escapes_what_a_link_cannot_hold():
    config = defaults_for("text").replace(text="a&b=c #1?\n", prefix="a&")
    url = share_url("http://host/", share_query(config))
    assert url.startswith("http://host/?dataset=text&") and "#" not in url and "\n" not in url
    assert "text=a%26b%3Dc%20%231%3F%0A" in url
    assert share_url("http://host:8501", {"dataset": "sine"}) == "http://host:8501/?dataset=sine"
    assert share_url("http://host/predict", {"dataset": "sine"}) == "http://host/predict?dataset=sine"


def test_text_too_long_for_a_link_is_named():
    assert left_out(defaults_for("text").replace(text="short")) == []
    assert left_out(defaults_for("text").replace(text="x" * 5000)) == ["text"]


def test_same_model_ignores_what_only_steers_training():
    config = LESSONS["L2"].config
    assert same_model(config, config.replace(lr=0.5, prefix="hey", temperature=1.0))
    assert not same_model(config, config.replace(hidden_size=13))


# -- letting closed sessions go -------------------------------------------------------------------------------
def test_connected_sessions_are_kept_and_closed_ones_swept_after_the_ttl():
    clock = FakeClock()
    registry = SessionRegistry(ttl=60, clock=clock)
    registry.put("open", object())
    registry.put("closed", object())
    connected = {"open"}
    clock.now = 50
    assert keep_sessions(registry, connected.__contains__) == []
    clock.now = 100  # "open" was seen at 50 by the keeper, "closed" not since 0
    assert keep_sessions(registry, connected.__contains__) == ["closed"]
    clock.now = 1000
    assert keep_sessions(registry, connected.__contains__) == [] and registry.session_ids() == ["open"]


def test_a_closed_tab_kept_for_a_reconnect_stops_counting_in_the_crowd(monkeypatch):
    clock = FakeClock()
    registry = SessionRegistry(ttl=120, clock=clock)
    monkeypatch.setattr(turns, "SESSIONS", registry)
    for index in range(8):
        registry.put(f"tab {index}", object())
    assert turns.crowd_factor(turns=2) == 4  # eight open tabs on two training turns
    clock.now = turns.CROWD_SEEN_SECONDS + 1  # the keeper sees the two still connected; six closed theirs
    keep_sessions(registry, {"tab 0", "tab 1"}.__contains__)
    assert len(registry) == 8  # all kept for a reconnect within the TTL
    assert registry.seen_within(turns.CROWD_SEEN_SECONDS) == 2 and turns.crowd_factor(turns=2) == 1


def test_let_go_empties_an_experiment_that_something_still_refers_to():
    experiment = Experiment(defaults_for("counting").replace(hidden_size=64))
    experiment.train(30)
    weights = [weakref.ref(p.data) for p in experiment.model.parameters()]
    snapshots = [weakref.ref(t) for state in experiment.trainer.snapshots.values() for t in state.values()]
    let_go(experiment)
    gc.collect()
    assert all(p.numel() == 0 for p in experiment.model.parameters())
    assert not experiment.trainer.snapshots and not experiment.trainer.rows and experiment.trainer.history.empty
    assert not experiment.trainer.optimizer.state and experiment.trainer.last_batch is None
    assert all(ref() is None for ref in weights + snapshots)  # the tensors themselves are freed



def test_models_in_memory_counts_what_is_held_and_drops_to_what_was_there_once_let_go():
    gc.collect()
    count_before, bytes_before = models_in_memory()
    experiment = Experiment(defaults_for("counting").replace(hidden_size=64))
    experiment.train(30)
    params = sum(p.numel() * p.element_size() for p in experiment.model.parameters())
    count, size = models_in_memory()
    assert count == count_before + 1
    # weights, Adam's two moments per weight, and at least the snapshots at steps 0, 1, 2, 5, 10 and 20
    assert size - bytes_before >= params * (1 + 2 + 6)
    let_go(experiment)
    assert models_in_memory() == (count_before, bytes_before)  # a shell is not a model
    del experiment
    gc.collect()
    assert models_in_memory() == (count_before, bytes_before)

# -- downloads ------------------------------------------------------------------------------------------------
def test_the_history_csv_has_a_row_per_step():
    experiment = Experiment(defaults_for("sentences"))
    experiment.train(4)
    lines = history_csv(experiment).splitlines()
    assert lines[0] == "step,loss,grad_norm,grad_norm_clipped,lr,seconds,val_loss"
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_traced_arrays_match_the_model_and_open_without_pickle(cell):
    config = defaults_for("sentences").replace(cell=cell, num_layers=2)
    experiment = Experiment(config)
    experiment.train(3)
    arrays = np.load(io.BytesIO(traced_arrays(experiment)), allow_pickle=False)
    assert json.loads(str(arrays["settings"]))["cell"] == cell and int(arrays["step"]) == 3
    prediction = experiment.predict()
    steps = len(prediction.prefix) + len(prediction.generated)
    assert arrays["hidden"].shape == (2, steps, 12) and int(arrays["prefix_len"]) == 4
    assert "".join(arrays["labels"][:4]) == "good"
    # The same hidden states the prediction reports, step for step.
    assert np.allclose(arrays["hidden"][:, :steps - 1], prediction.hidden.numpy()[:, :steps - 1], atol=1e-5)
    assert ("cell" in arrays.files) == (cell == "lstm")
    layers, window = arrays["sample_grad_norms"].shape
    assert layers == 2 and window == arrays["sample_hidden"].shape[1] == len(arrays["sample_labels"])
    assert np.all(np.isfinite(arrays["sample_grad_norms"])) and math.isfinite(float(arrays["sample_loss"]))


def test_a_prefix_that_cannot_be_traced_is_explained_in_the_file():
    experiment = Experiment(Config(dataset="csv", series="1, 2, 3, 4, 5, 6, 7, 8", seq_len=3, prefix=""))
    arrays = np.load(io.BytesIO(traced_arrays(experiment)), allow_pickle=False)
    assert "at least one number" in str(arrays["prefix_error"]) and "hidden" not in arrays.files
    assert "sample_hidden" in arrays.files
