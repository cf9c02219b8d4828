"""Series data, learned with mean squared error: the sine wave (L4) and an uploaded column."""

from __future__ import annotations

import math
import re

import torch

from rnnviz.datasets.base import Dataset
from rnnviz.errors import InputError, check_whole, shown

# What a model's 32-bit floats can hold: numbers up to FLOAT32.max (about 3.4e38) across, and a spread of at least
# FLOAT32.tiny (about 1.2e-38, the smallest normal number) for the data's scale, which every value is divided by.
FLOAT32 = torch.finfo(torch.float32)
MAX_SERIES_VALUES = 100_000


def check_values(values, what: str = "The series") -> torch.Tensor:
    """The numbers as float32, or an InputError when 32-bit floats cannot hold them: above about 3.4e38 a number
    becomes infinite, and a spread below about 1.2e-38 gives a scale that divides by zero (training gives NaN)."""
    try:
        wide = values.to(torch.float64) if torch.is_tensor(values) else torch.tensor(values, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        raise InputError(f"{what} must be a list of numbers.") from None
    if wide.ndim != 1 or len(wide) < 3:
        raise InputError(f"{what} needs at least 3 numbers.")
    if not torch.isfinite(wide).all():
        raise InputError(f"{what} may only hold finite numbers.")
    largest = float(wide.abs().max())
    if largest > FLOAT32.max:
        raise InputError(f"{what} holds {largest:.3g}, too large for the model's 32-bit floats: numbers up to about "
                         f"±{FLOAT32.max:.2g} are allowed. Divide them all by a power of ten.")
    narrow = wide.float()
    spread = float(narrow.max()) - float(narrow.min())
    if 0 < spread / 2 < FLOAT32.tiny:
        raise InputError(f"{what} spans only {spread:.3g} from its smallest number to its largest, too little for the "
                         f"model's 32-bit floats (at least {2 * FLOAT32.tiny:.2g} is needed). Multiply them all by a "
                         "power of ten.")
    return narrow


class SeriesDataset(Dataset):
    """A sequence of real numbers; the model predicts the next value (regression)."""

    kind = "values"
    input_size = 1
    output_size = 1

    def __init__(self, name, title, description, values, x_step=1.0):
        values = check_values(values)
        self.name, self.title, self.description = name, title, description
        self.values = values
        self.x_step = x_step
        low, high = float(values.min()), float(values.max())
        self.value_range = (low, high)
        # Train on a standard scale so an uploaded column in any unit learns alike.
        self.center = (high + low) / 2
        self.scale = (high - low) / 2 or 1.0
        self.stream = (values - self.center) / self.scale

    def as_input(self, chunk: torch.Tensor) -> torch.Tensor:
        return chunk.unsqueeze(-1)

    def to_model(self, values) -> torch.Tensor:
        return (torch.as_tensor(values, dtype=torch.float32) - self.center) / self.scale

    def from_model(self, values) -> list[float]:
        return [float(v) * self.scale + self.center for v in torch.as_tensor(values).flatten()]

    def parse_prefix(self, text) -> list[float]:
        """Numbers separated by commas or spaces, e.g. `0, 0.16, 0.31`."""
        if isinstance(text, (list, tuple)):
            pieces = list(text)
        else:
            if not isinstance(text, str) or not text.strip():
                raise InputError("Type at least one number for the model to continue, e.g. 0, 0.16, 0.31.")
            pieces = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
        values = []
        for piece in pieces:
            try:
                value = float(piece)
            except (TypeError, ValueError, OverflowError):
                raise InputError(
                    f"{shown(piece)} is not a number. Type numbers separated by commas, e.g. 0, 0.16, 0.31."
                ) from None
            if not math.isfinite(value):
                raise InputError(f"{shown(piece)} is not a finite number.")
            values.append(value)
        scaled = self.to_model(values)  # float32: a number far outside the data's range becomes infinite here
        if not torch.isfinite(scaled).all():
            piece = pieces[int((~torch.isfinite(scaled)).nonzero()[0])]
            low, high = self.value_range
            raise InputError(f"{shown(piece)} is too far outside the data's range ({low:g} to {high:g}) for the "
                             "model's 32-bit floats. Type numbers near that range.")
        return values

    def format(self, values) -> str:
        return ", ".join(f"{v:.2f}" for v in values)


def make_sine(seed: int = 0, points: int = 2000, step: float = math.pi / 20) -> SeriesDataset:
    points = check_whole("number of points", points, 3, MAX_SERIES_VALUES)
    x = torch.arange(points, dtype=torch.float64) * step
    return SeriesDataset(
        "sine",
        "Sine wave",
        "A sine curve sampled every π/20; the model predicts the next value from the ones so far.",
        torch.sin(x).float(),
        x_step=step,
    )



def make_series(values, seed: int = 0, title: str = "Your series") -> SeriesDataset:
    """Numbers from an uploaded CSV column (or a link): a series to forecast, like the sine."""
    if isinstance(values, str):
        pieces = [p for p in re.split(r"[\s,;]+", values.strip()) if p]
        try:
            values = [float(p) for p in pieces]
        except ValueError:
            raise InputError("The series must be numbers separated by commas.") from None
    if len(values) == 0:
        raise InputError("The csv dataset needs numbers: upload a CSV file and pick a column.")
    if len(values) > MAX_SERIES_VALUES:
        raise InputError(f"The series has {len(values):,} values; the limit is {MAX_SERIES_VALUES:,}.")
    return SeriesDataset("csv", title, f"{len(values):,} values; the model predicts the next one.", values)
