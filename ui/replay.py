"""Replay: one control, shared by the Hidden states, Gradients, Unrolled and Predict pages, that picks the
model as it was at one of the trainer's saved snapshots (or as it is now).

Every saved step is a labelled choice, so a learner sees where the snapshots are (dense early, where
learning is fastest); the choice follows the learner from page to page for the whole session.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.experiment import Experiment

NOW = "now"
KEY = "replay_step"  # one widget on every page that replays: its choice is kept from page to page


def _label(experiment: Experiment):
    def label(step) -> str:
        if step == NOW:
            return f"now ({experiment.step})"
        return "0 (untrained)" if step == 0 else str(step)
    return label


def replay_control(experiment: Experiment) -> int | None:
    """The snapshot chooser; the training step chosen, or None for the model as it is now."""
    steps = [step for step in experiment.trainer.snapshot_steps() if step != experiment.step]
    options = [*steps, NOW]
    # Each page draws its own widget under KEY: give this one the last page's choice (persist_state keeps it
    # while a page without one shows, but not into another page's widget), or "now" if that snapshot is gone.
    chosen = st.session_state.get(KEY, NOW)
    st.session_state[KEY] = chosen if chosen in options else NOW
    choice = st.pills("Show the model as it was after training step", options, key=KEY, persist_state="session",
                      format_func=_label(experiment), selection_mode="single", required=True,
                      help="The weights are saved often early in training, where it learns fastest, and every "
                           "100 steps later. The choice holds on every page that replays (training goes on).")
    return None if choice in (None, NOW) else int(choice)


def model_at(experiment: Experiment, step: int | None):
    """The model as it was at `step` (the trainer's snapshot), or None for the model as it is now."""
    return None if step is None else experiment.trainer.model_at(step)


def shown_step(experiment: Experiment, step: int | None) -> int:
    """The training step the views show: the chosen snapshot's, or the current one."""
    return experiment.step if step is None else step
