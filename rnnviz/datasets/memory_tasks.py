"""Memory tasks: data whose answer lies `lag` steps back, to show why a plain RNN forgets.

Each task is a set of fixed-length sequences (the length follows from the lag,
so `seq_len` is ignored) and only some time steps have an answer: the others
carry the target -100 (tokens, cross-entropy's ignore_index) or NaN (values),
and the loss and accuracy leave them out (see `rnnviz.nn.trace.mean_loss`).

  recall    remember the first letter(s), read `lag` random digits, then at the
            cue `?` say the letter(s) again (the copy task of Hochreiter & Schmidhuber).
  brackets  an outer bracket encloses `lag` steps of balanced brackets; at each
            step predict the bracket that closes next. The last answer needs the
            outer bracket's type, seen `lag` steps ago.
  adding    numbers in [0, 1]; the two that follow a marker -1 are to be added,
            and the answer is asked at the last step, `lag` steps after the first.
            (The marker is a step of its own so the input stays one number per
            step, like every series here, and prediction and the series views work.)
"""

from __future__ import annotations

import torch

from rnnviz.choices import MAX_LAG
from rnnviz.datasets.base import IGNORE_INDEX
from rnnviz.datasets.series import SeriesDataset
from rnnviz.datasets.tokens import TokenDataset
from rnnviz.errors import check_whole

VALIDATION_SEED_OFFSET = 7919  # held-out items come from their own generator
MARKER = -1.0
ADDING_TOLERANCE = 0.1  # an answer within this of the true sum counts as right


class MemoryTask:
    """What the three tasks share: fixed-length items, a fixed held-out batch, carried state ignored."""

    fixed_length = True
    lag = 0
    seed = 0

    def make(self, batch_size: int, generator: torch.Generator | None):
        raise NotImplementedError

    @property
    def seq_len(self) -> int:
        """The number of input steps of every item."""
        raise NotImplementedError

    @property
    def max_seq_len(self) -> int:
        return self.seq_len

    def batch(self, batch_size: int, seq_len: int | None = None, generator: torch.Generator | None = None):
        """A random batch (inputs, targets); seq_len is ignored because the lag sets the length."""
        return self.make(batch_size, generator)

    def next_batch(self, batch_size: int, seq_len: int | None, index: int):
        # Items are independent, so a carried state has nothing to carry; batch `index` is just reproducible.
        return self.make(batch_size, torch.Generator().manual_seed(self.seed * 100_003 + index))

    def validation_batch(self, batch_size: int, seq_len: int | None = None):
        return self.make(min(batch_size, 256), torch.Generator().manual_seed(self.seed + VALIDATION_SEED_OFFSET))


class RecallDataset(MemoryTask, TokenDataset):
    """Letters to remember, `lag` noise digits, a cue `?`, then the letters again.

    Inputs   a b | 3 0 2 … (lag digits) | ? a     (after the cue, the previous answer is fed in,
    Targets  - - | - - - …              | a b      as prediction feeds its own output back)
    """

    def __init__(self, lag: int = 20, alphabet: int = 4, noise: int = 4, recall: int = 1, seed: int = 0):
        self.lag = check_whole("lag", lag, 0, MAX_LAG)
        self.alphabet = check_whole("number of letters to choose from", alphabet, 2, 26)
        self.noise = check_whole("number of noise digits", noise, 1, 10)
        self.recall = check_whole("number of letters to recall", recall, 1, 10)
        self.seed = seed
        letters = [chr(ord("a") + i) for i in range(alphabet)]
        digits = [str(i) for i in range(noise)]
        what = "the first letter" if recall == 1 else f"the first {recall} letters"
        super().__init__(
            "recall", "Recall the first letter" if recall == 1 else "Recall the first letters",
            f"Remember {what} (one of {alphabet}), read {lag} random digits, then at the cue ? "
            f"say {'it' if recall == 1 else 'them'} again. Only the answers after the cue count.",
            letters + digits + ["?"],
        )
        self.fixed_length = True
        self.cue = self.index["?"]

    @property
    def seq_len(self) -> int:
        return 2 * self.recall + self.lag

    def make(self, batch_size, generator):
        k = self.recall
        letters = torch.randint(0, self.alphabet, (batch_size, k), generator=generator)
        noise = self.alphabet + torch.randint(0, self.noise, (batch_size, self.lag), generator=generator)
        cue = torch.full((batch_size, 1), self.cue)
        inputs = torch.cat([letters, noise, cue, letters[:, :-1]], dim=1)
        targets = torch.full_like(inputs, IGNORE_INDEX)
        targets[:, k + self.lag:] = letters
        return inputs, targets


