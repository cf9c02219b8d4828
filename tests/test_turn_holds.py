"""No sweep, side-by-side tick or Step press holds a training turn longer than about a second.

Each works in slices that take a turn and give it back (limits.TURNS records the longest hold). Measured here
with the heaviest settings the budget allows; the bound is scaled by how busy the machine is just now, since
the machine may be shared. The figures are printed (pytest -s).
"""

import torch
from test_budget import slowdown

from rnnviz.compare import Comparison
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.insight.memory_sweep import LagSweep
from rnnviz.serving.budget import largest_allowed
from rnnviz.serving.turns import TURNS
from ui import sweep_job
from ui.training import TICK_SECONDS, train_now, train_tick

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


def test_side_by_side_ticks_give_the_turn_back_between_models():
    torch.set_num_threads(1)
    base = largest_allowed(defaults_for("counting"), "batch_size", 256)  # the plain RNN at the budget's edge
    going = Comparison.of_kind("clipping", base)

    def run() -> None:
        while going.step < 30:
            going.train(going.steps_for(TICK_SECONDS), max_seconds=TICK_SECONDS, train=train_tick)

    longest = measured(run)
    print(f"side by side, batch {base.batch_size}: longest hold {longest:.2f} s")
    assert longest < 1.5 * ABOUT_A_SECOND * slowdown()


def test_a_step_press_on_the_heaviest_allowed_model_holds_a_turn_about_a_second_at_most():
    torch.set_num_threads(1)
    heaviest = largest_allowed(defaults_for("counting").replace(cell="lstm"), "batch_size", 256)
    experiment = Experiment(heaviest)
    longest = measured(lambda: train_now(experiment, 30, max_seconds=8))
    print(f"Step on an LSTM at batch {heaviest.batch_size}: {experiment.step} steps, longest hold {longest:.2f} s")
    assert experiment.step > 0 and longest < 1.5 * ABOUT_A_SECOND * slowdown()
