"""The live unrolled strip on the Train page: the recurrence on the prefix, a few steps of it."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnnviz.choices import readable
from rnnviz.views.labels import prediction_labels
from rnnviz.views.sequence import MAX_UNROLLED


@dataclass(frozen=True)
class Strip:
    """The recurrence on the prefix, for the live unrolled strip: h_t of the top layer, what x_t read and
    what y_t says most likely comes next, step by step."""

    hidden: object  # tensor [num_layers, T, H]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    prefix_len: int | None


@torch.no_grad()
def strip_of(experiment, prediction, max_steps: int = MAX_UNROLLED) -> Strip:
    """The first `max_steps` steps of the prefix and its continuation as the recurrence sees them: h_t of
    every layer, x_t, and y_t's most likely next symbol (or the value it predicts)."""
    ds, model = experiment.dataset, experiment.model
    hidden = prediction.hidden[:, :max_steps]
    outputs = model.head(hidden[-1].to(model.device)).float().cpu()
    if ds.is_tokens:
        probs, ids = torch.softmax(outputs, dim=-1).max(dim=-1)
        said = [f"{readable(ds.symbols[int(i)])} {float(p):.0%}" for p, i in zip(probs, ids)]
    else:
        said = [f"{value:.2f}" for value in ds.from_model(outputs[:, 0])]
    inputs = prediction_labels(ds, prediction)[:max_steps]
    return Strip(hidden=hidden, inputs=tuple(inputs), outputs=tuple(said),
                 prefix_len=min(len(prediction.prefix), hidden.shape[1]))
