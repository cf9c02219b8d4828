"""The lessons a teacher opens in one click (see shared LESSONS.md): a Config and what to look for."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from rnnviz.config import Config, defaults_for


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
    "L1b": Lesson(
        "L1b", "L1b · One label for a whole sequence",
        defaults_for("climbs"),
        "Many-to-one: six digits in, one answer out (does each digit climb above the last?). Only the last "
        "step is scored, so the answer comes from h_T through the Linear head. Within 300 steps the RNN "
        "judges about 98% of fresh rows right; the page Sequence → label shows how.",
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
    "L5": Lesson(
        "L5", "L5 · Exploding gradients",
        # Plain SGD (its steps scale with the gradient) at a learning rate of 3, clipping off: from seed 0 the loss
        # falls for three steps, then the gradient norm and the loss climb for about ten logged steps until the alarm.
        defaults_for("counting").replace(optimizer="sgd", lr=3.0, clip=0.0),
        "The counting model trained by plain SGD at a learning rate of 3, clipping off. Press Train: the loss "
        "falls for three steps, then the gradient norm climbs from about 0.3 to over 50 and the loss from 2.4 "
        "to over 300 within about ten steps, until the alarm stops training. Then press Clip at 1.0 and start "
        "again (or set the clip to 1 under Training settings and press Reset): every update is capped, and the "
        "same run learns to count within a few hundred steps.",
    ),
    # Memory tasks (rnnviz.datasets.memory_tasks): the answer lies `lag` steps back.
    "M1": Lesson(
        "M1", "M1 · Recall the first letter",
        defaults_for("recall"),
        "The first letter must be remembered through 40 random digits. The LSTM (forget gate "
        "starting open) passes 90% accuracy in about 100 steps. Set the cell to rnn: after 600 steps "
        "it is still far below (chance is 25%), and ‖∂L_T/∂h_t‖ has faded by a factor of 10⁹ or more "
        "before it reaches step 1. At lag 60 the RNN stays at chance; a GRU still learns.",
    ),
    "M2": Lesson(
        "M2", "M2 · Balanced brackets",
        defaults_for("brackets"),
        "Predict each closing bracket. Nearby closers are easy for any cell; the last one must "
        "match the bracket opened 80 steps before. A GRU gets it right within a few hundred steps; "
        "a tanh RNN manages up to a lag of about 40 here, and at 80 stays near a coin toss.",
    ),
    "M3": Lesson(
        "M3", "M3 · The adding problem",
        defaults_for("adding"),
        "Add the two numbers that follow a -1, the answer due at the last step, 20 steps after the "
        "first. Guessing the average sum (1.0) gives a loss near 0.17; the GRU drives it towards 0 "
        "and answers within 0.1 nearly every time. A tanh RNN stays near the guess.",
    ),
}


# -- share links (the README's "Lesson links" table is made by `links_table`; a test keeps them equal) -----------
APP_URL = "http://localhost:8501/"


def lesson_query(key: str) -> str:
    """The lesson's settings as a link's query string: `?dataset=counting&num_layers=2&...`.

    Only what differs from the dataset's defaults goes in (Config.to_query), so links stay short.
    """
    return "?" + urlencode(LESSONS[key].config.to_query(), quote_via=quote)


def links_table(app_url: str = APP_URL) -> str:
    """A markdown table with one link per lesson that opens the app on its settings, ready to press Train."""
    rows = ["| lesson | link |", "|---|---|"]
    for key, lesson in LESSONS.items():
        url = app_url + lesson_query(key)
        rows.append(f"| {lesson.title} | [{url}]({url}) |")
    return "\n".join(rows)
