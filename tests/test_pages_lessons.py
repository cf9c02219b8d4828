"""The lesson pages in AppTest (worked maths, memory tasks, side by side, inside the model), and the lesson links.

The app runs as the server runs it, as in tests/test_pages.py: the `app` fixture (conftest.py) and pages_helpers.
"""

import base64
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pytest
from pages_helpers import (
    block_text,
    chart_keys,
    experiment,
    lesson_on_every_page,
    open_app,
    page_charts,
    running,
    step,
    train_button,
    wait_for,
)

from rnnviz.config import Caution, Config
from rnnviz.lessons import APP_URL, LESSONS, lesson_query, links_table

README = Path(__file__).resolve().parents[1] / "README.md"
PAGES = {
    "pages/worked_maths.py": ["worked_chart", "step_terms_chart", "bptt_chart", "by_hand_chart"],
    "pages/memory.py": ["memory_lag_chart", "memory_profile_chart"],
    "pages/side_by_side.py": ["compare_loss_chart", "compare_grad_chart", "compare_step_grad_chart",
                              "compare_prediction_chart"],
    "pages/inside_model.py": ["connectivity_chart", "connectivity_matrix_chart", "unit_symbols_chart"],
}


def specs(at) -> dict[str, str]:
    return {chart.proto.id.rsplit("-", 1)[-1]: chart.proto.spec for chart in page_charts(at)}


