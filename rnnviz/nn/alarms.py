"""What the trainer says when training runs away: what grew, by how much, and what to change."""

from __future__ import annotations

import math


def rise(values: list[float]) -> tuple[float, float, int] | None:
    """The largest of `values`, the smallest before it and the steps between, if it is at least twice that."""
    if len(values) < 2:
        return None
    top = max(range(len(values)), key=values.__getitem__)
    low = min(range(top + 1), key=values.__getitem__)
    if not values[low] > 0 or values[top] < 2 * values[low]:
        return None
    return values[low], values[top], top - low


def amount(value: float) -> str:
    """A number as a learner reads it: 3 significant digits, thousands with commas (4,800, not 4.8e+03)."""
    return f"{float(f'{value:.3g}'):,.0f}" if 1000 <= value < 1e9 else f"{value:.3g}"


def advice(lr: float, clip: float | None) -> str:
    clipping = f"clip the gradient norm lower (now {clip:g})" if clip else "turn on gradient clipping"
    return f"Lower the learning rate (now {lr:g}) or {clipping}, and start a new model."


def growth(rows: list[dict], loss_value: float | None) -> str:
    """What grew before a stop, over the logged `rows` (and the stopping step's loss): "The gradient norm grew from
    0.339 to 56.6 in 5 steps and the loss from 2.35 to 321 in 9. " or ""."""
    norms = [row["grad_norm"] for row in rows]
    losses = [row["loss"] for row in rows]
    if loss_value is not None and math.isfinite(loss_value):
        losses.append(loss_value)
    parts = []
    for name, values in (("gradient norm", norms), ("loss", losses)):
        found = rise(values)
        if found is not None:
            low, high, steps = found
            unit = " steps" if not parts else ""
            parts.append(f"{'' if parts else 'The '}{name}{' grew' if not parts else ''} from {amount(low)} "
                         f"to {amount(high)} in {steps}{unit}")
    return " and the ".join(parts) + ". " if parts else ""
