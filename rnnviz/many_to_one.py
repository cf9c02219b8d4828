"""Many-to-one (lesson L1): a whole sequence in, one label out, read from the last hidden state through the Linear head.

The task: six digits; do they climb, each one larger than the one before? ("1 3 4 6 8 9": yes;
"1 3 6 4 8 9": no.) Half the items climb; of the others, half are a climbing row with two
neighbours swapped (a near miss that only a model keeping track of the whole row catches) and half
are random digits. The targets are -100 (not scored) at every step but the last, where the label
is: so the loss and the accuracy see only h_T → Linear → yes/no, a classifier on the last hidden
state, as a many-to-one model is built. It is a MemoryTask: fixed-length items, a held-out batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .datasets import TokenDataset
from .errors import InputError
from .memory_tasks import MemoryTask, accuracy
from .trace import IGNORE_INDEX

LENGTH = 6
LABELS = ("yes", "no")
# Shown in the readout: climbing rows, near misses and plain noise, the same every time.
EXAMPLES = ("013579", "234678", "124589", "013759", "243678", "124598", "975310", "555555", "902741")


class ClimbsDataset(MemoryTask, TokenDataset):
    """Six digits, then the answer yes or no at the last step; only that step is scored."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        super().__init__(
            "climbs", "Does it climb?",
            f"{LENGTH} digits; the model reads them all, then says yes if each is larger than the one before. "
            "Only that answer, made from the last hidden state, counts.",
            [str(d) for d in range(10)] + list(LABELS), separator=" ",
        )
        self.fixed_length = True
        self.yes, self.no = self.index["yes"], self.index["no"]

    @property
    def seq_len(self) -> int:
        return LENGTH

    def make(self, batch_size, generator):
        keys = torch.rand((batch_size, 10), generator=generator)
        climbing = keys.argsort(dim=1)[:, :LENGTH].sort(dim=1).values  # 6 distinct digits, in order
        kind = torch.randint(0, 4, (batch_size,), generator=generator)  # 0, 1: climbing; 2: near miss; 3: noise
        swap = torch.randint(0, LENGTH - 1, (batch_size,), generator=generator)
        rows = torch.arange(batch_size)
        near = climbing.clone()
        near[rows, swap], near[rows, swap + 1] = climbing[rows, swap + 1], climbing[rows, swap]
        noise = torch.randint(0, 10, (batch_size, LENGTH), generator=generator)
        inputs = torch.where((kind == 2)[:, None], near, torch.where((kind == 3)[:, None], noise, climbing))
        targets = torch.full_like(inputs, IGNORE_INDEX)
        targets[:, -1] = torch.where(climbs(inputs), self.yes, self.no)
        return inputs, targets

    def parse_prefix(self, text) -> list[int]:
        """Digits, typed 135789, 1 3 5 7 8 9 or 1,3,5,7,8,9."""
        if isinstance(text, (list, tuple)):
            return self.encode([str(t) for t in text])
        if not isinstance(text, str) or not text.strip():
            raise InputError("Type a row of digits for the model to judge, such as 135789.")
        pieces = [p for p in text.replace(",", " ").replace(";", " ").split() if p]
        if len(pieces) == 1 and pieces[0].isascii() and pieces[0].isdigit():
            pieces = list(pieces[0])
        for piece in pieces:
            if piece not in self.index or piece in LABELS:
                raise InputError(f"{piece!r} is not a digit: type a row of digits 0 to 9, such as 135789.")
        return self.encode(pieces)


def climbs(rows: torch.Tensor) -> torch.Tensor:
    """[B] True where every digit of the row is larger than the one before."""
    return (rows[:, 1:] > rows[:, :-1]).all(dim=1)


def make_climbs(seed: int = 0) -> ClimbsDataset:
    return ClimbsDataset(seed=seed)


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
