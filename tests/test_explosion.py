"""The exploding-gradient lesson end to end in the library: a learning rate of 50, clipping off, on the sine
lesson (plain SGD overflows in a few steps), then what every view gets from the wreck.

(The app stops such a run at its blow-up check a few steps earlier: tests/test_train.py covers that.)"""

import math

import numpy as np
import pytest

from rnnviz import charts
from rnnviz.config import Config, defaults_for
from rnnviz.experiment import Experiment
from rnnviz.nn import train
from rnnviz.serving.published import Published
from rnnviz.views import gradients, progress, sequence


@pytest.fixture(scope="module")
def exploded():
    config, notices = Config.checked(defaults_for("sine"), lr=50, optimizer="sgd", clip=0)
    assert config.lr == 50 and any("above 1" in notice for notice in notices)
    experiment = Experiment(config)
    experiment.trainer.trace_every = 1  # log every batch, so the last logged ones overflow too
    # Past the blow-up stop (which would end this at step 2), to the overflow itself: the worst wreck a view meets.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train, "BLOW_UP_FACTOR", math.inf)
        experiment.train(40)
    assert experiment.trainer.diverged and "NaN or infinite" in experiment.trainer.diverged
    return experiment


def test_the_history_holds_every_finite_step_and_the_warning_came_first(exploded):
    history = exploded.trainer.history
    assert len(history) == exploded.step and np.isfinite(history["loss"]).all()
    assert history["grad_norm"].iloc[-1] > 1e6  # it grew by orders of magnitude before overflowing
    assert exploded.trainer.warning_step is not None and exploded.trainer.warning_step < exploded.step


def test_gradient_views_show_the_last_batch_that_could_be_measured(exploded):
    latest = gradients.latest_gradients(exploded)
    assert latest is not None and latest["step"] <= exploded.step
    assert np.isfinite(latest["grad_norms"]).all() and np.isfinite(latest["grad_norms_last"]).all()
    weights = gradients.parameter_grad_norms(exploded)
    assert weights and all(math.isfinite(row["before"]) for row in weights)
    assert any(row["before"] > 0 for row in weights)  # (a saturated tanh passes no gradient: zeros are true)
    fig = charts.param_grad_figure(weights)
    assert fig.data and fig.layout.xaxis.tickvals  # a drawn chart, labelled at decades


def test_charts_of_the_wreck_keep_readable_colour_bars(exploded):
    result, labels, _ = sequence.sequence_trace(exploded, "sample", max_steps=20)
    gates = {name: values[0, 0] for name, values in result.gates.items()}
    fig = charts.gates_figure(gates, labels)
    for trace in fig.data:
        assert np.nanmax(np.abs(np.asarray(trace.z, dtype=float))) <= 60  # a log colour range, not 10¹⁵ wide
        texts = list(trace.colorbar.ticktext or [])
        assert not any(text.endswith(("T", "P", "E")) for text in texts), texts  # no "500T"
    heatmap = charts.grad_heatmap_figure(exploded.trainer.gradient_log, which="total")
    assert heatmap.layout.coloraxis.colorbar.ticktext
    stopped = Published(version=1, state="diverged", step=exploded.step, diverged=exploded.trainer.diverged,
                        warning="growing")
    assert "the gradient norm is growing fast" not in progress.status_text(stopped, "cpu")  # stopped: the alarm says it
    growing = Published(version=1, state="training", step=exploded.step, warning="growing")
    assert "the gradient norm is growing fast" in progress.status_text(growing, "cpu")
