"""The app's pages in Streamlit's AppTest: they render, the controls steer one experiment, nothing raises.

AppTest never fires a fragment's run_every: Train starts the model's worker (rnnviz.serving.live), which trains in its
own thread, so these tests wait for it; Step trains at once; tests/test_live.py tests the worker itself, and
the browser tests the live redrawing.
"""

import json
import math
import time

import pytest
from pages_helpers import (
    alert_text,
    block_text,
    chart_keys,
    experiment,
    lesson_on_every_page,
    live_charts,
    page_charts,
    running,
    step,
    train_button,
    wait_for,
)
from streamlit.testing.v1 import AppTest

from rnnviz.choices import CELL_CHOICES
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS
from ui.training import model_lock, train_now

PAGES = {"pages/train.py": ["loss_chart", "step_grad_chart", "hidden_chart", "strip_chart"],
         "pages/unrolled.py": ["unrolled_chart"],
         "pages/hidden_states.py": ["hidden_chart", "units_chart", "gates_chart"],
         "pages/gradients.py": ["grad_heatmap_chart", "spectral_chart", "step_grad_chart", "param_grad_chart",
                                "grad_chart"],
         "pages/predict.py": ["predict_candidates_chart", "trajectory_chart"]}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_its_charts(app, page):
    step(app, 3)  # so gradient views have something to show
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error
    assert chart_keys(app) == PAGES[page]
    assert train_button(app).label == "Train"  # the shared sidebar is there on every page
    sent = [chart.proto.spec for chart in page_charts(app)] + list(live_charts(app).values())
    assert sent[0]  # a real figure went out


def test_pages_share_the_one_experiment_and_keep_it(app):
    step(app, 4)
    first = experiment(app)
    for page in [*PAGES, "pages/train.py"]:
        app.switch_page(page).run()
        assert experiment(app) is first and len(first.trainer.history) == 4
    assert "step 4" in block_text(app, "train_status")


@pytest.mark.parametrize("key", list(LESSONS))
def test_each_preset_sets_the_controls_and_builds_its_model(app, key):
    lesson = LESSONS[key].config
    app.button(key=f"preset_{key}").click().run()
    assert not app.exception
    assert app.selectbox(key="dataset").value == lesson.dataset
    assert CELL_CHOICES[app.selectbox(key="cell").value] == (lesson.cell, lesson.nonlinearity)
    for widget, field in (("hidden_size", "hidden_size"), ("num_layers", "num_layers"), ("lr", "lr"),
                          ("batch_size", "batch_size"), ("seq_len", "seq_len"), ("clip", "clip"), ("seed", "seed"),
                          ("step_count", "steps")):
        assert app.number_input(key=widget).value == getattr(lesson, field), widget
    assert app.checkbox(key="carry_state").value == lesson.carry_state
    model = experiment(app)
    assert model.config == lesson and model.step == 0
    assert app.text_input(key="prefix").value == lesson.prefix
    assert LESSONS[key].look_for in " ".join(alert_text(info) for info in app.info)
    assert app.button(key=f"preset_{key}").proto.type == "primary"


