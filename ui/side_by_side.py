"""Side by side: two or three models trained in lockstep on the same data and seed (rnnviz.compare).

They live apart from the session's own experiment, and every st.session_state key of this module starts
with "compare_". They train beside the page, in one background worker (rnnviz.serving.live_comparison) that
takes one training turn at a time; the page's fragments only draw what it publishes. One thing trains at a
time: starting these pauses the sidebar's model, and the sidebar's model training pauses these.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.compare import KINDS as COMPARE_KINDS
from rnnviz.compare import Comparison
from rnnviz.errors import InputError
from rnnviz.serving.capacity import check_room
from rnnviz.serving.live_comparison import ComparisonPublished, LiveComparison, live_comparison, worker_of

from .keeper import hold
from .state import experiment, is_running, pause, say, session_key
from .workers import CHART_INTERVAL, SLOW_INTERVAL, redraw_scale, timed_run, worker

COMPARE, COMPARE_KIND, COMPARE_STEPS = "compare_comparison", "compare_kind", "compare_step_count"
STATUS_COLUMNS = [1, 5]  # who the status line is about, and the line: one line per model, each named


def comparison() -> Comparison | None:
    """This session's side-by-side models, built on first use from the sidebar's settings (None if refused)."""
    if COMPARE not in st.session_state:
        build_comparison(st.session_state.get(COMPARE_KIND, "cells"))
    return st.session_state.get(COMPARE)


def build_comparison(kind: str) -> str | None:
    """New side-by-side models of `kind` from the sidebar's current settings; the refusal's message, if any."""
    replaced = st.session_state.get(COMPARE)
    try:
        going = Comparison.of_kind(kind, experiment().config)
        check_room(going.experiments, replacing=replaced.experiments if replaced is not None else ())
    except InputError as error:
        return str(error)
    if worker_of(replaced) is not None:
        worker_of(replaced).stop()  # its worker never trains again; the keeper lets its models go with the session
    st.session_state[COMPARE] = going
    hold(session_key(), going.experiments)
    return None


def compare_worker(going: Comparison) -> LiveComparison:
    """`going`'s background trainer, which pauses by itself while the sidebar's model trains."""
    live = live_comparison(going)
    sidebar = worker(experiment())
    live.keep_going = lambda: not sidebar.running  # one thing trains at a time
    return live


def compare_running() -> bool:
    """Whether the side-by-side models are training (or waiting for a turn to)."""
    going = st.session_state.get(COMPARE)
    return bool(worker_of(going) is not None and worker_of(going).running)


def _compare_rebuild() -> None:
    message = build_comparison(st.session_state.get(COMPARE_KIND, "cells"))
    say(message or "Side by side: new models from the sidebar's settings, ready to train.",
        "error" if message else "info")


def _compare_toggle() -> None:
    """Train side by side / Pause (which also ends a press of Step half-way)."""
    going = comparison()
    if going is None:
        return
    live = compare_worker(going)
    if live.running:
        live.pause()
    elif live.start():
        pause()  # one thing trains at a time


def _compare_step() -> None:
    """Step: train every model this many steps, beside the page like Train (Pause stops it half-way)."""
    going = comparison()
    if going is not None and compare_worker(going).step_to(int(st.session_state.get(COMPARE_STEPS, 10))):
        pause()  # one thing trains at a time


def compare_controls(going: Comparison | None) -> None:
    """What to compare, Train side by side / Pause, Step and Rebuild, in one row."""
    if is_running() and compare_running():
        worker_of(going).pause()  # the sidebar's Train was pressed: it has the machine now
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


def _compare_losses(shown: ComparisonPublished) -> str:
    parts = []
    for model in shown.models:
        if model.diverged:
            parts.append(f"{model.label}: diverged at step {model.rows[-1]['step'] + 1 if model.rows else 1}")
        elif model.rows:
            parts.append(f"{model.label}: loss {model.rows[-1]['loss']:.4g}")
    return " · ".join(parts) or "not trained yet"


def _status(shown: ComparisonPublished) -> str:
    if shown.state == "waiting":
        line = f"number {shown.place} in line" if shown.place > 0 else "next in line"
        state = f":material/hourglass_top: Waiting for a turn ({line})"
    else:
        state = {"training": "Training", "diverged": "Stopped"}.get(shown.state, "Paused")
    target = f" of {shown.target}" if shown.target is not None and shown.state != "paused" else ""
    return f"**{state}** · step {shown.step}{target} · " + _compare_losses(shown)


def live_views(draw: Callable[[Comparison, ComparisonPublished], None], prefix: str, trains: bool = True) -> None:
    """Draw `draw(comparison, published)` from what the side-by-side worker last published, in a fragment that
    redraws every CHART_INTERVAL while they train (with `trains`: the status line too, and the page redrawn
    when they stop), or every SLOW_INTERVAL (without). Each redraw tells the worker the page still looks,
    and which `prefix` to continue."""
    interval = CHART_INTERVAL if trains else SLOW_INTERVAL

    @st.fragment(run_every=interval * redraw_scale() if compare_running() else None)
    def compare_views() -> None:
        going = comparison()
        if going is None:
            return
        live = compare_worker(going)
        live.seen(prefix)
        shown = live.published
        if trains:
            if timed_run() and not live.running:
                st.rerun(scope="app")  # they stopped (Step done, all diverged, the sidebar's model took over)
            with st.container(key="compare_status"):
                who, line = st.columns(STATUS_COLUMNS, vertical_alignment="center")
                who.markdown("**These models**")
                line.markdown(_status(shown))
        draw(going, shown)

    compare_views()