class BracketsDataset(MemoryTask, TokenDataset):
    """An outer bracket, `lag` steps of balanced brackets inside it, and its closer.

    The target at each step is the next symbol when it is a closing bracket (which one is
    forced by what is open); where an opening bracket comes next the choice is random, so
    it does not count. With types=2 and depth=3: ( [ ] ( ) ) → targets - ] - ) ).
    """

    PAIRS = "()[]{}<>"

    def __init__(self, lag: int = 20, depth: int = 3, types: int = 2, seed: int = 0):
        lag = check_whole("lag", lag, 0, MAX_LAG)
        self.lag = lag + lag % 2  # balanced brackets come in pairs
        self.depth = check_whole("depth", depth, 2, 10)
        self.types = check_whole("number of bracket types", types, 1, 4)
        self.seed = seed
        symbols = list(self.PAIRS[:2 * types])
        super().__init__(
            "brackets", "Balanced brackets",
            f"An outer bracket holds {self.lag} steps of balanced brackets (at most {depth} deep in all); "
            "predict each closing bracket. The last one must match the bracket opened at the very start.",
            symbols,
        )
        self.fixed_length = True

    @property
    def seq_len(self) -> int:
        return self.lag + 1

    def make(self, batch_size, generator):
        items = torch.empty((batch_size, self.lag + 2), dtype=torch.long)
        kinds = torch.randint(0, self.types, (batch_size, self.lag + 1), generator=generator)
        coins = torch.rand((batch_size, self.lag), generator=generator)
        stack = torch.empty((batch_size, self.depth), dtype=torch.long)
        rows = torch.arange(batch_size)
        stack[:, 0] = kinds[:, 0]
        items[:, 0] = 2 * kinds[:, 0]
        size = torch.ones(batch_size, dtype=torch.long)  # the outer bracket stays open until the end
        for position in range(self.lag):
            left = self.lag - position  # steps left inside, this one included
            can_open = (size < self.depth) & (size - 1 + 2 <= left)
            can_close = size > 1
            opens = can_open & (~can_close | (coins[:, position] < 0.5))
            kind = kinds[:, position + 1]
            top = stack[rows, (size - 1).clamp(min=0)]
            items[:, position + 1] = torch.where(opens, 2 * kind, 2 * top + 1)
            slot = size.clamp(max=self.depth - 1)  # where an opened bracket goes on the stack
            stack[rows, slot] = torch.where(opens, kind, stack[rows, slot])
            size = size + opens.long() * 2 - 1
        items[:, -1] = 2 * stack[:, 0] + 1
        inputs, targets = items[:, :-1], items[:, 1:].clone()
        targets[targets % 2 == 0] = IGNORE_INDEX  # an opening bracket next: a free choice, not scored
        return inputs, targets


class AddingDataset(MemoryTask, SeriesDataset):
    """Random numbers in [0, 1]; the two after a marker -1 are added, and the sum is asked at the end.

    The first marked number comes within the first three steps, the second anywhere after it;
    the answer at the last step comes at least `lag` steps after the first. Only that step counts.
    """

    def __init__(self, lag: int = 20, seed: int = 0):
        self.lag = check_whole("lag", lag, 1, MAX_LAG)
        self.seed = seed
        self.name, self.title = "adding", "The adding problem"
        self.description = (f"Numbers between 0 and 1; add the two that follow a marker -1. The answer is due "
                            f"at the last step, {lag} steps after the first marked number.")
        self.x_step = 1.0
        self.center, self.scale = 0.0, 1.0  # the numbers are already on the model's scale
        self.value_range = (MARKER, 2.0)
        self.values = self.stream = torch.empty(0)

    @property
    def seq_len(self) -> int:
        return self.lag + 3

    def make(self, batch_size, generator):
        steps = self.lag + 3
        inputs = torch.rand((batch_size, steps), generator=generator)
        rows = torch.arange(batch_size)
        # The first marker's position: 0 or 1 (just 0 when lag 1 leaves no room for both pairs).
        first = torch.randint(0, min(2, self.lag), (batch_size,), generator=generator)
        # The second marker goes anywhere from two after the first to the second-to-last step.
        room = steps - 2 - (first + 2) + 1
        second = first + 2 + (torch.rand(batch_size, generator=generator) * room).long()
        inputs[rows, first] = MARKER
        inputs[rows, second] = MARKER
        answer = inputs[rows, first + 1] + inputs[rows, second + 1]
        targets = torch.full((batch_size, steps), float("nan"))
        targets[:, -1] = answer
        return inputs.unsqueeze(-1), targets.unsqueeze(-1)


def make_recall(seed: int = 0, lag: int = 20, alphabet: int = 4, noise: int = 4, recall: int = 1):
    return RecallDataset(lag=lag, alphabet=alphabet, noise=noise, recall=recall, seed=seed)


def make_brackets(seed: int = 0, lag: int = 20, depth: int = 3, types: int = 2):
    return BracketsDataset(lag=lag, depth=depth, types=types, seed=seed)


def make_adding(seed: int = 0, lag: int = 20):
    return AddingDataset(lag=lag, seed=seed)


MEMORY_TASKS = {"recall": make_recall, "brackets": make_brackets, "adding": make_adding}


def counted(targets: torch.Tensor) -> torch.Tensor:
    """[B, T] True where a target counts: not -100 (tokens), not NaN (values)."""
    if targets.is_floating_point():
        return ~torch.isnan(targets).any(dim=-1) if targets.ndim == 3 else ~torch.isnan(targets)
    return targets != IGNORE_INDEX


@torch.no_grad()
def accuracy(model, ds, batches: int = 4, batch_size: int = 64, generator: torch.Generator | None = None,
             last_step_only: bool = False) -> float:
    """The share of counted answers the model gets right, over fresh batches.

    Tokens: the most likely symbol is the target. Values (adding): within ADDING_TOLERANCE
    of the true sum. last_step_only scores the final step alone: for brackets that is the
    closer of the outer bracket, the one that needs a memory of `lag` steps.
    """
    was_training = model.training
    model.eval()
    right = total = 0
    try:
        for _ in range(batches):
            inputs, targets = ds.batch(batch_size, None, generator)
            outputs, _ = model(inputs)
            targets = targets.to(outputs.device)
            mask = counted(targets)
            if last_step_only:
                mask[:, :-1] = False
            if ds.is_tokens:
                hits = outputs.argmax(dim=-1) == targets
            else:
                hits = ((outputs - torch.nan_to_num(targets)).abs() <= ADDING_TOLERANCE).all(dim=-1)
            right += int((hits & mask).sum())
            total += int(mask.sum())
    finally:
        model.train(was_training)
    return right / total if total else float("nan")
