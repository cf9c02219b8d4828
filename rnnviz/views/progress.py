"""How training is going, in words: the status line and the continuation at each milestone."""

from __future__ import annotations

import pandas as pd

from rnnviz.views.labels import visible_text


def _label(at: int, now: int) -> str:
    """A snapshot's row label; the model as it is now may be a snapshot too (a model file or a kept model loaded)."""
    if at == 0:
        return "0 (before)"
    return f"{at} (now)" if at == now else str(at)


def milestone_table(experiment, current: str | None = None) -> pd.DataFrame:
    """The continuation of the prefix before training and at the saved steps since, plus now."""
    ds = experiment.dataset
    rows = [{"after step": _label(step, experiment.step), "continuation": visible_text(ds, text)}
            for step, text in experiment.milestones()]
    steps = experiment.trainer.snapshot_steps()
    if current is not None and experiment.step not in steps:
        rows.append({"after step": f"{experiment.step} (now)", "continuation": visible_text(ds, current)})
    return pd.DataFrame(rows, columns=["after step", "continuation"])


def milestones_frame(ds, milestones, step: int, current: str | None = None, last: int = 3) -> pd.DataFrame:
    """The continuation before training, at the `last` latest weight snapshots, and now, from the
    (step, continuation) pairs a training worker published (rnnviz.serving.published.Published.milestones)."""
    shown = list(milestones[:1]) + list(milestones[1:][-last:])
    rows = [{"after step": _label(at, step), "continuation": visible_text(ds, text)} for at, text in shown]
    if current is not None and step not in {at for at, _ in milestones}:
        rows.append({"after step": f"{step} (now)", "continuation": visible_text(ds, current)})
    return pd.DataFrame(rows, columns=["after step", "continuation"])


def status_text(shown, device: str) -> str:
    """One line on where training stands, from what the training worker published (rnnviz.serving.published.Published):
    step, latest loss, steps per wall-clock second (waits for a turn and drawing included), device."""
    parts = [f"step {shown.step}"]
    if shown.loss is not None:
        parts.append(f"loss {shown.loss:.4g}")
    if shown.steps_per_second is not None and shown.state in ("training", "waiting"):
        parts.append(f"{shown.steps_per_second:.0f} steps/s")
    parts.append(f"on {device}")
    if shown.warning and not shown.diverged:
        parts.append("⚠ the gradient norm is growing fast: it may blow up (see Gradients)")
    return " · ".join(parts)
