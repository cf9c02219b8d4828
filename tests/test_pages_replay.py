"""Replay: one snapshot chooser on Hidden states, Gradients, Unrolled and Predict, every saved step labelled,
"now" naming no step of its own."""

import base64
import json
import re
from dataclasses import replace

import numpy as np
import pytest
from pages_helpers import experiment, page_charts, step
from streamlit.testing.v1 import AppTest

from rnnviz.views import continuation

REPLAYING = ["pages/hidden_states.py", "pages/gradients.py", "pages/unrolled.py", "pages/predict.py"]


def decoded(values) -> np.ndarray:
    """A figure's array as the browser gets it: a list, or Plotly's typed array in base64."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def specs(app) -> dict:
    return {chart.proto.id.rsplit("-", 1)[-1]: chart.proto.spec for chart in page_charts(app)}


def title(app, key: str) -> str:
    """A chart's title as read: its line breaks (long titles wrap) as spaces."""
    return json.loads(specs(app)[key])["layout"]["title"]["text"].replace("<br>", " ")


@pytest.mark.parametrize("page", REPLAYING)
def test_every_replaying_page_labels_each_saved_step(app: AppTest, page):
    step(app, 12)
    app.switch_page(page).run()
    assert not app.exception
    control = app.select_slider(key="replay_step")
    steps = experiment(app).trainer.snapshot_steps()
    assert steps == [0, 1, 2, 5, 10]
    assert control.options == ["0 (untrained)", "1", "2", "5", "10", "now"]
    assert control.value == "now"


def test_the_chosen_step_holds_from_page_to_page_and_each_view_replays_it(app: AppTest):
    step(app, 12)
    app.switch_page("pages/hidden_states.py").run()
    app.select_slider(key="replay_step").set_value(2).run()
    assert "after training step 2" in specs(app)["hidden_chart"]
    exp = experiment(app)
    earlier = exp.trainer.model_at(2)

    app.switch_page("pages/predict.py").run()
    assert not app.exception and app.select_slider(key="replay_step").value == 2
    then = continuation.samples(exp, exp.config.prefix, exp.config.predict_len, 0.0, 1, model=earlier)[0]
    shown = "".join(block.proto.body for block in app.get("html"))
    assert continuation.split_text(exp.dataset, then)[1].strip() in shown
    assert any("after training step 2" in caption.value for caption in app.caption)

    app.switch_page("pages/unrolled.py").run()
    assert app.select_slider(key="replay_step").value == 2
    assert any("after training step 2" in caption.value for caption in app.caption)

    app.switch_page("pages/gradients.py").run()
    assert app.select_slider(key="replay_step").value == 2
    heatmap = json.loads(specs(app)["grad_heatmap_chart"])
    logged = [int(y) for y in heatmap["data"][0]["y"]]
    assert logged and max(logged) <= 2  # only the batches logged up to step 2
    steps = json.loads(specs(app)["grad_chart"])["data"][0]["x"]
    assert decoded(steps).max() == 2


def test_a_reset_forgets_a_snapshot_that_is_gone(app: AppTest):
    step(app, 12)
    app.switch_page("pages/hidden_states.py").run()
    app.select_slider(key="replay_step").set_value(10).run()
    app.button(key="reset").click().run()
    assert not app.exception
    assert app.select_slider(key="replay_step").value == "now"


def test_paused_the_views_name_the_status_lines_step(app: AppTest):
    step(app, 12)
    app.switch_page("pages/hidden_states.py").run()
    assert title(app, "hidden_chart") == "Hidden state h_t after training step 12"
    app.switch_page("pages/unrolled.py").run()
    assert any("at training step 12." in caption.value for caption in app.caption)


def test_while_training_the_views_say_now_and_leave_the_number_to_the_status_line(app: AppTest):
    """A view drawn a second ago cannot name the step the status line shows now: it names none."""
    step(app, 12)
    exp = experiment(app)
    worker = exp.live
    worker.published = replace(worker.published, state="training")  # as the worker publishes mid-training
    app.switch_page("pages/hidden_states.py").run()
    assert title(app, "hidden_chart") == "Hidden state h_t now"
    app.switch_page("pages/gradients.py").run()
    assert "training step" not in title(app, "step_grad_chart")
    app.switch_page("pages/unrolled.py").run()
    assert any("The model as it is now" in caption.value for caption in app.caption)
    assert not [caption.value for caption in app.caption if re.search(r"step \d", caption.value)]
