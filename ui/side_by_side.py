"""Side by side: two or three models trained in lockstep on the same data and seed (rnnviz.compare).

They live apart from the session's own experiment, and every st.session_state key of this module starts
with "compare_". One thing trains at a time: starting these pauses the sidebar's model, and pressing the
sidebar's Train pauses these.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import streamlit as st

from rnnviz.compare import KINDS as COMPARE_KINDS
from rnnviz.compare import Comparison
from rnnviz.errors import InputError

from .keeper import hold
from .state import experiment, is_running, pause, say, session_key
from .training import SLOW_INTERVAL, TICK_INTERVAL, TICK_SECONDS, model_lock, train_tick

COMPARE, COMPARE_RUNNING = "compare_comparison", "compare_running"
COMPARE_KIND, COMPARE_STEPS = "compare_kind", "compare_step_count"
COMPARE_TARGET = "compare_target"  # the step a Step press trains to, tick by tick; absent while Train runs freely
STATUS_COLUMNS = [1, 5]  # who the status line is about, and the line: one line per model, each named


def comparison() -> Comparison | None:
    """This session's side-by-side models, built on first use from the sidebar's settings (None if refused)."""
    if COMPARE not in st.session_state:
        build_comparison(st.session_state.get(COMPARE_KIND, "cells"))
    return st.session_state.get(COMPARE)


def build_comparison(kind: str) -> str | None:
    """New side-by-side models of `kind` from the sidebar's current settings; the refusal's message, if any."""
    try:
        st.session_state[COMPARE] = going = Comparison.of_kind(kind, experiment().config)
    except InputError as error:
        return str(error)
    hold(session_key(), going.experiments)
    st.session_state[COMPARE_RUNNING] = False
    return None


def compare_running() -> bool:
    return bool(st.session_state.get(COMPARE_RUNNING, False))


def _compare_rebuild() -> None:
    message = build_comparison(st.session_state.get(COMPARE_KIND, "cells"))
    say(message or "Side by side: new models from the sidebar's settings, ready to train.",
        "error" if message else "info")


def _compare_toggle() -> None:
    going = comparison()
    if going is None or len(going.diverged) == len(going.entries):
        return
    st.session_state[COMPARE_RUNNING] = not compare_running()
    st.session_state.pop(COMPARE_TARGET, None)  # Pause also ends a Step press half-way; Train runs on freely
    if compare_running():
        pause()  # one thing trains at a time


def compare_tick(going: Comparison, max_seconds: float = TICK_SECONDS) -> int:
    """One bounded chunk of side-by-side training: every model the same number of steps, each under its lock and
    its own training turn (so no turn is held longer than its share of the tick and one step); towards a Step
    press's target, if one is set."""
    steps = going.steps_for(max_seconds)
    target = st.session_state.get(COMPARE_TARGET)
    if target is not None:
        steps = min(steps, target - going.step)
    if steps > 0:
        going.train(steps, max_seconds=max_seconds, train=train_tick)
    return going.step


def _compare_step() -> None:
    """Step: train every model this many steps, tick by tick like Train (Pause stops it half-way)."""
    going = comparison()
    if going is None:
        return
    st.session_state[COMPARE_TARGET] = going.step + int(st.session_state.get(COMPARE_STEPS, 10))
    st.session_state[COMPARE_RUNNING] = True
    pause()  # one thing trains at a time


def compare_controls(going: Comparison | None) -> None:
    """What to compare, Train side by side / Pause, Step and Rebuild, in one row."""
    if is_running() and compare_running():
        st.session_state[COMPARE_RUNNING] = False  # the sidebar's Train was pressed: it has the machine now
        st.session_state.pop(COMPARE_TARGET, None)
    kinds = list(COMPARE_KINDS)
    first, second, third, fourth, fifth = st.columns([3, 2, 2, 1, 2], vertical_alignment="bottom")
    first.selectbox("Compare", kinds, key=COMPARE_KIND, persist_state="session",
                    format_func=lambda kind: COMPARE_KINDS[kind][0], on_change=_compare_rebuild,
                    help="Each model is the sidebar's settings with this one thing changed.")
    dead = going is None or len(going.diverged) == len(going.entries)
    second.button("Pause" if compare_running() else "Train side by side", key="compare_toggle", type="primary",
                  on_click=_compare_toggle, disabled=dead, width="stretch")
    third.number_input("Steps", min_value=1, max_value=5000, step=10, value=50, key=COMPARE_STEPS,
                       persist_state="session")
    fourth.button("Step", key="compare_step", on_click=_compare_step, disabled=dead, width="stretch",
                  help="Train every model this many steps now.")
    fifth.button("Rebuild", key="compare_rebuild", on_click=_compare_rebuild, width="stretch",
                 help="New models from the sidebar's current settings, trained from scratch.")


def _compare_losses(going: Comparison) -> str:
    parts = []
    for entry in going.entries:
        trainer = entry.experiment.trainer
        if trainer.diverged:
            parts.append(f"{entry.label}: diverged at step {trainer.step + 1}")
        elif trainer.rows:
            parts.append(f"{entry.label}: loss {trainer.rows[-1]['loss']:.4g}")
    return " · ".join(parts) or "not trained yet"


def live_comparison(draw: Callable[[Comparison], None], trains: bool = True) -> None:
    """Like `drawing.live`, for the side-by-side models: with `trains`, draw then train one tick every
    TICK_INTERVAL; without, only redraw every SLOW_INTERVAL."""
    interval = TICK_INTERVAL if trains else SLOW_INTERVAL

    @st.fragment(run_every=interval if compare_running() and not is_running() else None)
    def compare_views() -> None:
        going = comparison()
        if going is None:
            return
        if trains:
            state = "Training" if compare_running() else "Paused"
            with st.container(key="compare_status"):
                who, line = st.columns(STATUS_COLUMNS, vertical_alignment="center")
                who.markdown("**These models**")
                line.markdown(f"**{state}** · step {going.step} · " + _compare_losses(going))
        with contextlib.ExitStack() as locks:
            for model in going.experiments:
                locks.enter_context(model_lock(model))
            draw(going)
        if trains and compare_running() and not is_running():
            step = compare_tick(going)
            target = st.session_state.get(COMPARE_TARGET)
            if len(going.diverged) == len(going.entries) or (target is not None and step >= target):
                st.session_state[COMPARE_RUNNING] = False
                st.session_state.pop(COMPARE_TARGET, None)
                st.rerun()

    compare_views()
