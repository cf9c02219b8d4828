"""Lesson L5, an explosion you can watch: from its seed the loss and the gradient norm climb over several logged
steps before the alarm stops training; the alarm says what grew and by how much; clipping at 1.0 tames the same run;
its link gives one caution and no "changed or left out" notice."""

import re

import pytest
from pages_helpers import alert_text, experiment, open_app

from rnnviz.config import Caution, Config, defaults_for
from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS, lesson_query
from rnnviz.serving.budget import over_budget

CHANGED = "could not be used as they were"


def growth_points(values: list[float]) -> tuple[int, float]:
    """How many values after the lowest (up to the highest) are at least twice it, and highest / lowest."""
    top = max(range(len(values)), key=values.__getitem__)
    low = min(range(top + 1), key=values.__getitem__)
    return sum(value >= 2 * values[low] for value in values[low + 1:top + 1]), values[top] / values[low]


@pytest.fixture(scope="module")
def stopped():
    run = Experiment(LESSONS["L5"].config)
    run.train(200)
    return run


def test_the_lesson_is_the_counting_model_under_plain_sgd_without_clipping_within_bounds():
    lesson = LESSONS["L5"]
    assert lesson.title == "L5 · Exploding gradients"
    assert lesson.config == defaults_for("counting").replace(optimizer="sgd", lr=3.0, clip=0.0)
    assert over_budget(lesson.config) is None
    assert "clip" in lesson.look_for.lower() and "Clip at 1.0 and start again" in lesson.look_for


def test_the_loss_and_gradient_norm_grow_over_several_logged_steps_before_the_alarm(stopped):
    trainer = stopped.trainer
    assert trainer.diverged is not None and 8 <= stopped.step <= 40, (stopped.step, trainer.diverged)
    history = trainer.history
    assert len(history) == stopped.step  # every step up to the stop is logged
    grad_points, grad_factor = growth_points(history["grad_norm"].tolist())
    loss_points, loss_factor = growth_points(history["loss"].tolist())
    assert grad_points >= 5 and grad_factor >= 10, history[["step", "grad_norm"]].to_string()
    assert loss_points >= 5 and loss_factor >= 10, history[["step", "loss"]].to_string()


def test_the_alarm_says_what_grew_by_how_much_and_what_to_do(stopped):
    text, history = stopped.trainer.diverged, stopped.trainer.history
    found = re.search(r"The gradient norm grew from ([\d.,e+-]+) to ([\d.,e+-]+) in (\d+) steps and the loss from "
                      r"([\d.,e+-]+) to ([\d.,e+-]+) in (\d+)\.", text)
    assert found, text
    low, high = (float(found[k].replace(",", "")) for k in (1, 2))
    assert low == pytest.approx(history["grad_norm"].min(), rel=1e-2)
    assert high == pytest.approx(history["grad_norm"].max(), rel=1e-2)
    assert float(found[4]) == pytest.approx(history["loss"].min(), rel=1e-2)
    assert float(found[5].replace(",", "")) > 100 * history["loss"].iloc[0]  # the stopping step's loss
    assert "turn on gradient clipping" in text and "Lower the learning rate (now 3)" in text


def test_the_same_run_with_clipping_at_one_learns_instead():
    tamed = Experiment(LESSONS["L5"].config.replace(clip=1.0))
    tamed.train(300)
    history = tamed.trainer.history
    assert tamed.trainer.diverged is None and tamed.step == 300 and tamed.trainer.warning is None
    assert (history["grad_norm_clipped"] <= 1.0 + 1e-4).all()
    assert history["loss"].tail(20).mean() < history["loss"].iloc[0] / 2
    assert tamed.predict().text == "2 3 4 5 6 7 8 9"


def test_the_other_lessons_are_unchanged():
    assert LESSONS["L0"].config == defaults_for("counting")
    assert LESSONS["L1"].config == defaults_for("counting").replace(num_layers=2, hidden_size=128, clip=1.0)
    assert LESSONS["L2"].config == defaults_for("sentences")
    assert LESSONS["L3"].config == defaults_for("shakespeare").replace(clip=1.0)
    assert LESSONS["L4"].config == defaults_for("sine")
    assert list(LESSONS).index("L5") == list(LESSONS).index("L4") + 1


def test_its_link_is_short_and_gives_only_a_caution():
    assert lesson_query("L5") == "?dataset=counting&lr=3.0&optimizer=sgd"
    config, notices = Config.from_query({"dataset": "counting", "lr": "3.0", "optimizer": "sgd"})
    assert config == LESSONS["L5"].config
    assert len(notices) == 1 and isinstance(notices[0], Caution) and "Learning rate 3 is above 1" in notices[0]


@pytest.mark.usefixtures("fresh_server")
@pytest.mark.parametrize("focused", [False, True])
def test_a_risky_link_shows_one_caution_and_no_changed_notice(focused):
    query = {"dataset": "counting", "lr": "50", "clip": "0"} | ({"classroom": "1"} if focused else {})
    at = open_app(query)
    assert experiment(at).config.lr == 50
    warnings = [alert_text(warning) for warning in at.warning]
    assert not any(CHANGED in warning for warning in warnings), warnings
    assert sum("Learning rate 50 is above 1" in warning for warning in warnings) == 1, warnings


@pytest.mark.usefixtures("fresh_server")
def test_a_link_that_changed_something_still_says_so_and_cautions_once():
    at = open_app({"dataset": "counting", "lr": "50", "hidden_size": "9999"})
    warnings = [alert_text(warning) for warning in at.warning]
    changed = [warning for warning in warnings if CHANGED in warning]
    assert len(changed) == 1 and "hidden_size 9999" in changed[0] and "Learning rate" not in changed[0]
    assert sum("Learning rate 50 is above 1" in warning for warning in warnings) == 1, warnings
