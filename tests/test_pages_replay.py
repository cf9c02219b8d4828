"""Replay: one snapshot chooser on Hidden states, Gradients, Unrolled and Predict, every saved step labelled."""

import base64
import json

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


@pytest.mark.parametrize("page", REPLAYING)
def test_every_replaying_page_labels_each_saved_step(app: AppTest, page):
    step(app, 12)
    app.switch_page(page).run()
    assert not app.exception
    control = app.pills(key="replay_step")
    steps = experiment(app).trainer.snapshot_steps()
    assert steps == [0, 1, 2, 5, 10]
    assert control.options == ["0 (untrained)", "1", "2", "5", "10", "now (12)"]
    assert control.value == "now"


def test_the_chosen_step_holds_from_page_to_page_and_each_view_replays_it(app: AppTest):
    step(app, 12)
    app.switch_page("pages/hidden_states.py").run()
    app.pills(key="replay_step").set_value(2).run()
    assert "after training step 2" in specs(app)["hidden_chart"]
    exp = experiment(app)
    earlier = exp.trainer.model_at(2)

    app.switch_page("pages/predict.py").run()
    assert not app.exception and app.pills(key="replay_step").value == 2
    then = continuation.samples(exp, exp.config.prefix, exp.config.predict_len, 0.0, 1, model=earlier)[0]
    shown = "".join(block.proto.body for block in app.get("html"))
    assert continuation.split_text(exp.dataset, then)[1].strip() in shown
    assert any("after training step 2" in caption.value for caption in app.caption)

    app.switch_page("pages/unrolled.py").run()
    assert app.pills(key="replay_step").value == 2
    assert any("after training step 2" in caption.value for caption in app.caption)

    app.switch_page("pages/gradients.py").run()
    assert app.pills(key="replay_step").value == 2
    heatmap = json.loads(specs(app)["grad_heatmap_chart"])
    logged = [int(y) for y in heatmap["data"][0]["y"]]
    assert logged and max(logged) <= 2  # only the batches logged up to step 2
    steps = json.loads(specs(app)["grad_chart"])["data"][0]["x"]
    assert decoded(steps).max() == 2


def test_a_reset_forgets_a_snapshot_that_is_gone(app: AppTest):
    step(app, 12)
    app.switch_page("pages/hidden_states.py").run()
    app.pills(key="replay_step").set_value(10).run()
    app.button(key="reset").click().run()
    assert not app.exception
    assert app.pills(key="replay_step").value == "now"
