"""The many-to-one readout (lesson L1): what the head makes of the last hidden state, on examples and held-out rows.

The data (rnnviz.datasets.climbs) scores only the last step, so the loss and the accuracy see only
h_T → Linear → yes/no.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.datasets.climbs import EXAMPLES, LABELS, ClimbsDataset, climbs
from rnnviz.datasets.memory_tasks import accuracy


@dataclass
class Readout:
    """The classifier at work: its accuracy, and the last hidden state of each example with its verdict."""

    accuracy: float
    examples: list[str]
    truth: list[str]
    said: list[str]  # the most likely symbol after the last digit (early in training it may be a digit)
    p_yes: np.ndarray  # [E] the head's probability of "yes" from h_T
    last_hidden: np.ndarray  # [E, H] the top layer's h_T: all the head sees
    held_out_points: np.ndarray  # [N, 2] held-out items' h_T, on the two directions that spread them most
    held_out_truth: np.ndarray  # [N] True where the row climbs


@torch.no_grad()
def readout(model, ds: ClimbsDataset, examples=EXAMPLES, held_out: int = 200) -> Readout:
    """Accuracy on fresh rows, and h_T → head for the examples and for a held-out batch (projected to 2-D)."""
    was_training = model.training
    model.eval()
    try:
        rows = torch.tensor([ds.parse_prefix(e) for e in examples])
        _, state = model.rnn(model.features(rows))
        last = (state[0] if model.cell == "lstm" else state)[-1]
        probs = torch.softmax(model.head(last), dim=-1)  # what Predict shows after the last digit
        p_yes, said = probs[:, ds.yes], [ds.symbols[int(i)] for i in probs.argmax(dim=-1)]
        inputs, _ = ds.validation_batch(held_out)
        _, state = model.rnn(model.features(inputs))
        points = (state[0] if model.cell == "lstm" else state)[-1].cpu().numpy()
        centred = points - points.mean(axis=0)
        _, _, directions = np.linalg.svd(centred, full_matrices=False)
        projected = centred @ directions[:2].T
        if projected.shape[1] < 2:  # one hidden unit: nothing to spread on a second axis
            projected = np.pad(projected, ((0, 0), (0, 2 - projected.shape[1])))
        score = accuracy(model, ds, batches=2, batch_size=256, generator=torch.Generator().manual_seed(ds.seed + 1),
                         last_step_only=True)
    finally:
        model.train(was_training)
    truth = climbs(rows)
    return Readout(score, [" ".join(e) for e in examples], [LABELS[0] if t else LABELS[1] for t in truth],
                   said, p_yes.cpu().numpy(),
                   last.cpu().numpy(), projected, climbs(inputs).cpu().numpy())
