"""The memory page's lag sweep and gradient profiles as jobs of short slices: each slice takes a training turn
and gives it back.

A sweep trains up to thirty small models, and the profiles three at a long lag; run in one go either would hold
the server for a minute while the rest of the class waited. Here a timed fragment advances each about
SLICE_SECONDS at a time (rnnviz.insight.memory_sweep.LagSweep, GradientProfiles), so other sessions get their
turns between slices, and Pause or Stop act within a slice. Every st.session_state key of this module starts
with "sweep_".
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from rnnviz.errors import InputError
from rnnviz.insight.memory_sweep import GradientProfiles, LagSweep
from rnnviz.serving.turns import TURNS

JOB, PAUSED = "sweep_job", "sweep_paused"
PROFILES_JOB = "sweep_profiles_job"  # (settings, GradientProfiles) being traced
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


def owner(job: LagSweep | GradientProfiles) -> tuple[str, int]:
    return ("memory_sweep", id(job))


def advance(job: LagSweep | GradientProfiles, max_seconds: float = SLICE_SECONDS) -> bool | None:
    """One slice under a training turn: None if no turn was free (the job keeps its place in line),
    else whether a run (or a cell's profile) finished in it."""
    with TURNS.turn(owner(job)) as granted:
        if not granted:
            return None
        return job.advance(max_seconds) is not None


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
    """While a sweep for `settings` runs: its progress, Pause/Resume and Stop, one slice per timed run.
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


def profiles(settings, make: Callable[[], GradientProfiles], names: dict,
             finished: Callable[[pd.DataFrame], None]) -> pd.DataFrame:
    """The gradient profiles for `settings`, traced a slice per timed run by a job made with `make` (one that was
    tracing other settings is dropped), with its progress; the cells traced so far. `finished(table)` is
    called once every cell is traced."""
    current = st.session_state.get(PROFILES_JOB)
    if current is None or current[0] != settings:
        st.session_state[PROFILES_JOB] = current = (settings, make())
    job = current[1]

    @st.fragment(run_every=INTERVAL)
    def profile_progress() -> None:
        kept = st.session_state.get(PROFILES_JOB)
        if kept is None or kept[1] is not job:
            return
        moved = advance(job)
        if job.finished:
            st.session_state.pop(PROFILES_JOB, None)
            finished(job.table())
        if moved:
            st.rerun()  # a cell was traced: the page redraws the chart with its line
        state = "Waiting for a training turn" if moved is None else "Tracing"
        training = f" · {names[job.current.config.cell]}, step {job.current.step} of {job.steps}" \
            if job.current is not None and job.steps else ""
        st.progress(len(job.frames) / len(job.cells),
                    text=f"**{state}** · {len(job.frames)} of {len(job.cells)} cells traced{training}")

    profile_progress()
    return job.table()
