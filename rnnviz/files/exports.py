"""What a learner can take home: the training history as CSV and the traced arrays behind the views as .npz.

The model itself is exported by `rnnviz.files.checkpoint` (a .safetensors file that loads back).
The .npz holds numbers and text only, so `numpy.load(path)` opens it without `allow_pickle`:

    settings             the Config that built the model, as JSON text
    step                 the training step the arrays were traced at
    prefix_error         only when the prefix cannot be read: why (and the prefix arrays are left out)
    labels               [T] what each step reads: the prefix, then the model's own greedy continuation
    prefix_len           how many of those T steps are the prefix
    hidden               [layers, T, hidden_size]  h_t of every layer (the hidden-state heatmaps)
    cell                 [layers, T, hidden_size]  the LSTM's cell state c_t (LSTM only)
    gate_<name>          [layers, T, hidden_size]  each gate; for a plain RNN the pre-activation a_t
    outputs              [T, outputs]  the logits (or predicted values) after each step
    sample_labels        [S] a training window, the one the views' "training sample" shows
    sample_hidden        [layers, S, hidden_size]
    sample_grad_norms    [layers, S]  ‖∂L/∂h_t‖ for the whole loss on that window (the gradient views)
    sample_grad_norms_last [layers, S]  the same for the last step's loss only
    sample_loss          the loss on that window
"""

from __future__ import annotations

import io
import json

import numpy as np

from rnnviz.errors import InputError
from rnnviz.views.sequence import sequence_trace

TRACE_STEPS = 400  # the longest sequence traced for a download (the views show fewer)


def history_csv(experiment) -> str:
    """The training history, one row per step: step, loss, grad_norm, grad_norm_clipped, lr, seconds, val_loss."""
    return experiment.trainer.history.to_csv(index=False)


def history_filename(experiment) -> str:
    return f"rnnviz-{experiment.config.dataset}-history-step{experiment.step}.csv"


def traced_filename(experiment) -> str:
    return f"rnnviz-{experiment.config.dataset}-traces-step{experiment.step}.npz"


def _arrays(prefix: str, result, labels) -> dict[str, np.ndarray]:
    arrays = {f"{prefix}labels": np.array(labels, dtype=str),
              f"{prefix}hidden": result.hidden[:, 0].numpy()}
    if result.cell is not None:
        arrays[f"{prefix}cell"] = result.cell[:, 0].numpy()
    for name, values in result.gates.items():
        arrays[f"{prefix}gate_{name}"] = values[:, 0].numpy()
    arrays[f"{prefix}outputs"] = result.outputs[0].numpy()
    return arrays


def traced_arrays(experiment) -> bytes:
    """The arrays the views draw, traced now from the current model, as .npz bytes (see the module docstring).

    A prefix the model cannot read leaves the prefix arrays out and says why in `prefix_error`.
    """
    arrays = {"settings": np.array(json.dumps(experiment.config.to_dict())), "step": np.array(experiment.step)}
    try:
        result, labels, prefix_len = sequence_trace(experiment, "prefix", max_steps=TRACE_STEPS)
    except InputError as error:
        arrays["prefix_error"] = np.array(str(error))
    else:
        arrays.update(prefix_len=np.array(prefix_len), **_arrays("", result, labels))
    sample, sample_labels, _ = sequence_trace(experiment, "sample", max_steps=TRACE_STEPS)
    arrays.update(_arrays("sample_", sample, sample_labels))
    arrays["sample_grad_norms"] = sample.grad_norms.numpy()
    arrays["sample_grad_norms_last"] = sample.grad_norms_last.numpy()
    arrays["sample_loss"] = np.array(sample.loss)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()
