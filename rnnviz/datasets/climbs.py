"""Many-to-one (lesson L1): a whole sequence in, one label out, read from the last hidden state through the Linear head.

The task: six digits; do they climb, each one larger than the one before? ("1 3 4 6 8 9": yes;
"1 3 6 4 8 9": no.) Half the items climb; of the others, half are a climbing row with two
neighbours swapped (a near miss that only a model keeping track of the whole row catches) and half
are random digits. The targets are -100 (not scored) at every step but the last, where the label
is: so the loss and the accuracy see only h_T → Linear → yes/no, a classifier on the last hidden
state, as a many-to-one model is built. It is a MemoryTask: fixed-length items, a held-out batch.
"""

from __future__ import annotations

import torch

from rnnviz.datasets.base import IGNORE_INDEX
from rnnviz.datasets.memory_tasks import MemoryTask
from rnnviz.datasets.tokens import TokenDataset
from rnnviz.errors import InputError

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
