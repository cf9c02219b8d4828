"""The work one training step, trace or prediction may cost on a shared server, estimated from the sizes.

Each setting is bounded on its own (rnnviz.config), but their product is not: the largest of each together
would hold the server for minutes and gigabytes on one step (docs/benchmarks.md). `estimate` prices a Config from
its sizes alone (no model is built), and `over_budget` says, in the learner's words, what is too much.

Seconds are seconds of one core of a small server (the coefficients were fitted on one thread of this
project's shared 2-core machine and rounded up); megabytes are what the step adds to the server's
memory, plus what the session keeps between steps (weights, optimizer moments, weight snapshots).
A host with bigger machines raises both with one setting, RNNVIZ_STEP_BUDGET (a multiple, default 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from rnnviz.choices import GATE_COUNT, LAGGED, MAX_SNAPSHOT_BYTES, MAX_SNAPSHOTS, MAX_SYMBOLS, TRACE_BATCH

BUDGET_SETTING = "RNNVIZ_STEP_BUDGET"
STEP_SECONDS = 1.0  # the worst training step (with its gradient trace and validation), at budget 1
STEP_MEGABYTES = 256.0  # one session's memory while it takes that step, at budget 1

# The cost model, fitted on one torch thread (see tests/test_budget.py, which checks it against measurements).
FLOPS_PER_SECOND = 15e9  # matrix work with many rows (a big batch) on one core
SKINNY_ROWS = 16  # with few rows a product runs at rows / (rows + this) of that speed (measured: 8 rows, a third)
FUSED_STEP_SECONDS = 150e-6  # per layer and time step, forward and backward, beyond the matrix work
GATE_SECONDS = 40e-9  # per gate value (item, step, layer, unit), forward and backward: the elementwise work
TRACE_STEP_SECONDS = {"rnn": 400e-6, "lstm": 800e-6, "gru": 800e-6}  # the replay, step by step, per layer
TRACE_GROWTH = 2000  # the replay's autograd slows as the graph grows: × (1 + layer-steps / this)
PREDICT_STEP_SECONDS = 300e-6  # one generated (or warm-up) token, per layer
ACTIVATION_COPIES = 2.0  # the fused kernels keep every gate of every step for backward, and its gradient
TRACE_COPIES = 3.0  # the replay keeps every gate, state and autograd node of its few items
MB = 2**20


def budget_factor() -> float:
    """RNNVIZ_STEP_BUDGET: how many times the default budget this server allows (a host's setting)."""
    try:
        factor = float(os.environ.get(BUDGET_SETTING, "1"))
    except ValueError:
        return 1.0
    return factor if factor > 0 else 1.0


@dataclass(frozen=True)
class Shape:
    """The sizes that set the work: batch, time steps, input width, output width."""

    batch: int
    steps: int
    inputs: int
    outputs: int
    tokens: bool = True


@lru_cache(maxsize=64)
def _built(name: str, lag: int):
    from rnnviz.datasets import load_dataset  # torch: imported on the first price, so Config stays torch-free

    return load_dataset(name, lag=lag) if name in LAGGED else load_dataset(name)


def shape(config) -> Shape:
    """A batch's shape under `config`, from the dataset's facts (a built dataset is cached; text is not built)."""
    if config.dataset == "text":
        vocab = max(1, min(len(set(config.text)), MAX_SYMBOLS))
        width = config.embedding_dim or vocab
        return Shape(config.batch_size, config.seq_len, width, vocab)
    if config.dataset == "csv":
        return Shape(config.batch_size, config.seq_len, 1, 1, tokens=False)
    ds = _built(config.dataset, config.lag)
    width = (config.embedding_dim or ds.input_size) if ds.is_tokens else ds.input_size
    items = getattr(ds, "items", None)
    batch, steps = config.batch_size, config.seq_len
    if config.dataset in LAGGED:  # a memory task: the lag sets the length
        steps = ds.seq_len
    elif items is not None:  # fixed items (sentences): a batch is at most every item, at their length
        batch, steps = min(batch, items.shape[0]), items.shape[1] - 1
    return Shape(batch, steps, width, ds.output_size, tokens=ds.is_tokens)


@dataclass(frozen=True)
class Estimate:
    """What a Config costs: seconds of one core and megabytes, for the worst step, a trace and a prediction."""

    step_seconds: float  # one training step, alone
    trace_seconds: float  # the gradient trace a step takes every so often (Trainer.trace_every)
    predict_seconds: float  # warming up on the prefix and predicting predict_len more
    step_megabytes: float  # what a step adds to memory while it runs (activations, gradients, the trace)
    kept_megabytes: float  # what the session holds between steps: weights, gradients, Adam's moments, snapshots

    @property
    def worst_step_seconds(self) -> float:
        """A step that also traces and validates: the longest a step holds a training turn."""
        return self.step_seconds * 4 / 3 + self.trace_seconds

    @property
    def megabytes(self) -> float:
        return self.step_megabytes + self.kept_megabytes


def parameters(config, shape_: Shape) -> int:
    gates, hidden = GATE_COUNT[config.cell], config.hidden_size
    count = shape_.outputs * (hidden + 1)
    if config.embedding_dim and shape_.tokens:
        count += shape_.outputs * config.embedding_dim  # the embedding table, vocabulary by width
    for layer in range(config.num_layers):
        width = shape_.inputs if layer == 0 else hidden
        count += gates * hidden * (width + hidden + 2)
    return count


def _seconds(flops: float, rows: int) -> float:
    return flops / (FLOPS_PER_SECOND * rows / (rows + SKINNY_ROWS))


def estimate(config) -> Estimate:
    """Price `config` from its sizes: nothing is built but a small dataset's facts."""
    s = shape(config)
    trace_batch, max_snapshots, max_snapshot_bytes = TRACE_BATCH, MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES
    gates, hidden, layers = GATE_COUNT[config.cell], config.hidden_size, config.num_layers
    cells = s.batch * s.steps  # (item, time step) pairs in a batch
    layer_steps = layers * s.steps
    # Multiply-adds ×2 for one item at one time step, forward: every layer's gates, then the output head.
    flops = 2 * (hidden * s.outputs + sum(gates * hidden * ((s.inputs if layer == 0 else hidden) + hidden)
                                          for layer in range(layers)))
    step = (_seconds(3 * cells * flops, s.batch) + layer_steps * FUSED_STEP_SECONDS
            + cells * layers * hidden * gates * GATE_SECONDS)  # forward, and backward at twice its work
    traced = min(trace_batch, s.batch)  # forward, and two backward passes (∂L and ∂L_T)
    trace = (_seconds(5 * traced * s.steps * flops, traced)
             + layer_steps * TRACE_STEP_SECONDS[config.cell] * (1 + layer_steps / TRACE_GROWTH))
    tokens = len(config.prefix) + config.predict_len  # one item, one step at a time
    predict = tokens * (_seconds(flops, 1) + layers * PREDICT_STEP_SECONDS)
    weights = parameters(config, s) * 4
    per_cell = 4 * (layers * hidden * (gates + 2) + s.inputs + 3 * s.outputs)  # bytes kept per (item, step)
    step_bytes = ACTIVATION_COPIES * cells * per_cell + TRACE_COPIES * traced * s.steps * per_cell
    snapshots = max(3, min(max_snapshots, max_snapshot_bytes // max(weights, 1)))
    kept = weights * (4 + snapshots)  # weights, gradients, two Adam moments, and the snapshots
    return Estimate(step, trace, predict, step_bytes / MB, kept / MB)


WORK_KNOBS = {"batch_size": "batch size", "seq_len": "sequence length", "lag": "lag", "hidden_size": "hidden size",
              "num_layers": "layers", "embedding_dim": "embedding size", "predict_len": "prediction length",
              "cell": "cell (an RNN is the cheapest)"}


def over_budget(config, defaults=None, factor: float | None = None) -> str | None:
    """None if `config` fits this server's budget per step; else what is too much and what to lower."""
    factor = budget_factor() if factor is None else factor
    seconds, megabytes = STEP_SECONDS * factor, STEP_MEGABYTES * factor
    cost = estimate(config)
    worst = max(cost.worst_step_seconds, cost.predict_seconds)
    if worst <= seconds and cost.megabytes <= megabytes:
        return None
    problems = []
    if cost.worst_step_seconds > seconds:
        problems.append(f"one training step (with its gradient trace) would take about {cost.worst_step_seconds:.1f} s")
    if cost.predict_seconds > seconds:
        problems.append(f"a prediction would take about {cost.predict_seconds:.1f} s")
    if cost.megabytes > megabytes:
        problems.append(f"the model and one step would need about {cost.megabytes:,.0f} MB")
    lower = _what_to_lower(config, defaults, cost, seconds)
    return (f"Too much work for this server: {' and '.join(problems)}, over its budget of {seconds:g} s and "
            f"{megabytes:,.0f} MB per step ({BUDGET_SETTING}={factor:g}). Lower {lower}.")


def _what_to_lower(config, defaults, cost: Estimate, seconds: float) -> str:
    """The work knobs set above their lesson defaults, biggest first (each with its value)."""
    if cost.predict_seconds > seconds and cost.worst_step_seconds <= seconds:
        return f"the prediction length ({config.predict_len}) or the prefix"
    raised = []
    for name, label in WORK_KNOBS.items():
        value, usual = getattr(config, name), getattr(defaults, name, None) if defaults is not None else None
        if name == "cell":
            if value != "rnn" and value != usual:
                raised.append((2.0, f"the {label}"))
            continue
        memory_task = config.dataset in LAGGED  # the lag sets their length, not seq_len
        if name == "predict_len" or (name == "lag" and not memory_task) or (name == "seq_len" and memory_task):
            continue
        ratio = value / usual if usual else float(value)
        if ratio > 1:
            raised.append((ratio, f"{label} ({value})"))
    raised.sort(key=lambda item: -item[0])
    names = [text for _, text in raised] or ["the batch size, sequence length, hidden size or layers"]
    return ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]


def largest_allowed(config, name: str, high: int, factor: float | None = None):
    """`config` with the whole-number setting `name` as large as the budget allows (up to `high`), or None if even
    1 is too much: the heaviest link of a kind, for the load test and the tests."""
    low, best = 1, None
    while low <= high:
        middle = (low + high) // 2
        candidate = config.replace(**{name: middle})
        if over_budget(candidate, factor=factor) is None:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best
