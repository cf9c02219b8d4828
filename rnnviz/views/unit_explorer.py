"""The unit explorer on the Inside the model page: what one hidden unit responds to in the training data."""

from __future__ import annotations

from rnnviz.insight import units

UNIT_STEPS = 3000  # inputs the unit explorer reads: enough for every symbol to show up, quick to replay


def unit_report(experiment, unit: int, layer: int = 0, state: str = "hidden", order: str = "high",
                top: int = 8) -> units.UnitReport:
    """The unit explorer over the training data, read as the model was trained (windows, or one carried stream)."""
    config = experiment.config
    return units.unit_report(experiment.model, experiment.dataset, unit, layer=layer, state=state, order=order,
                             top=top, max_steps=UNIT_STEPS, seq_len=None if config.carry_state else config.seq_len)
