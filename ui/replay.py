"""Replay: one control, shared by the Hidden states, Gradients, Unrolled and Predict pages, that picks the
model as it was at one of the trainer's saved snapshots (or as it is now).

Every saved step is a labelled choice, so a learner sees where the snapshots are (dense early, where
learning is fastest); the choice follows the learner from page to page for the whole session.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.experiment import Experiment

from .state import default, write

NOW = "now"
KEY, CHOSEN = "replay_step", "replay_chosen"  # the widget, and the choice it keeps while another page shows


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
    chosen = st.session_state.get(CHOSEN, NOW)
    if chosen not in options:  # a reset, a new lesson: that snapshot is gone
        chosen = st.session_state[CHOSEN] = NOW
    # Streamlit forgets a widget's value on a page that does not draw it: bring the choice back.
    if st.session_state.get(KEY) != chosen:
        write(KEY, chosen)
    choice = st.pills("Show the model as it was after training step", options, key=KEY, default=default(KEY, NOW),
                      format_func=_label(experiment), selection_mode="single", required=True, on_change=_remember,
                      help="The weights are saved often early in training, where it learns fastest, and every "
                           "100 steps later. The choice holds on every page that replays (training goes on).")
    return None if choice in (None, NOW) else int(choice)


def _remember() -> None:
    chosen = st.session_state.get(KEY)
    st.session_state[CHOSEN] = NOW if chosen is None else chosen  # step 0 is a choice, not "nothing chosen"


def model_at(experiment: Experiment, step: int | None):
    """The model as it was at `step` (the trainer's snapshot), or None for the model as it is now."""
    return None if step is None else experiment.trainer.model_at(step)


def shown_step(experiment: Experiment, step: int | None) -> int:
    """The training step the views show: the chosen snapshot's, or the current one."""
    return experiment.step if step is None else step
