"""A class board's contents: each joined run's summary (written by its learner's server), read back and checked,
and what the board shows from them: which setting differs most, how many runs answer right, a table.

A summary is small JSON (a few kB): the settings that matter, the step, the loss curve thinned to MAX_POINTS
points, the latest loss, the continuation of the lesson's prefix, and whether training blew up. Nothing else about
the learner is kept: the name is the one shown on the board, random unless they typed one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from rnnviz.choices import cell_label
from rnnviz.experiment import model_lock
from rnnviz.serving.board_names import MAX_NAME_CHARS
from rnnviz.serving.live import worker_of

MAX_POINTS = 120  # of each run's loss curve: 30 curves of this many points redraw every second in any browser
# What the board can colour the runs by: setting → its label, first the default.
COLOUR_BY = {"lr": "learning rate", "cell": "cell", "hidden_size": "hidden size", "clip": "clip"}
# The continuation that counts as right, per lesson (LESSONS.md): lessons without one get no ticks.
RIGHT_ANSWERS = {"L0": "2 3 4 5 6 7 8 9", "L1": "2 3 4 5 6 7 8 9", "L2": "good i am fine "}
EXPLODED = 100.0  # a latest loss this many times the first counts as blown up (as rnnviz.nn.train says)


@dataclass(frozen=True)
class Run:
    """One run on a board, as its summary says."""

    run_id: str
    name: str
    lr: float
    cell: str
    hidden_size: int
    num_layers: int
    clip: float  # 0: off
    step: int
    steps: tuple[int, ...]
    losses: tuple[float | None, ...]  # None where the loss was not a number
    loss: float | None
    answer: str | None  # the continuation of the prefix, None when there is none yet
    diverged: bool

    def setting(self, name: str):
        return getattr(self, name)


# -- writing one --------------------------------------------------------------------------------------------------
def thinned(rows, most: int = MAX_POINTS) -> tuple[list[int], list[float | None]]:
    """At most `most` (step, loss) points of a history, evenly spread, the first and the latest always in."""
    count = len(rows)
    if count <= most:
        picked = range(count)
    else:
        picked = sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})
    steps = [int(rows[i]["step"]) for i in picked]
    return steps, [_finite(rows[i]["loss"]) for i in picked]


def _finite(value) -> float | None:
    value = float(value)
    return float(f"{value:.4g}") if math.isfinite(value) else None


def _answer(experiment, published) -> str | None:
    """The continuation the learner sees now; for a model that has no worker yet (fresh, or just restored), made
    here, but only if its lock is free: a summary never waits for training."""
    if published is not None:
        return None if published.prediction is None else published.prediction.text
    lock = model_lock(experiment)
    if not lock.acquire(blocking=False):
        return None
    try:
        return experiment.predict().text
    except ValueError:  # a prefix the data cannot read (InputError): no answer to show
        return None
    finally:
        lock.release()


def run_summary(experiment, name: str) -> dict:
    """What the board shows of `experiment`, read from what its worker last published (never the live weights)."""
    config, trainer = experiment.config, experiment.trainer
    worker = worker_of(experiment)
    published = worker.published if worker is not None else None
    rows = published.rows if published is not None else tuple(trainer.rows)
    steps, losses = thinned(rows)
    loss = _finite(rows[-1]["loss"]) if rows else None
    first = _finite(rows[0]["loss"]) if rows else None
    exploded = bool(rows) and (loss is None or (first is not None and first > 0 and loss > EXPLODED * first))
    return {
        "name": name[:MAX_NAME_CHARS], "lr": float(config.lr), "cell": cell_label(config.cell, config.nonlinearity),
        "hidden_size": int(config.hidden_size), "num_layers": int(config.num_layers),
        "clip": float(config.clip or 0.0), "step": int(published.step if published is not None else trainer.step),
        "steps": steps, "losses": losses, "loss": loss, "answer": _answer(experiment, published),
        "diverged": bool(trainer.diverged) or exploded,
    }


def summary_bytes(summary: dict) -> bytes:
    return json.dumps(summary, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


# -- reading them back --------------------------------------------------------------------------------------------
def _number(value, kind=float):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("not a number")
    return kind(value)


def read_run(run_id: str, data: bytes) -> Run | None:
    """A stored summary as a Run; None for one this code did not write (a damaged or foreign entry is skipped, not
    shown)."""
    try:
        summary = json.loads(data)
        steps = tuple(_number(step, int) for step in summary["steps"])
        losses = tuple(None if loss is None else _number(loss) for loss in summary["losses"])
        if len(steps) != len(losses) or len(steps) > MAX_POINTS:
            return None
        answer = summary["answer"]
        return Run(run_id=run_id, name=str(summary["name"])[:MAX_NAME_CHARS], lr=_number(summary["lr"]),
                   cell=str(summary["cell"])[:20], hidden_size=_number(summary["hidden_size"], int),
                   num_layers=_number(summary["num_layers"], int), clip=_number(summary["clip"]),
                   step=_number(summary["step"], int), steps=steps, losses=losses,
                   loss=None if summary["loss"] is None else _number(summary["loss"]),
                   answer=None if answer is None else str(answer)[:200], diverged=bool(summary["diverged"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


@dataclass(frozen=True)
class Board:
    """What one read of a board gives: its lesson, the runs it shows (by name), and the hidden runs."""

    lesson: str
    runs: tuple[Run, ...]
    hidden: tuple[Run, ...]

    @property
    def right_answer(self) -> str | None:
        return RIGHT_ANSWERS.get(self.lesson)

    def is_right(self, run: Run) -> bool | None:
        """Whether the run's continuation is the lesson's right one; None when the lesson has none."""
        expected = self.right_answer
        return None if expected is None else run.answer == expected

    def count_text(self) -> str | None:
        """"18 of 27 answer 2 3 4 5 6 7 8 9"; None when the lesson has no right answer."""
        if self.right_answer is None:
            return None
        right = sum(1 for run in self.runs if self.is_right(run))
        return f"{right} of {len(self.runs)} answer {self.right_answer.strip()}"


def board_from_store(found) -> Board | None:
    """A Board from what ModelStore.board returned (None stays None)."""
    if found is None:
        return None
    lesson, stored, hidden_ids = found
    runs = [run for run_id, data in stored.items() if (run := read_run(run_id, data)) is not None]
    runs.sort(key=lambda run: (run.name.lower(), run.run_id))
    return Board(lesson, tuple(r for r in runs if r.run_id not in hidden_ids),
                 tuple(r for r in runs if r.run_id in hidden_ids))


def differs_most(runs) -> str:
    """The setting with the most different values across `runs` (COLOUR_BY's order breaks ties, so the learning
    rate when nothing differs)."""
    spread = {name: len({run.setting(name) for run in runs}) for name in COLOUR_BY}
    return max(COLOUR_BY, key=lambda name: spread[name])  # max keeps the first of equals


def setting_text(name: str, value) -> str:
    if name == "clip":
        return "off" if not value else f"{value:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def board_table(board: Board) -> pd.DataFrame:
    """One row per run shown: name, settings, step, loss, answer (ticked when right, marked when blown up)."""
    rows = []
    for run in board.runs:
        mark = "✗ diverged" if run.diverged else ("✓ " if board.is_right(run) else "")
        answer = run.answer if run.answer is not None else "—"
        rows.append({"name": run.name, "lr": setting_text("lr", run.lr), "cell": run.cell,
                     "hidden": run.hidden_size, "layers": run.num_layers, "clip": setting_text("clip", run.clip),
                     "step": run.step, "loss": "—" if run.loss is None else f"{run.loss:.3g}",
                     "answer": f"{mark}{answer}" if not run.diverged else mark})
    columns = ["name", "lr", "cell", "hidden", "layers", "clip", "step", "loss", "answer"]
    return pd.DataFrame(rows, columns=columns)
