"""Export as code: a standalone PyTorch script (standalone.py beside it, filled in) and the weights it loads, zipped.

The script holds the model's sizes, the training settings and the training data as Python literals,
so it runs with torch and safetensors alone. Streams (counting, text, sine, a CSV column) and the
three sentences go in whole and are batched exactly as the app batches them; datasets whose items
are drawn fresh every batch (the memory tasks, the many-to-one lesson) go in as a fixed sample.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import torch

from rnnviz.files import checkpoint

TEMPLATE = Path(__file__).with_name("standalone.py")
SAMPLE_ITEMS = 512  # items drawn for a dataset that makes fresh ones every batch
SAMPLE_SEED = 12_345


def _rows(tensor: torch.Tensor) -> list:
    if tensor.is_floating_point():
        tensor = tensor.squeeze(-1) if tensor.ndim == 3 else tensor
        return [[None if v != v else float(v) for v in row] for row in tensor.tolist()]
    return tensor.tolist()


def data_literal(ds, batch_size: int, seq_len: int) -> dict:
    """What the script needs of the data: symbols or scale, and the training data as lists."""
    data: dict = {"kind": "tokens" if ds.is_tokens else "values"}
    if ds.is_tokens:
        data.update(symbols=list(ds.symbols), separator=ds.separator)
    else:
        data.update(center=float(ds.center), scale=float(ds.scale))
    items = getattr(ds, "items", None)
    if items is not None:  # the three sentences: every item, split as TokenDataset.batch splits them
        data.update(inputs=items[:, :-1].tolist(), targets=items[:, 1:].tolist())
    elif getattr(ds, "fixed_length", False):  # fresh items every batch: a fixed sample of them
        inputs, targets = ds.batch(SAMPLE_ITEMS, seq_len, torch.Generator().manual_seed(SAMPLE_SEED))
        data.update(inputs=_rows(inputs), targets=_rows(targets), sampled=True)
    elif ds.is_tokens and all(len(s) == 1 for s in ds.symbols):
        data["text"] = "".join(ds.symbols[i] for i in ds.stream.tolist())  # 1 character a token: far shorter
    else:
        data["stream"] = ds.stream.tolist()
    return data


def settings_literal(experiment, weights_name: str) -> dict:
    config, model = experiment.config, experiment.model
    settings = model.settings()
    settings.update(lr=experiment.trainer.lr, optimizer=config.optimizer, batch_size=experiment.trainer.batch_size,
                    seq_len=experiment.trainer.seq_len, clip=experiment.trainer.clip or 0.0, seed=config.seed,
                    carry_state=bool(config.carry_state), step=experiment.step, prefix=config.prefix,
                    predict_len=config.predict_len, temperature=config.temperature, weights=weights_name)
    return settings


def script_text(experiment, weights_name: str) -> str:
    """The standalone script for this experiment, loading its weights from `weights_name` beside it."""
    source = TEMPLATE.read_text(encoding="utf-8")
    name = script_filename(experiment)
    settings = settings_literal(experiment, weights_name)
    data = data_literal(experiment.dataset, settings["batch_size"], settings["seq_len"])
    filled = source.replace("SETTINGS: dict = {}", f"SETTINGS: dict = {settings!r}", 1)
    filled = filled.replace("DATA: dict = {}", f"DATA: dict = {data!r}", 1)
    return filled.replace("{script}", name)


def script_filename(experiment) -> str:
    return Path(checkpoint.export_filename(experiment)).with_suffix(".py").name.replace("-", "_")


def code_zip(experiment) -> bytes:
    """A .zip with the script and the weights (the same .safetensors the app exports), ready to run."""
    weights_name = checkpoint.export_filename(experiment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(script_filename(experiment), script_text(experiment, weights_name))
        archive.writestr(weights_name, checkpoint.export_bytes(experiment))
    return buffer.getvalue()


def zip_filename(experiment) -> str:
    return Path(checkpoint.export_filename(experiment)).with_suffix(".zip").name.replace(".zip", "-code.zip")