def values(array) -> np.ndarray:
    """A Plotly array from a chart's JSON: a plain list, or a typed array written as base64 ("bdata")."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array)


def traces(at, key: str) -> dict[str, dict]:
    """The traces of chart `key`, by name."""
    return {trace.get("name"): trace for trace in json.loads(specs(at)[key])["data"]}


def captions(at) -> str:
    return " ".join(caption.value for caption in at.caption)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_lesson_page_renders_its_charts(app, page):
    step(app, 3)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert chart_keys(app) == PAGES[page]
    assert all(spec for spec in specs(app).values())


@pytest.mark.parametrize("key", ["L1", "L4", "M1", "M3"])
def test_lesson_pages_work_for_other_cells_layers_and_data(app, key):
    for page in lesson_on_every_page(app, key, PAGES):
        loaded = ["memory_model_chart"] if page == "pages/memory.py" and key.startswith("M") else []
        assert chart_keys(app) == loaded + PAGES[page]


# -- worked maths ----------------------------------------------------------------------------------------
def test_worked_maths_shows_the_lessons_numbers_and_the_note(app):
    app.switch_page("pages/worked_maths.py").run()
    latex = " ".join(element.value for element in app.get("latex"))
    for value in ("0.19737532", "0.62274399", "0.42302613", "0.96029511", "0.98918831", "1.08920333"):
        assert value in latex
    assert "0.62507946" not in latex  # the tutorial's printed y_1 is only in the comparison table
    assert any("do not follow from its own equations" in warning.value for warning in app.warning)
    table = block_text(app, "worked_printed")
    assert "0.62507946" in table and "0.62274399" in table and "no" in table


def test_worked_maths_steps_through_your_model(app):
    step(app, 5)
    app.switch_page("pages/worked_maths.py").run()
    assert app.slider(key="worked_step").value == 3  # the prefix 2 3 4: its last step
    assert "Step 3 reads **4**" in captions(app)
    app.slider(key="worked_step").set_value(1).run()
    app.number_input(key="worked_units").set_value(2).run()
    assert not app.exception
    assert "Step t = 1 (reads 2)" in specs(app)["step_terms_chart"]
    assert "254 more units" in captions(app)
    latex = " ".join(element.value for element in app.get("latex"))
    assert r"\text{units }" in latex and r"\mathbf{a}_{1}" in latex


def test_worked_maths_after_a_shorter_prefix_forgets_the_old_step(app):
    app.switch_page("pages/worked_maths.py").run()
    app.slider(key="worked_step").set_value(3).run()
    app.text_input(key="worked_prefix").input("7").run()
    assert not app.exception and "Step 1 reads" in captions(app)


# -- memory tasks ----------------------------------------------------------------------------------------
def test_memory_page_runs_a_small_sweep_and_keeps_it(app):
    app.switch_page("pages/memory.py").run()
    assert any("not on a memory task" in info.value for info in app.info)
    app.multiselect(key="memory_lags_recall").set_value([2, 5]).run()
    app.multiselect(key="memory_cells").set_value(["rnn"]).run()
    app.number_input(key="memory_steps_recall").set_value(10).run()
    app.number_input(key="memory_budget").set_value(5).run()
    assert "Run the sweep" in specs(app)["memory_lag_chart"]  # nothing run yet: the chart says what to do
    app.button(key="memory_run").click().run()
    for _ in range(100):  # AppTest fires no timers: each run is one slice of the sweep
        if "sweep_job" not in app.session_state:
            break
        assert app.button(key="sweep_pause").label == "Pause"
        app.run()
    assert not app.exception and "sweep_job" not in app.session_state
    line = traces(app, "memory_lag_chart")["RNN (tanh)"]
    assert values(line["x"]).tolist() == [2, 5] and ((values(line["y"]) >= 0) & (values(line["y"]) <= 1)).all()
    kept = app.session_state["memory_sweeps"]
    assert list(kept) == [("recall", (2, 5), ("rnn",), 10, 5)]
    drawn = traces(app, "memory_lag_chart")
    app.switch_page("pages/train.py").run()
    app.switch_page("pages/memory.py").run()  # the result is still there, not recomputed
    assert app.session_state["memory_sweeps"] is kept and len(kept) == 1
    assert traces(app, "memory_lag_chart") == drawn


def test_a_sweep_pauses_and_stops_between_slices_keeping_the_runs_it_finished(app):
    app.switch_page("pages/memory.py").run()
    app.multiselect(key="memory_lags_recall").set_value([2, 5, 10]).run()
    app.multiselect(key="memory_cells").set_value(["rnn"]).run()
    app.number_input(key="memory_steps_recall").set_value(2000).run()  # each run ends on its 2 s share, not steps
    app.number_input(key="memory_budget").set_value(6).run()
    app.button(key="memory_run").click().run()
    sweep = app.session_state["sweep_job"][1]
    app.button(key="sweep_pause").click().run()
    assert app.button(key="sweep_pause").label == "Resume"
    done = (len(sweep.rows), sweep.current.experiment.step if sweep.current else 0)
    app.run()
    assert (len(sweep.rows), sweep.current.experiment.step if sweep.current else 0) == done  # paused: no work
    app.button(key="sweep_pause").click().run()
    for _ in range(100):
        if sweep.rows:
            break
        app.run()
    app.button(key="sweep_stop").click().run()
    assert "sweep_job" not in app.session_state and not app.exception
    table = app.session_state["memory_sweeps"][("recall", (2, 5, 10), ("rnn",), 2000, 6)]
    assert len(table) == len(sweep.rows) and 1 <= len(table) < 3


def test_memory_page_scores_a_loaded_memory_task(app):
    app.button(key="preset_M1").click().run()
    step(app, 3)
    app.switch_page("pages/memory.py").run()
    assert not app.exception
    assert app.selectbox(key="memory_task").value == "recall"
    labels = [metric.label for metric in app.metric]
    assert any("Your LSTM at lag 40" in label for label in labels)
    assert "memory_model_chart" in chart_keys(app)
    assert "your model, step 3" in specs(app)["memory_profile_chart"]
    app.slider(key="memory_lag_recall").set_value(10).run()
    assert "your model" not in specs(app)["memory_profile_chart"]  # another lag than the model's


def test_memory_page_switches_task_and_follows_a_task_loaded(app):
    app.switch_page("pages/memory.py").run()
    app.button(key="preset_M2").click().run()
    assert app.selectbox(key="memory_task").value == "brackets"
    app.selectbox(key="memory_task").set_value("adding").run()
    assert not app.exception
    assert app.multiselect(key="memory_lags_adding").value == [5, 10, 20, 40]
    assert "add the two that follow a marker -1" in captions(app)
    assert "The adding problem" in specs(app)["memory_lag_chart"]


# -- side by side ----------------------------------------------------------------------------------------
def compare_running(app) -> bool:
    """Whether the side-by-side models train (their worker says, rnnviz.serving.live_comparison)."""
    live = app.session_state["compare_comparison"].live
    return live is not None and live.running


def test_side_by_side_steps_every_model_together(app):
    app.switch_page("pages/side_by_side.py").run()
    going = app.session_state["compare_comparison"]
    assert going.labels == ["RNN (tanh)", "LSTM", "GRU"] and going.step == 0
    app.number_input(key="compare_step_count").set_value(4).run()
    app.button(key="compare_step").click().run()
    assert app.button(key="compare_toggle").label == "Pause" or not compare_running(app)  # Pause stops it half-way
    wait_for(lambda: not compare_running(app))  # trained beside the page, in the worker's thread
    app.run()
    assert not app.exception and app.button(key="compare_toggle").label == "Train side by side"
    assert [e.step for e in going.experiments] == [4, 4, 4]
    assert experiment(app).step == 0  # the sidebar's model is another one
    spec = specs(app)["compare_loss_chart"]
    assert all(f'"name":"{label}"' in spec for label in going.labels)
    assert any("**Paused** · step 4 ·" in line.value for line in app.markdown)  # the models' status line


def test_side_by_side_train_pause_and_the_sidebar_take_turns(app):
    app.switch_page("pages/side_by_side.py").run()
    app.button(key="compare_toggle").click().run()
    going = app.session_state["compare_comparison"]
    assert compare_running(app) and app.button(key="compare_toggle").label == "Pause"
    wait_for(lambda: going.step > 0)  # the worker trains beside the page
    train_button(app).click().run()  # the sidebar's Train takes over
    assert running(app) and not compare_running(app)
    app.button(key="compare_toggle").click().run()
    assert compare_running(app) and not running(app)
    app.button(key="compare_toggle").click().run()
    assert not compare_running(app)
    held = going.step
    app.run()
    assert going.step == held  # paused: the step counts hold still


def test_side_by_side_rebuilds_another_comparison_from_the_sidebar(app):
    app.switch_page("pages/side_by_side.py").run()
    app.selectbox(key="compare_kind").set_value("clipping").run()
    going = app.session_state["compare_comparison"]
    assert going.labels == ["clipping off", "clipping at θ = 1"]
    app.number_input(key="hidden_size").set_value(32).run()  # nothing trained anywhere: both follow at once
    assert app.session_state["compare_comparison"].base.hidden_size == 32
    assert app.session_state["compare_comparison"].labels == ["clipping off", "clipping at θ = 1"]
    app.button(key="compare_step").click().run()
    trained = app.session_state["compare_comparison"]
    wait_for(lambda: trained.step > 0)  # Step trains beside the page
    app.button(key="preset_L2").click().run()  # trained models wait for Rebuild
    assert app.session_state["compare_comparison"] is trained
    assert any("press **Rebuild**" in info.value for info in app.info)
    app.button(key="compare_rebuild").click().run()
    assert app.session_state["compare_comparison"].base.dataset == "sentences"
    assert not any("press **Rebuild**" in info.value for info in app.info)


# -- inside the model ------------------------------------------------------------------------------------
def test_inside_the_model_controls(app):
    step(app, 5)
    app.switch_page("pages/inside_model.py").run()
    assert app.slider(key="inside_position").value == 3
    app.slider(key="inside_position").set_value(2).run()
    app.radio(key="inside_quantity").set_value("its logit (before softmax)").run()
    assert "the logit of" in specs(app)["connectivity_chart"] and "at step 2" in specs(app)["connectivity_chart"]
    app.number_input(key="inside_unit").set_value(7).run()
    app.radio(key="inside_order").set_value("least active").run()
    assert not app.exception
    assert "Unit 7 (h, layer 1)" in specs(app)["unit_symbols_chart"]
    assert re.search(r"[+-]\d\.\d{3}", block_text(app, "unit_contexts"))  # the activations of the contexts


def test_inside_the_model_reads_an_lstm_cell_state(app):
    app.button(key="preset_M1").click().run()
    app.switch_page("pages/inside_model.py").run()
    app.radio(key="inside_state").set_value("cell state c").run()
    assert not app.exception and "Unit 0 (c, layer 1)" in specs(app)["unit_symbols_chart"]


# -- lesson links ----------------------------------------------------------------------------------------
def test_readme_lesson_links_are_the_ones_the_code_makes():
    text = README.read_text()
    section = text.split("## Lesson links", 1)[1]
    assert links_table() in section
    for key in LESSONS:
        assert f"({APP_URL}{lesson_query(key)})" in section


@pytest.mark.parametrize("key", list(LESSONS))
def test_each_lesson_link_rebuilds_its_lesson(key):
    query = dict(parse_qsl(lesson_query(key)[1:]))
    config, notices = Config.from_query(query)
    assert config == LESSONS[key].config
    assert all(isinstance(notice, Caution) for notice in notices)  # nothing changed; L5's lr 3 is only cautioned
    assert re.fullmatch(r"\?dataset=\w+(&\w+=[\w.%\-]+)*", lesson_query(key))


@pytest.mark.parametrize("key", ["L1", "L3", "M2"])
def test_opening_a_lesson_link_sets_the_app_up_ready_to_train(server_navigation, key):
    at = open_app(dict(parse_qsl(lesson_query(key)[1:])))
    model = experiment(at)
    assert model.config == LESSONS[key].config.replace(device=model.config.device) and model.step == 0
    assert train_button(at).label == "Train"
