"""The data behind each view, computed from an Experiment: what the pages draw, with no Streamlit here.

Pages stay thin (read the session, call these, hand the results to `rnnviz.charts`), and
everything a page shows can be checked in a unit test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from rnnviz.charts.style import readable
from rnnviz.nn.predict import Prediction, model_input, predict
from rnnviz.nn.trace import Trace, mean_loss, trace
from rnnviz.nn.train import clip_scale

SAMPLING_SEED = 0  # a fixed seed, so a sampled continuation only changes when the model does
MAX_UNROLLED = 12  # more steps than this get too narrow to read on a projector


def labels_for(ds, items) -> list[str]:
    """What each input step reads, as a learner sees it: a symbol, or a value to two decimals."""
    if ds.is_tokens:
        return [readable(s) for s in ds.decode(items)]
    return [f"{float(v):.2f}" for v in items]


def prediction_labels(ds, prediction: Prediction) -> list[str]:
    """Labels for every hidden state of a prediction: the prefix, then each generated item read back in."""
    return labels_for(ds, list(prediction.prefix) + list(prediction.generated))


def split_text(ds, prediction: Prediction) -> tuple[str, str]:
    """Prediction.text cut into the part the learner typed and the part the model wrote."""
    typed = ds.format(list(prediction.prefix))
    if prediction.text.startswith(typed):
        return typed, prediction.text[len(typed):]
    return typed, prediction.text  # a format that does not start with the prefix: show it all as written


def live_prediction(experiment, prefix: str | None = None, n: int | None = None, model=None) -> Prediction:
    """The continuation shown while training; sampled with a fixed seed so it only moves when the model does."""
    return experiment.predict(prefix, n=n, model=model, generator=torch.Generator().manual_seed(SAMPLING_SEED))


@dataclass(frozen=True)
class Strip:
    """The recurrence on the prefix, for the live unrolled strip: h_t of the top layer, what x_t read and
    what y_t says most likely comes next, step by step."""

    hidden: object  # tensor [num_layers, T, H]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    prefix_len: int | None


@torch.no_grad()
def strip_of(experiment, prediction, max_steps: int = MAX_UNROLLED) -> Strip:
    """The first `max_steps` steps of the prefix and its continuation as the recurrence sees them: h_t of
    every layer, x_t, and y_t's most likely next symbol (or the value it predicts)."""
    ds, model = experiment.dataset, experiment.model
    hidden = prediction.hidden[:, :max_steps]
    outputs = model.head(hidden[-1].to(model.device)).float().cpu()
    if ds.is_tokens:
        probs, ids = torch.softmax(outputs, dim=-1).max(dim=-1)
        said = [f"{readable(ds.symbols[int(i)])} {float(p):.0%}" for p, i in zip(probs, ids)]
    else:
        said = [f"{value:.2f}" for value in ds.from_model(outputs[:, 0])]
    inputs = prediction_labels(ds, prediction)[:max_steps]
    return Strip(hidden=hidden, inputs=tuple(inputs), outputs=tuple(said),
                 prefix_len=min(len(prediction.prefix), hidden.shape[1]))


def samples(experiment, prefix: str, n: int, temperature: float, count: int, seed: int = 0,
            model=None) -> list[Prediction]:
    """`count` continuations of the prefix, each drawn with its own seed (all the same at temperature 0), by
    `model` (an earlier snapshot) or the current one."""
    return [predict(model or experiment.model, experiment.dataset, prefix, n=n, temperature=temperature,
                    generator=torch.Generator().manual_seed(seed + k)) for k in range(count)]


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


def _finite(entry: dict) -> bool:
    return all(bool(torch.isfinite(torch.as_tensor(entry[key])).all()) for key in ("grad_norms", "grad_norms_last"))


def latest_gradients(experiment, step: int | None = None) -> dict | None:
    """The latest logged batch whose gradients are all finite (at or before `step`, when given): after an
    explosion the views show the last batch that could still be measured."""
    for entry in reversed(experiment.trainer.gradient_log):
        if (step is None or entry["step"] <= step) and _finite(entry):
            return entry
    return None


