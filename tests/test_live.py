"""The training worker (rnnviz.serving.live), tested directly: AppTest never fires the page's timers, and the worker
is the one owner of a model while it trains. Waits here are for work done in the worker's thread."""

import dataclasses
import gc
import math
import time
import weakref

import pytest

from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment, model_lock
from rnnviz.serving.hosting import let_go, was_let_go
from rnnviz.serving.live import GRADIENT_SECONDS, SLICE_SECONDS, VIEW_SECONDS, live_training, pace, worker_of
from rnnviz.serving.published import Published
from rnnviz.serving.turns import TrainingTurns, crowd_factor


def small(**settings) -> Experiment:
    return Experiment(defaults_for("counting").replace(hidden_size=16, batch_size=8, **settings))


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.01)


@pytest.fixture
def turns():
    return TrainingTurns(max_concurrent=1)


def test_a_new_worker_publishes_the_untrained_models_views(turns):
    experiment = small()
    shown = live_training(experiment, turns).published
    assert worker_of(experiment) is live_training(experiment, turns)  # one worker per Experiment
    assert shown.state == "paused" and shown.step == 0 and shown.rows == ()
    assert shown.prefix == experiment.config.prefix and shown.refusal is None
    assert shown.prediction.text.startswith("2 3 4")
    assert shown.milestones == ((0, shown.prediction.continuation),)
    strip = shown.strip
    assert list(strip.inputs[:3]) == ["2", "3", "4"] and strip.prefix_len == 3
    assert len(strip.outputs) == len(strip.inputs) == strip.hidden.shape[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        shown.step = 5  # what the views read never changes under them


def test_train_runs_beside_the_caller_and_pause_holds_the_step_still(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    assert worker.start() and worker.running
    wait_for(lambda: worker.published.step >= 30 and worker.published.steps_per_second is not None)
    shown = worker.published
    assert shown.state == "training" and shown.steps_per_second > 0
    assert [row["step"] for row in shown.rows] == list(range(1, shown.step + 1))
    assert shown.latest_gradients is not None and shown.loss == shown.rows[-1]["loss"]
    worker.pause()
    stopped_at = experiment.step
    time.sleep(0.2)
    assert experiment.step == stopped_at and not worker.running
    assert worker.published.state == "paused" and worker.published.step == stopped_at
    assert turns.active == 0 and turns.place(worker.owner) == -1
    # The views show the model it stopped at, not the one of the last views made while training.
    assert worker.published.views_step == stopped_at


def test_steps_trains_exactly_that_many_now_and_publishes_them(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    assert worker.steps(12) == 12 and experiment.step == 12
    assert worker.published.step == 12 and len(worker.published.rows) == 12
    worker.start()
    before = experiment.step
    assert worker.steps(5) == 5 and worker.running  # training held still for the press, then went on
    wait_for(lambda: experiment.step > before + 5)
    worker.pause()
    assert experiment.step == worker.published.step


def test_a_new_prefix_is_continued_at_once_and_a_bad_one_says_why(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    worker.start()
    worker.update(experiment.config.replace(prefix="5 6"))
    shown = worker.published
    assert shown.prefix == "5 6" and shown.prediction.text.startswith("5 6")
    assert list(shown.strip.inputs[:2]) == ["5", "6"]
    worker.update(experiment.config.replace(prefix="x"))  # not a number of the counting data
    assert worker.published.prediction is None and worker.published.refusal
    wait_for(lambda: worker.published.step > 5)  # training went on through both
    worker.pause()


def test_the_same_settings_again_publish_nothing_new(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    worker.update(experiment.config.replace(prefix="5 6"))
    version = worker.published.version
    worker.update(experiment.config.replace(prefix="5 6"))  # the page's run after the feed applied it
    assert worker.published.version == version and worker.published.prefix == "5 6"


def test_a_page_holding_the_model_stops_training_until_it_lets_go(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    worker.start()
    wait_for(lambda: experiment.step > 3)
    with worker.holding():  # what a new prefix or setting does: the worker steps aside after its step
        held_at = experiment.step
        time.sleep(0.3)
        assert experiment.step == held_at
    wait_for(lambda: experiment.step > held_at)  # and trains on once the page is done
    worker.pause()


def test_the_step_gradients_stay_fresh_between_the_trainers_own_logs(turns):
    experiment = small()
    experiment.trainer.trace_every = 10_000  # the trainer itself logs only step 1
    worker = live_training(experiment, turns)
    worker.start()
    wait_for(lambda: (worker.published.latest_gradients or {}).get("step", 0) > 20)
    worker.pause()
    assert [entry["step"] for entry in experiment.trainer.gradient_log] == [1]  # the worker's traces are not logged
    fresh = worker.published.latest_gradients
    assert fresh["grad_norms"].shape == experiment.trainer.gradient_log[0]["grad_norms"].shape
    assert fresh["step"] <= worker.published.step


def test_settings_change_between_slices_without_corrupting_the_model(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    worker.start()
    for lr, batch in ((0.02, 4), (0.005, 12), (0.01, 8)):
        worker.update(experiment.config.replace(lr=lr, batch_size=batch, clip=1.0))
        reached = experiment.step
        wait_for(lambda reached=reached: experiment.step > reached + 2)
    worker.pause()
    assert experiment.trainer.lr == 0.01 and experiment.trainer.batch_size == 8 and experiment.trainer.clip == 1.0
    assert experiment.trainer.diverged is None
    assert all(math.isfinite(row["loss"]) for row in experiment.trainer.rows)


def test_a_session_waits_in_line_for_a_turn_and_then_trains(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    assert turns.try_turn("another session")
    worker.start()
    shown = worker.published
    assert shown.state == "waiting" and shown.place == 1 and shown.turns_active == 1 and shown.turns_max == 1
    time.sleep(0.2)
    assert experiment.step == 0  # no turn, no training
    turns.release("another session")
    wait_for(lambda: worker.published.step > 0 and worker.published.state == "training")
    worker.pause()
    assert turns.place(worker.owner) == -1


def test_pausing_while_waiting_gives_up_the_place_in_line(turns):
    experiment = small()  # the worker holds its Experiment weakly: the test keeps it
    worker = live_training(experiment, turns)
    assert turns.try_turn("another session")
    worker.start()
    time.sleep(0.1)  # the worker asks again meanwhile
    worker.pause()
    assert turns.place(worker.owner) == -1 and worker.published.state == "paused"


def test_divergence_stops_the_worker_and_it_stays_stopped(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    experiment.model.head.bias.data.fill_(math.nan)
    worker.start()
    wait_for(lambda: worker.published.state == "diverged")
    assert not worker.running and "Lower the learning rate" in worker.published.diverged
    assert worker.start() is False and worker.published.state == "diverged"
    assert turns.active == 0


def test_letting_a_session_go_stops_its_worker(turns):
    experiment = small()
    worker = live_training(experiment, turns)
    worker.start()
    wait_for(lambda: experiment.step > 0)
    with model_lock(experiment):  # as the keeper does
        let_go(experiment)
    wait_for(lambda: worker._thread is None)
    assert was_let_go(experiment) and not worker.running and worker.start() is False
    assert worker.published.rows == () and worker.published.prediction is None  # holds nothing of the model


def test_a_worker_whose_tab_is_gone_pauses_by_itself(turns):
    watched = [True]
    experiment = small()
    worker = live_training(experiment, turns, keep_going=lambda: watched[0])
    worker.start()
    wait_for(lambda: experiment.step > 0)
    watched[0] = False
    wait_for(lambda: not worker.running)
    assert worker.published.state == "paused"


class Crowded(TrainingTurns):
    """One turn, with `others` sessions standing in line besides the worker (places only, no threads)."""

    def __init__(self, others: int):
        super().__init__(max_concurrent=1)
        self.others = others

    @property
    def waiting(self) -> int:
        return super().waiting + self.others


def test_in_a_crowd_a_worker_trains_in_longer_slices_and_makes_its_views_less_often():
    assert pace(1) == (SLICE_SECONDS, VIEW_SECONDS, GRADIENT_SECONDS)  # one learner per turn: the full rate
    # 32 sessions on one turn: the page draws the views 32 times less often, slices are 4 times longer (the most).
    assert pace(32) == (4 * SLICE_SECONDS, 32 * VIEW_SECONDS, 32 * GRADIENT_SECONDS)
    for others, crowd in ((0, 1), (31, 32)):
        turns, experiment = Crowded(others), small()
        worker = live_training(experiment, turns)
        slices, views, made, slice_ = [], worker._views, [], worker._slice
        worker._slice = lambda *rhythm, slices=slices, slice_=slice_: slices.append(rhythm) or slice_(*rhythm)
        worker._views = lambda made=made, views=views: made.append(1) or views()
        worker.start()
        wait_for(lambda slices=slices: len(slices) >= 3)
        time.sleep(1.0)
        worker.pause()
        assert crowd_factor(line=turns) == crowd
        assert set(slices) == {pace(crowd)[::2]}  # each slice's length and gradient interval, at this crowd
        if crowd > 1:  # views at the start, then not again within 6.4 s
            assert len(made) <= 2


def test_published_loss_is_the_latest_rows():
    assert Published(version=1, state="paused", step=0).loss is None
    assert Published(version=1, state="paused", step=2, rows=({"loss": 3.0}, {"loss": 2.5})).loss == 2.5


def test_the_worker_goes_with_its_experiment_which_holds_no_worker():
    experiment = small()
    worker = live_training(experiment, TrainingTurns(max_concurrent=1))
    assert not hasattr(experiment, "live")  # the library knows nothing of serving: the worker is found by worker_of
    assert worker_of(experiment) is worker
    gone = weakref.ref(experiment)
    del experiment
    gc.collect()
    assert gone() is None and worker.experiment is None and not worker.start()
