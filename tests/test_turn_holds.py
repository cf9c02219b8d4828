"""No Step press, sweep slice, gradient-profile slice or side-by-side slice holds a training turn longer than
about a second, and a comparison never holds more than one.

Each works in slices that take a turn and give it back (TrainingTurns records the longest hold). Measured here
with the heaviest settings the budget allows; the bound is scaled by how busy the machine is just now, since
the machine may be shared. The figures are printed (pytest -s).
"""

import time

import pandas as pd
import torch
from test_budget import slowdown

from rnnviz.compare import Comparison
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.insight.memory_sweep import GradientProfiles, LagSweep, gradient_profiles
from rnnviz.serving.budget import largest_allowed
from rnnviz.serving.live_comparison import LiveComparison
from rnnviz.serving.sessions import SESSIONS
from rnnviz.serving.turns import CROWD_SEEN_SECONDS, TURNS, TrainingTurns
from ui import sweep_job
from ui.workers import redraw_scale, train_now

ABOUT_A_SECOND = 1.0


def setup_module() -> None:
    """torch's one-time costs (its optimizers import torch._dynamo) come before the measurements, as the app
    pays them at start-up (serving.warm_up.warm_up_optimizers)."""
    Experiment(defaults_for("recall")).train(1)


def measured(work) -> float:
    TURNS.longest_hold = 0.0
    work()
    return TURNS.longest_hold


def test_a_lag_sweep_gives_its_turn_back_after_every_slice():
    torch.set_num_threads(1)
    sweep = LagSweep("recall", [10, 80], cells=("rnn", "lstm"), steps=400, budget=6, stop_at=None)

    def run() -> None:
        slices = 0
        while not sweep.finished:
            assert sweep_job.advance(sweep) is not None  # no one else wants a turn here
            slices += 1
        assert slices > len(sweep.runs)  # it really was cut into slices

    longest = measured(run)
    print(f"lag sweep: longest hold {longest:.2f} s")
    assert len(sweep.table()) == 4 and longest < ABOUT_A_SECOND * slowdown()


def test_gradient_profiles_at_the_longest_lag_give_their_turn_back_after_every_slice():
    torch.set_num_threads(1)
    job = GradientProfiles("recall", 160, steps=3)  # the page's longest lag (pages/memory.py)

    def run() -> None:
        slices = 0
        while not job.finished:
            assert sweep_job.advance(job) is not None
            slices += 1
        assert slices > 1  # sliced: the whole job never ran in one turn

    longest = measured(run)
    print(f"gradient profiles at lag 160: longest hold {longest:.2f} s")
    at_once = gradient_profiles("recall", 160, steps=3)  # slicing changes nothing but who waits
    pd.testing.assert_frame_equal(job.table(), at_once)
    assert longest < ABOUT_A_SECOND * slowdown()


class CountedTurns(TrainingTurns):
    """Training turns that remember who took one, and the most held at once."""

    def __init__(self):
        super().__init__(max_concurrent=3)
        self.owners, self.most = set(), 0

    def try_turn(self, owner, timeout: float = 0.0) -> bool:
        granted = super().try_turn(owner, timeout)
        if granted:
            self.owners.add(owner)
            self.most = max(self.most, self.active)
        return granted


def test_side_by_side_trains_beside_the_page_one_turn_at_a_time():
    torch.set_num_threads(1)
    base = largest_allowed(defaults_for("counting"), "batch_size", 256)  # the plain RNN at the budget's edge
    going = Comparison.of_kind("clipping", base)
    turns = CountedTurns()  # room for three at once: the comparison still takes one
    live = LiveComparison(going, turns)
    assert live.step_to(8)
    deadline = time.monotonic() + 120
    while live.running and time.monotonic() < deadline:
        live.seen()  # the page still looks
        time.sleep(0.05)
    print(f"side by side, batch {base.batch_size}: longest hold {turns.longest_hold:.2f} s")
    assert [e.step for e in going.experiments] == [8, 8] and live.published.step == 8
    assert turns.owners == {live.owner} and turns.most == 1
    assert turns.longest_hold < 1.5 * ABOUT_A_SECOND * slowdown()


def test_a_step_press_on_the_heaviest_allowed_model_holds_a_turn_about_a_second_at_most():
    torch.set_num_threads(1)
    heaviest = largest_allowed(defaults_for("counting").replace(cell="lstm"), "batch_size", 256)
    experiment = Experiment(heaviest)
    longest = measured(lambda: train_now(experiment, 30, max_seconds=8))
    print(f"Step on an LSTM at batch {heaviest.batch_size}: {experiment.step} steps, longest hold {longest:.2f} s")
    assert experiment.step > 0 and longest < 1.5 * ABOUT_A_SECOND * slowdown()


def test_a_class_training_at_once_slows_the_pages_redraws_down():
    assert redraw_scale(1, 2) == redraw_scale(2, 2) == 1  # a learner per turn: every view at its own rate
    assert redraw_scale(3, 2) == 2 and redraw_scale(30, 2) == 16 and redraw_scale(30, 1) == 32
    # From the server now: its open sessions, or those training and waiting in line (alike), if more.
    owners = [f"learner {index}" for index in range(3 * TURNS.max_concurrent)]
    held = [owner for owner in owners if TURNS.try_turn(owner)]
    try:
        assert len(held) == TURNS.max_concurrent
        open_now = SESSIONS.seen_within(CROWD_SEEN_SECONDS)
        assert redraw_scale() == redraw_scale(max(3 * TURNS.max_concurrent, open_now)) >= 4
    finally:
        for owner in owners:
            TURNS.release(owner)
    assert redraw_scale() == redraw_scale(SESSIONS.seen_within(CROWD_SEEN_SECONDS))
