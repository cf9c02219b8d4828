"""What the Train page shows while the model learns, as data: the status line, the prefix's continuation, the
milestones and the live charts (for a series, one chart draws the continuation and the milestones as curves).
The page draws these (pages/train.py); the live feed serves the same to the page's poller while training
(rnnviz.serving.feed). Both read only what the worker published."""

from __future__ import annotations

import html
from functools import lru_cache

from rnnviz.charts import live
from rnnviz.charts.text import continuation_html, table_html
from rnnviz.errors import InputError
from rnnviz.insight.series_truth import rmse, true_continuation
from rnnviz.views import continuation, progress, sequence
from rnnviz.views.labels import prediction_labels

CHART_HEIGHT, STRIP_HEIGHT = 240, 218  # with the text above, one 1600×1000 screen (a projector) holds it all
TEXTS = ("train_status", "continuation", "milestones")  # the page's keys for its live texts
CHARTS = ("loss_chart", "step_grad_chart", "hidden_chart", "strip_chart", "series_chart")  # ... its live charts
EARLIER_CURVES = 3  # milestones drawn as faint curves on the series chart: before training and the latest two


def draws_series(ds) -> bool:
    """Whether the data is a curve to continue (the sine, an uploaded column): its continuation and milestones are
    drawn as lines (series_chart), not written out as a wall of numbers."""
    return not ds.is_tokens and not ds.fixed_length


def status_html(shown, device: str) -> str:
    """The status as the learner reads it: training, waiting for a turn (with the place in line), or paused."""
    if shown.state == "waiting":
        line = f"you are number {shown.place} in line" if shown.place > 0 else "you are next in line"
        head = "⏳ Waiting for a turn"
        tail = (f"{shown.turns_active} of {shown.turns_max} sessions on this server are training now; {line}, and "
                f"training goes on by itself when a turn is free · {progress.status_text(shown, device)}")
    else:
        head = {"training": "Training", "diverged": "Stopped"}.get(shown.state, "Paused")
        tail = progress.status_text(shown, device)
    return f'<p class="rnnviz-status" style="margin:0"><b>{head}</b> · {html.escape(tail)}</p>'


def continuation_view(experiment, shown) -> str:
    """The prefix and what the model writes after it now; or, when it cannot be continued, why."""
    if shown.refusal:
        return f'<p class="rnnviz-refusal" style="margin:0">⚠ {html.escape(shown.refusal)}</p>'
    if shown.prediction is None or draws_series(experiment.dataset):
        return ""
    return continuation_html(*continuation.split_text(experiment.dataset, shown.prediction))


def milestones_view(experiment, shown) -> str:
    """The continuation before training, at the latest weight snapshot, and now."""
    if draws_series(experiment.dataset):
        return ""
    current = shown.prediction.continuation if shown.prediction is not None else None
    return table_html(progress.milestones_frame(experiment.dataset, shown.milestones, shown.views_step, current,
                                                last=1))


TEXT_MAKERS = {"train_status": lambda experiment, shown: status_html(shown, experiment.device.type),
               "continuation": continuation_view, "milestones": milestones_view}
FROM_VIEWS = frozenset({"continuation", "milestones"})  # the texts made from the worker's views alone


def views_basis(shown) -> tuple:
    """What the FROM_VIEWS texts are made from: the worker's views, which it makes a few times a second and passes
    on unchanged (the same objects) in the versions it publishes between."""
    return (shown.views_step, shown.prefix, shown.refusal, shown.prediction, shown.milestones)


def texts(experiment, shown, keys=TEXTS) -> dict[str, str]:
    """The page's live texts named in `keys` (of TEXTS; all by default) as HTML."""
    return {key: TEXT_MAKERS[key](experiment, shown) for key in keys}


def series_figure(experiment, shown) -> dict:
    """The series chart: the prefix, its continuation now and at the earlier weight snapshots, and the truth."""
    ds, prediction = experiment.dataset, shown.prediction
    if prediction is None:
        return live.live_series_figure([], [], height=CHART_HEIGHT)
    prefix, generated = list(prediction.prefix), list(prediction.generated)
    truth = _truth(ds, tuple(prefix), len(generated))
    shown_milestones = list(shown.milestones[:1]) + list(shown.milestones[1:][-(EARLIER_CURVES - 1):])
    earlier = [("before training" if at == 0 else f"step {at}", _milestone_values(ds, text))
               for at, text in shown_milestones if at != shown.views_step]
    error = rmse(generated, truth[:len(generated)]) if truth and generated else None
    return live.live_series_figure(prefix, generated, truth, earlier, step=shown.views_step, error=error,
                                   height=CHART_HEIGHT)


@lru_cache(maxsize=16)
def _truth(ds, prefix: tuple, n: int) -> list[float] | None:
    """The true continuation, found once per prefix: the chart is made several times a second."""
    return true_continuation(ds, prefix, n)


def _milestone_values(ds, text: str) -> list[float]:
    """A milestone's continuation (published as text, two decimals) read back as numbers."""
    try:
        return ds.parse_prefix(text)
    except InputError:
        return []


def figures(experiment, shown) -> dict[str, dict]:
    """Each live chart of the page (CHARTS) as a figure dict; the hidden state and the strip only once the
    prefix has a continuation; the series chart only for a series (draws_series)."""
    ds, latest = experiment.dataset, shown.latest_gradients or {}
    last = shown.rows[-1] if shown.rows else None
    made = {
        "loss_chart": live.live_loss_figure(shown.rows, perplexity=ds.is_tokens, height=CHART_HEIGHT),
        "step_grad_chart": live.live_step_grad_figure(
            latest.get("grad_norms"), latest.get("grad_norms_last"), step=latest.get("step"), height=CHART_HEIGHT,
            clipping=last and (last["grad_norm"], last["grad_norm_clipped"])),
    }
    prediction, strip, bound = shown.prediction, shown.strip, sequence.hidden_bound(experiment)
    if prediction is not None and strip is not None:
        made["hidden_chart"] = live.live_hidden_figure(
            prediction.hidden, prediction_labels(ds, prediction), prefix_len=len(prediction.prefix), bound=bound,
            height=CHART_HEIGHT, title="Hidden state, reading then writing")
        made["strip_chart"] = live.live_strip_figure(
            strip.hidden, list(strip.inputs), list(strip.outputs), prefix_len=strip.prefix_len,
            cell=experiment.config.cell, bound=bound, height=STRIP_HEIGHT)
    if draws_series(ds):
        made["series_chart"] = series_figure(experiment, shown)
    return made
