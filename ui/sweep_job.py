"""The memory page's lag sweep as a job of short slices: each slice takes a training turn and gives it back.

A sweep trains up to thirty small models; run in one go it would hold a turn for a minute while the rest of
the class waited. Here a timed fragment advances it about SLICE_SECONDS at a time
(rnnviz.insight.memory_sweep.LagSweep), so other sessions get their turns between slices, and Pause or Stop
act within a slice. Every st.session_state key of this module starts with "sweep_".
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.errors import InputError
from rnnviz.insight.memory_sweep import LagSweep
from rnnviz.serving.turns import TURNS

JOB, PAUSED = "sweep_job", "sweep_paused"
SLICE_SECONDS = 0.25  # one slice's work: well under the second a turn may be held
INTERVAL = 0.3  # seconds between slices: the gap in which other sessions take their turns


def job() -> tuple | None:
    """(settings, sweep) of the sweep in progress, or None."""
    return st.session_state.get(JOB)


def start(settings, task: str, lags, cells, steps: int, budget: float) -> str | None:
    """Begin a sweep for `settings` (a new one replaces any other); the refusal's message, if any."""
    try:
        sweep = LagSweep(task, lags, cells, steps=steps, budget=budget)
    except InputError as error:
        return str(error)
    st.session_state[JOB] = (settings, sweep)
    st.session_state[PAUSED] = False
    return None


def stop() -> None:
    st.session_state.pop(JOB, None)


def _toggle_pause() -> None:
    st.session_state[PAUSED] = not st.session_state.get(PAUSED, False)


def owner(sweep: LagSweep) -> tuple[str, int]:
    return ("memory_sweep", id(sweep))


def advance(sweep: LagSweep, max_seconds: float = SLICE_SECONDS) -> bool | None:
    """One slice under a training turn: None if no turn was free (the sweep keeps its place in line),
    else whether a run finished in it."""
    with TURNS.turn(owner(sweep)) as granted:
        if not granted:
            return None
        return sweep.advance(max_seconds) is not None


def progress_text(sweep: LagSweep, names: dict) -> str:
    done, total = len(sweep.rows), len(sweep.runs)
    text = f"{done} of {total} runs done"
    if sweep.rows:
        row = sweep.rows[-1]
        text += (f"; last: {names[row['cell']]} at lag {row['lag']} reached {row['headline']:.0%} "
                 f"in {row['steps']} steps")
    if sweep.current is not None:
        run = sweep.current.experiment
        text += f" · now {names[run.config.cell]} at lag {run.config.lag}, step {run.step}"
    return text


def _stop_keeping(finished: Callable[[object], None]) -> None:
    """Stop: end the sweep now and hand on the runs it finished."""
    kept = job()
    stop()
    if kept is not None and kept[1].rows:
        finished(kept[1].table())


def live(settings, names: dict, finished: Callable[[object], None]) -> None:
    """While a sweep for `settings` runs: its progress, Pause/Resume and Stop, one slice per tick.
    `finished(table)` is called with the results when it ends or is stopped (the rows done so far)."""
    current = job()
    if current is None or current[0] != settings:
        return

    @st.fragment(run_every=INTERVAL)
    def sweep_views() -> None:
        kept = job()
        if kept is None or kept[0] != settings:
            return
        sweep = kept[1]
        waiting = False
        if not st.session_state.get(PAUSED, False):
            moved = advance(sweep)
            waiting = moved is None
            if sweep.finished:
                stop()
                finished(sweep.table())
                st.rerun()
            if moved:
                st.rerun()  # a run finished: the page redraws the chart with its point
        first, second, third = st.columns([6, 1, 1], vertical_alignment="center")
        state = "Paused" if st.session_state.get(PAUSED, False) else (
            "Waiting for a training turn" if waiting else "Sweeping")
        first.progress(len(sweep.rows) / len(sweep.runs), text=f"**{state}** · {progress_text(sweep, names)}")
        second.button("Resume" if st.session_state.get(PAUSED, False) else "Pause", key="sweep_pause",
                      on_click=_toggle_pause, width="stretch")
        # A callback, so the press acts before this run's slice (which may rerun the page and drop the press).
        third.button("Stop", key="sweep_stop", width="stretch", on_click=_stop_keeping, args=(finished,),
                     help="End the sweep now and keep the runs it finished.")

    sweep_views()
