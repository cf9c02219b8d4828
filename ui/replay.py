"""Replay: one control, shared by the Hidden states, Gradients, Unrolled and Predict pages, that picks the
model as it was at one of the trainer's saved snapshots (or as it is now).

A slider over the saved steps and "now" keeps to one line however many snapshots there are; the choice
follows the learner from page to page for the whole session. "Now" names no step: the status line carries
the number, so one screen never shows two steps for the same model.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.experiment import Experiment

from .training import worker

NOW = "now"
KEY = "replay_step"  # one widget on every page that replays: its choice is kept from page to page


def _label(step) -> str:
    if step == NOW:
        return NOW
    return "0 (untrained)" if step == 0 else str(step)


def replay_control(experiment: Experiment) -> int | None:
    """The snapshot chooser; the training step chosen, or None for the model as it is now."""
    steps = [step for step in experiment.trainer.snapshot_steps() if step != experiment.step]
    options = [*steps, NOW]
    # Each page draws its own widget under KEY: give this one the last page's choice (persist_state keeps it
    # while a page without one shows, but not into another page's widget), or "now" if that snapshot is gone.
    chosen = st.session_state.get(KEY, NOW)
    st.session_state[KEY] = chosen if chosen in options else NOW
    choice = st.select_slider("Show the model as it was after training step", options, key=KEY,
                              persist_state="session", format_func=_label,
                              help="Slide to a saved step: the weights are saved often early in training, where it "
                                   "learns fastest, and every 100 steps later; 'now' is the model as the status line "
                                   "says. The choice holds on every page that replays (training goes on).")
    return None if choice in (None, NOW) else int(choice)


def model_at(experiment: Experiment, step: int | None):
    """The model as it was at `step` (the trainer's snapshot), or None for the model as it is now."""
    return None if step is None else experiment.trainer.model_at(step)


def shown_step(experiment: Experiment, step: int | None) -> int:
    """The training step the views show: the chosen snapshot's, or the current one."""
    return experiment.step if step is None else step


def named_step(experiment: Experiment, step: int | None) -> int | None:
    """The step a view may name in its title or caption: the chosen snapshot's; for the model now, the step of
    the worker's last published view (the status line's) while paused on it. None while it trains: that number
    moves on under a view drawn a second ago, so the view says "now" and the status line carries the number."""
    if step is not None:
        return step
    shown = worker(experiment).published
    return shown.step if shown.state in ("paused", "diverged") and shown.step == experiment.step else None


def step_words(experiment: Experiment, step: int | None) -> str:
    """How a view names the model it draws: "after training step 40", or "now" while that number moves on."""
    named = named_step(experiment, step)
    return NOW if named is None else f"after training step {named}"