def test_step_trains_and_the_history_grows(app):
    step(app, 5)
    assert len(experiment(app).trainer.history) == 5
    step(app, 3)
    assert experiment(app).trainer.history["step"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "step 8" in block_text(app, "train_status")


def test_the_prefix_box_updates_the_continuation(app):
    before = block_text(app, "continuation")
    assert ">2 3 4</span>" in before  # the typed part, marked apart from what the model wrote
    app.text_input(key="prefix").input("5 6").run()
    after = block_text(app, "continuation")
    prediction = experiment(app).predict()
    assert experiment(app).config.prefix == "5 6"
    assert ">5 6</span>" in after and f"<span>{prediction.text[3:]}</span>" in after


def test_a_bad_prefix_shows_why_and_keeps_the_model_and_history(app):
    step(app, 3)
    model = experiment(app)
    app.text_input(key="prefix").input("2 x").run()
    assert not app.exception
    assert any("'x' is not a whole number" in alert_text(error) for error in app.error)
    assert experiment(app) is model and len(model.trainer.history) == 3
    assert model.config.prefix == "234" and ">2 3 4</span>" in block_text(app, "continuation")
    app.text_input(key="prefix").input("7").run()
    assert not app.error and ">7</span>" in block_text(app, "continuation")


def test_reset_builds_a_fresh_model(app):
    step(app, 4)
    old = experiment(app)
    app.button(key="reset").click().run()
    assert experiment(app) is not old and experiment(app).step == 0
    assert experiment(app).trainer.history.empty


def test_train_toggles_and_the_model_trains_beside_the_page(app):
    train_button(app).click().run()
    assert running(app) and train_button(app).label == "Pause"
    wait_for(lambda: experiment(app).step > 0)  # the worker trains while nothing draws
    steps = experiment(app).step
    app.text_input(key="prefix").input("5").run()  # typing does not stop or reset training
    assert experiment(app).live.published.prefix == "5"  # its continuation is published at once
    wait_for(lambda: experiment(app).step > steps)
    assert running(app)
    train_button(app).click().run()
    assert not running(app) and train_button(app).label == "Train"
    assert experiment(app).live.published.state == "paused"
    experiment(app).live.pause(wait=True)  # the slice under way has ended
    stopped_at = experiment(app).step
    time.sleep(0.2)
    assert experiment(app).step == stopped_at

def _press_twice_then_an_older_button():
    """Run by AppTest: Train pressed on the first button and the same press seen again (by a timed rerun),
    then a press of that first button arriving after the second button was drawn."""
    import streamlit as st

    from ui import sidebar, state

    state.experiment()  # the session's model first (its first use may rerun the script once)

    def press(drawn_at, train):
        sidebar._press("train_toggle", drawn_at, sidebar._toggle, (train,))

    press(0, True)
    press(0, True)  # the same press, seen by a second run: nothing more
    st.session_state["after_first"] = (state.is_running(), st.session_state["presses"]["train_toggle"])
    press(1, False)  # Pause, on the button drawn after the first press
    press(1, True)  # that button's press again, with the arguments of the button drawn after it
    press(0, True)  # a press of the first button
    st.session_state["after_all"] = (state.is_running(), st.session_state["presses"]["train_toggle"])
    state.pause()


def test_a_train_or_pause_press_acts_once_and_older_buttons_do_nothing(fresh_server):
    at = AppTest.from_function(_press_twice_then_an_older_button, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["after_first"] == (True, 1)
    assert at.session_state["after_all"] == (False, 2)  # paused: the pause is not undone


def test_learning_rate_and_clipping_apply_to_the_next_step_without_a_reset(app):
    step(app, 2)
    model = experiment(app)
    app.number_input(key="lr").set_value(0.05).run()
    app.number_input(key="clip").set_value(0.5).run()
    assert experiment(app) is model and model.trainer.lr == 0.05 and model.trainer.clip == 0.5
    step(app, 1)
    assert model.trainer.history["lr"].tolist() == [0.01, 0.01, 0.05]
    assert model.trainer.history["grad_norm_clipped"].iloc[-1] <= 0.5 + 1e-4


def test_a_model_setting_asks_for_a_reset_once_the_model_has_trained(app):
    step(app, 2)
    model = experiment(app)
    app.number_input(key="hidden_size").set_value(32).run()
    app.number_input(key="num_layers").set_value(2).run()
    assert experiment(app) is model and model.config.hidden_size == 256
    pending = next(alert_text(warning) for warning in app.warning if "need a new model" in alert_text(warning))
    assert "hidden size, layers" in pending and "num" not in pending  # the learner's names, not Config's
    app.button(key="apply_reset").click().run()
    assert experiment(app).config.hidden_size == 32 and experiment(app).step == 0
    assert not any("need a new model" in alert_text(warning) for warning in app.warning)


def test_keeping_the_current_model_puts_the_settings_back(app):
    step(app, 1)
    app.selectbox(key="cell").set_value("GRU").run()
    app.button(key="keep_model").click().run()
    assert app.selectbox(key="cell").value == "RNN (tanh)" and experiment(app).config.cell == "rnn"
    assert not app.warning


def test_before_any_training_a_model_setting_rebuilds_at_once(app):
    app.selectbox(key="cell").set_value("LSTM").run()
    assert experiment(app).config.cell == "lstm" and experiment(app).model.cell == "lstm"
    assert any("built a new model" in alert_text(info) for info in app.info)
    app.switch_page("pages/hidden_states.py").run()
    assert not app.exception  # the LSTM's gates and cell state are drawn


def test_a_new_dataset_brings_its_own_settings(app):
    app.selectbox(key="dataset").set_value("sentences").run()
    model = experiment(app)
    assert model.config.dataset == "sentences" and model.config.hidden_size == 12 and model.config.prefix == "good"
    assert app.text_input(key="prefix").value == "good"
    assert not app.error


def test_a_diverged_model_stops_says_why_and_reset_recovers(app):
    model = experiment(app)
    model.model.head.bias.data.fill_(math.nan)
    step(app, 5)
    assert model.trainer.diverged and len(model.trainer.history) == 0
    assert any("Lower the learning rate" in alert_text(error) for error in app.error)
    assert train_button(app).disabled
    app.button(key="reset").click().run()
    assert experiment(app).trainer.diverged is None and not train_button(app).disabled


def test_a_refused_text_keeps_the_old_model(app):
    model = experiment(app)
    step(app, 2)
    app.selectbox(key="dataset").set_value("text").run()
    assert not app.exception
    assert experiment(app) is model  # an empty text builds nothing
    assert any("need a new model" in alert_text(warning) for warning in app.warning)
    app.button(key="apply_reset").click().run()
    assert any("text is empty" in alert_text(error) for error in app.error)
    assert experiment(app) is model and len(model.trainer.history) == 2


def test_predict_page_samples_at_a_temperature(app):
    app.switch_page("pages/predict.py").run()
    app.number_input(key="predict_temperature").set_value(1.5).run()
    app.number_input(key="predict_samples").set_value(3).run()
    assert not app.exception and experiment(app).config.temperature == 1.5
    texts = [block_text(app, f"sample_{n}") for n in (1, 2, 3)]
    assert all(">2 3 4</span>" in text for text in texts)


def test_a_step_press_counts_its_steps_and_stops_on_divergence():
    model = Experiment(defaults_for("counting").replace(hidden_size=16, batch_size=8))
    assert train_now(model, 3, max_seconds=60) == 3 and model.step == 3  # bounded by the count, not the clock
    model.model.head.bias.data.fill_(math.nan)
    assert train_now(model, 4) == 0 and model.trainer.diverged
    assert train_now(model, 4) == 0  # stays stopped until a reset


def test_model_lock_is_one_reentrant_lock_per_experiment():
    first = Experiment(defaults_for("counting").replace(hidden_size=4))
    second = Experiment(defaults_for("counting").replace(hidden_size=4))
    assert model_lock(first) is model_lock(first) and model_lock(first) is not model_lock(second)
    with model_lock(first):
        assert train_now(first, 1) == 1  # a step takes the same lock again


@pytest.mark.parametrize("key", list(LESSONS))
def test_every_page_works_for_every_lesson(app, key):
    for page in lesson_on_every_page(app, key, PAGES):
        series = ["series_chart"] if page == "pages/train.py" and key == "L4" else []  # the sine, beside its prefix
        assert chart_keys(app) == series + PAGES[page]


def test_hidden_states_at_an_earlier_snapshot_and_chosen_units(app):
    step(app, 6)
    app.switch_page("pages/hidden_states.py").run()
    assert app.select_slider(key="replay_step").value == "now"
    app.select_slider(key="replay_step").set_value(0).run()
    app.multiselect(key="hidden_units").set_value([4, 9]).run()
    assert not app.exception
    specs = {chart.proto.id.rsplit("-", 1)[-1]: chart.proto.spec for chart in page_charts(app)}
    assert "after training step 0" in specs["hidden_chart"]
    assert '"name":"unit 4"' in specs["units_chart"] and '"name":"unit 9"' in specs["units_chart"]


def test_unrolled_view_runs_on_a_training_sample(app):
    app.switch_page("pages/unrolled.py").run()
    app.radio(key="unrolled_source").set_value("a training sample").run()
    assert not app.exception
    figure = live_charts(app)["unrolled_chart"]  # kept mounted: it follows the model while it trains
    assert figure["frames"] and "unrolled over 12 steps" in json.dumps(figure)


def test_training_that_diverges_stops_the_worker_and_says_why(app):
    experiment(app).model.head.bias.data.fill_(math.nan)
    train_button(app).click().run()
    wait_for(lambda: experiment(app).live.published.state == "diverged")
    app.run()  # the page drawn next (in the browser, the status fragment asks for it)
    assert not app.exception
    assert not running(app) and train_button(app).label == "Train" and train_button(app).disabled
    assert any("turn on gradient clipping" in alert_text(error) for error in app.error)
    assert "Stopped" in block_text(app, "train_status")
