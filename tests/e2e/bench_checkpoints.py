"""Benchmark of the checkpoint writer (not a test): run `.venv/bin/python -m tests.e2e.bench_checkpoints`.

Does keeping a model in the store slow its training? A one-thread trainer on lesson L0's settings trains in slices
under the model's lock, as the app's worker does, for ROUND_SECONDS at a time, in turns: bare (nothing watching),
then with a Checkpoints writer watching it every 10 s (the app's setting), then every 1 s (a stress setting), and
so on ROUNDS times. Each watched round's rate is set against the bare rounds either side of it, since the machine's
speed drifts within a minute; the median ratio is printed (target: >= 0.98 at 10 s). The store is a SQLite file in
a temporary folder, or the Redis at RNNVIZ_STORE when that names one.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import torch

from rnnviz.experiment import Experiment, model_lock
from rnnviz.lessons import LESSONS
from rnnviz.serving.checkpoints import Checkpoints
from rnnviz.serving.store import open_store

ROUND_SECONDS, ROUNDS = 12.0, 5  # a round spans at least one 10 s write
SLICE_STEPS = 10
SETTINGS = {"every 10 s": 10.0, "every 1 s": 1.0}


def steps_per_second(experiment, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        with model_lock(experiment):
            done += len(experiment.train(SLICE_STEPS))
    return done / (time.perf_counter() - started)


def main() -> None:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(os.environ.get("RNNVIZ_STORE", ""), folder)
        print(f"store: {store.describe()}; L0 settings; {ROUNDS} rounds of {ROUND_SECONDS:g} s each")
        experiment = Experiment(LESSONS["L0"].config)
        steps_per_second(experiment, 2.0)  # warm up: the optimizer's first build, the allocator
        ratios: dict[str, list[float]] = {name: [] for name in SETTINGS}
        writes: dict[str, int] = dict.fromkeys(SETTINGS, 0)
        before = steps_per_second(experiment, ROUND_SECONDS)
        for round_number in range(ROUNDS):
            for name, every in SETTINGS.items():
                checkpoints = Checkpoints(store, every_seconds=every)
                checkpoints.watch("bench", experiment)
                watched = steps_per_second(experiment, ROUND_SECONDS)
                checkpoints.close()
                writes[name] += checkpoints.writes
                after = steps_per_second(experiment, ROUND_SECONDS)
                ratio = watched / ((before + after) / 2)
                ratios[name].append(ratio)
                print(f"round {round_number + 1} {name}: bare {before:.1f} / watched {watched:.1f} / bare "
                      f"{after:.1f} steps/s -> {ratio:.3f}; problem: {checkpoints.problem}")
                before = after
        for name in SETTINGS:
            print(f"{name}: median ratio {statistics.median(ratios[name]):.3f} "
                  f"(rounds {', '.join(f'{r:.3f}' for r in ratios[name])}); {writes[name]} records written; "
                  f"record {len(store.get('bench') or b''):,} bytes at step {experiment.step:,}")
        store.close()


if __name__ == "__main__":
    main()
