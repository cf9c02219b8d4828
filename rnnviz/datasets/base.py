"""What every dataset offers: batches of windows, consecutive stretches for a carried state, a held-out batch."""

from __future__ import annotations

import torch

from rnnviz.errors import InputError

IGNORE_INDEX = -100  # a token target that does not count (a value target that does not count is NaN)


class Dataset:
    """What every dataset offers; see TokenDataset and SeriesDataset."""

    name: str = ""
    title: str = ""
    description: str = ""
    kind: str = ""  # "tokens" (classification) or "values" (regression)
    fixed_length: bool = False  # items of one length: seq_len is ignored

    @property
    def is_tokens(self) -> bool:
        return self.kind == "tokens"

    def check_seq_len(self, seq_len: int) -> None:
        """Refuse a window longer than the data can supply."""
        if self.fixed_length:
            return
        longest = self.max_seq_len
        if seq_len < 1 or seq_len > longest:
            raise InputError(
                f"Sequence length {seq_len} does not fit the {self.title or self.name} data: "
                f"it has room for windows of 1 to {longest} steps."
            )

    @property
    def max_seq_len(self) -> int:
        return len(self.stream) - 1

    def _windows(self, stream: torch.Tensor, starts: torch.Tensor, seq_len: int):
        offsets = torch.arange(seq_len + 1)
        chunk = stream[starts[:, None] + offsets[None, :]]
        return self.as_input(chunk[:, :-1]), self.as_input(chunk[:, 1:])

    def as_input(self, chunk: torch.Tensor) -> torch.Tensor:
        """Windows of the stream [B, T] as the model reads them (a series adds a feature axis)."""
        return chunk

    def batch(self, batch_size: int, seq_len: int, generator: torch.Generator | None = None):
        """A random batch of windows, batch first; targets are inputs shifted by one."""
        self.check_seq_len(seq_len)
        starts = torch.randint(0, len(self.stream) - seq_len, (batch_size,), generator=generator)
        return self._windows(self.stream, starts, seq_len)

    def next_batch(self, batch_size: int, seq_len: int, index: int):
        """Batch number `index` of consecutive stretches, for a carried hidden state.

        The stream is cut into `batch_size` lanes; batch k holds the k-th stretch
        of each lane, so the state left by batch k is the right start for k + 1.
        Lanes wrap around at their end.
        """
        self.check_seq_len(seq_len)
        lane = max(len(self.stream) // batch_size, seq_len + 1)
        per_lane = max((lane - 1) // seq_len, 1)
        position = (index % per_lane) * seq_len
        starts = (torch.arange(batch_size) * lane + position) % (len(self.stream) - seq_len)
        return self._windows(self.stream, starts, seq_len)

    def validation_batch(self, batch_size: int, seq_len: int):
        """A fixed held-out batch, or None when the dataset has no split."""
        return None
