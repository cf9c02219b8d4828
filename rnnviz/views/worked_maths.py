"""The Worked maths page: the lesson's printed example checked against its equations, and the same
equations filled in with the learner's own model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnviz.insight import bptt, worked
from rnnviz.views.sequence import prefix_steps

# The values LESSONS L3 prints for its example. a_1 and h_1 follow from its equations; the rest do not
# (W_hy h_1 with its own h_1 is 0.62274399, not 0.62507946), so the page shows both and says so.
LESSON_PRINTED = {
    "h_1": [0.19737532, 0.46211716, 0.66403677], "y_1": [0.62507946],
    "h_2": [0.28267734, 0.57345841, 0.76354129], "y_2": [0.74487427],
    "h_3": [0.34242503, 0.66919951, 0.84956376], "y_3": [0.84642439],
}
AGREE = 1e-6


def _vector(values) -> str:
    values = list(np.atleast_1d(values))
    text = ", ".join(f"{v:.8f}" for v in values)
    return text if len(values) == 1 else f"({text})"


def printed_vs_computed(steps: list[worked.StepTerms]) -> pd.DataFrame:
    """Each h_t and y_t of the worked example: what LESSONS L3 prints, what its equations give, whether they agree."""
    rows = []
    for terms in steps:
        for name, computed in ((f"h_{terms.step}", terms.h), (f"y_{terms.step}", terms.y)):
            printed = LESSON_PRINTED[name]
            agree = np.allclose(printed, computed, atol=AGREE, rtol=0)
            rows.append({"value": name, "the tutorial prints": _vector(printed),
                         "its equations give": _vector(computed), "agree": "yes" if agree else "no"})
    return pd.DataFrame(rows)


def compact_latex(lines: list[str], limit: int = 220) -> list[str]:
    """Neighbouring short equations on one line (joined by a wide space), so a step fits on one screen.

    `limit` counts LaTeX source characters, a rough stand-in for width: a column of 8-digit numbers
    is about 60 of them.
    """
    joined: list[str] = []
    for line in lines:
        if joined and len(joined[-1]) + len(line) <= limit:
            joined[-1] += r"\qquad " + line
        else:
            joined.append(line)
    return joined


def model_step(experiment, step: int, units: int = worked.DEFAULT_UNITS, layer: int = 0) -> worked.StepTerms:
    """step_terms of the learner's model at `step` (1-based) of the prefix, the `units` that moved most shown."""
    inputs, _ = prefix_steps(experiment)
    symbols = list(experiment.dataset.symbols) if experiment.dataset.is_tokens else None
    return worked.step_terms(experiment.model, inputs, step, layer=layer, symbols=symbols,
                             max_units=max(1, min(int(units), experiment.model.hidden_size)))


def model_chain(experiment, layer: int = 0) -> bptt.Chain:
    """The BPTT chain of the learner's model along the prefix."""
    inputs, _ = prefix_steps(experiment)
    return bptt.bptt_chain(experiment.model, inputs, layer=layer)
