"""One sequence as the recurrence reads it, step by step: the Hidden states and Unrolled views, and the
prefix the lesson pages work along."""

from __future__ import annotations

import torch

from rnnviz.choices import readable
from rnnviz.insight.connectivity import prefix_inputs
from rnnviz.nn.predict import model_input, predict
from rnnviz.nn.trace import Trace, trace
from rnnviz.views.labels import labels_for

MAX_UNROLLED = 12  # more steps than this get too narrow to read on a projector


def sequence_trace(experiment, source: str = "prefix", model=None, max_steps: int | None = None):
    """A Trace of one sequence, its step labels and the prefix length (None for a training sample).

    source "prefix": the learner's prefix followed by the model's greedy continuation;
    source "sample": a fixed window of the training data, with its targets (so gradients are traced too).
    """
    model = model or experiment.model
    ds = experiment.dataset
    if source == "sample":
        seq_len = experiment.config.seq_len if max_steps is None else min(experiment.config.seq_len, max_steps)
        inputs, targets = ds.batch(1, seq_len, torch.Generator().manual_seed(experiment.config.seed))
        if max_steps is not None:  # datasets of fixed-length items ignore seq_len
            inputs, targets = inputs[:, :max_steps], targets[:, :max_steps]
        result = trace(model, inputs, targets)
        items = inputs[0].tolist() if ds.is_tokens else ds.from_model(inputs[0, :, 0])
        return result, labels_for(ds, items), None
    config = experiment.config
    n = config.predict_len
    prefix_len = len(ds.parse_prefix(config.prefix))
    if max_steps is not None:
        n = max(1, min(n, max_steps - prefix_len))
    prediction = predict(model, ds, config.prefix, n=n)
    items = list(prediction.prefix) + list(prediction.generated)
    if max_steps is not None:
        items = items[:max_steps]
    inputs = model_input(ds, items)
    return trace(model, inputs), labels_for(ds, items), min(prefix_len, len(items))


def step_outputs(ds, result: Trace, k: int = 3) -> list[str]:
    """What y_t says at each step of a traced sequence: the top-k next symbols, or the predicted value."""
    outputs = result.outputs[0]
    if not ds.is_tokens:
        return [f"{v:.2f}" for v in ds.from_model(outputs[:, 0])]
    probs = torch.softmax(outputs.float(), dim=-1)
    values, ids = probs.topk(min(k, probs.shape[-1]), dim=-1)
    return ["<br>".join(f"{readable(ds.symbols[int(i)])} {p:.0%}" for p, i in zip(row_p, row_i))
            for row_p, row_i in zip(values, ids)]


def hidden_bound(experiment) -> float | None:
    """The colour range of hidden states: ±1 for tanh-bounded cells, open for relu."""
    return None if experiment.config.cell == "rnn" and experiment.config.nonlinearity == "relu" else 1.0


def prefix_steps(experiment) -> tuple:
    """The current prefix as model input [1, T(, 1)] and the label of each step."""
    ds = experiment.dataset
    inputs = prefix_inputs(ds, experiment.config.prefix)
    items = inputs[0].tolist() if ds.is_tokens else ds.from_model(inputs[0, :, 0])
    return inputs, labels_for(ds, items)
