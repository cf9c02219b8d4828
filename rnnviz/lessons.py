"""The lessons a teacher opens in one click (see shared LESSONS.md): a Config and what to look for."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Config, defaults_for


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    config: Config
    look_for: str


LESSONS = {
    "L0": Lesson(
        "L0", "L0 · Counting runs",
        defaults_for("counting"),
        "Before training, 2 3 4 continues as noise. Press Train: within a few dozen steps the "
        "model answers 2 3 4 5 6 7 8 9, and the loss curve drops as it does.",
    ),
    "L1": Lesson(
        "L1", "L1 · Stacked layers and clipping",
        defaults_for("counting").replace(num_layers=2, hidden_size=128, clip=1.0),
        "Two RNN layers stacked: the hidden-state views show a row per layer. Clipping at 1.0 "
        "caps every update: compare the gradient norm before and after clipping.",
    ),
    "L2": Lesson(
        "L2", "L2 · Three sentences",
        defaults_for("sentences"),
        "A 12-unit RNN memorises three sentences: the loss falls from about 2.4 towards 0.17 in "
        "100 steps, and 'good' continues to 'good i am fine '.",
    ),
    "L3": Lesson(
        "L3", "L3 · Backpropagation through time",
        defaults_for("shakespeare").replace(clip=1.0),
        "A character model on four lines of Shakespeare. Watch ∂L/∂h_t per time step: the "
        "last step's loss reaches back only a few steps before its gradient fades.",
    ),
    "L4": Lesson(
        "L4", "L4 · The recurrence is a loop",
        defaults_for("sine"),
        "Five hidden units learn a sine wave, the hidden state carried from batch to batch. "
        "The unrolled view shows one cell, the same weights, reused at every step.",
    ),
}