def parameter_name(name: str) -> str:
    """PyTorch's parameter name in the textbook's words: rnn.weight_hh_l0 → W_hh layer 1."""
    if name.startswith("rnn."):
        kind, _, layer = name[4:].rpartition("_l")
        words = {"weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh"}
        return f"{words.get(kind, kind)} layer {int(layer) + 1}" if layer.isdigit() else name
    return {"head.weight": "W_hy (head)", "head.bias": "b_y (head)",
            "embedding.weight": "embedding"}.get(name, name)


def parameter_grad_norms(experiment) -> list[dict]:
    """‖∂L/∂W‖ of each weight on the latest training batch, before and after clipping.

    Computed afresh with autograd.grad, so the trainer's own gradients and weights are untouched.
    """
    trainer = experiment.trainer
    if trainer.last_batch is None:
        return []
    if trainer.diverged:
        return logged_weight_gradients(experiment)
    inputs, targets, state = trainer.last_batch
    model = experiment.model
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    with torch.enable_grad():
        outputs, _ = model(inputs, state)
        loss = mean_loss(model, outputs, targets)
        grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
    norms = [0.0 if g is None else float(g.norm()) for g in grads]
    total = math.sqrt(sum(n * n for n in norms))
    clip = trainer.clip
    scale = clip_scale(total, clip)
    rows = [{"name": parameter_name(name), "before": norm, "after": norm * scale}
            for (name, _), norm in zip(named, norms)]
    return rows if all(math.isfinite(row["before"]) for row in rows) else logged_weight_gradients(experiment)


def logged_weight_gradients(experiment, step: int | None = None) -> list[dict]:
    """Each weight's gradient as the trainer logged it at the latest finite logged batch (at or before `step`)."""
    for entry in reversed(experiment.trainer.gradient_log):
        weights = entry.get("weights")
        if (step is None or entry["step"] <= step) and weights and all(
                math.isfinite(w["before"]) and math.isfinite(w["after"]) for w in weights):
            return [{**w, "name": parameter_name(w["name"])} for w in weights]
    return []


def visible_text(ds, text: str) -> str:
    """Character data written with its spaces and newlines visible (a row of spaces is a real answer)."""
    if ds.is_tokens and getattr(ds, "separator", " ") == "":
        return "".join(readable(char) for char in text)
    return text


def milestone_table(experiment, current: str | None = None) -> pd.DataFrame:
    """The continuation of the prefix before training and at the saved steps since, plus now."""
    ds = experiment.dataset
    rows = [{"after step": "0 (before)" if step == 0 else str(step), "continuation": visible_text(ds, text)}
            for step, text in experiment.milestones()]
    steps = experiment.trainer.snapshot_steps()
    if current is not None and experiment.step not in steps:
        rows.append({"after step": f"{experiment.step} (now)", "continuation": visible_text(ds, current)})
    return pd.DataFrame(rows, columns=["after step", "continuation"])


def milestones_frame(ds, milestones, step: int, current: str | None = None, last: int = 3) -> pd.DataFrame:
    """The continuation before training, at the `last` latest weight snapshots, and now, from the
    (step, continuation) pairs a training worker published (rnnviz.serving.live.Published.milestones)."""
    shown = list(milestones[:1]) + list(milestones[1:][-last:])
    rows = [{"after step": "0 (before)" if at == 0 else str(at), "continuation": visible_text(ds, text)}
            for at, text in shown]
    if current is not None and step not in {at for at, _ in milestones}:
        rows.append({"after step": f"{step} (now)", "continuation": visible_text(ds, current)})
    return pd.DataFrame(rows, columns=["after step", "continuation"])


def status_text(shown, device: str) -> str:
    """One line on where training stands, from what the training worker published (rnnviz.serving.live.Published):
    step, latest loss, steps per wall-clock second (waits for a turn and drawing included), device."""
    parts = [f"step {shown.step}"]
    if shown.loss is not None:
        parts.append(f"loss {shown.loss:.4g}")
    if shown.steps_per_second is not None and shown.state in ("training", "waiting"):
        parts.append(f"{shown.steps_per_second:.0f} steps/s")
    parts.append(f"on {device}")
    if shown.warning and not shown.diverged:
        parts.append("⚠ the gradient norm is growing fast: it may blow up (see Gradients)")
    return " · ".join(parts)
