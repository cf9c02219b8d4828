"""One table per fact: Config's field groups give every "which settings" list, the torch modules take their names
and limits from rnnviz.config, and importing the settings does not import torch."""

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import torch

from rnnviz.choices import (
    CELL_CHOICES,
    CELL_NAMES,
    CELLS,
    DEVICE_CHOICES,
    GATE_COUNT,
    LAGGED,
    MAX_LAG,
    MAX_SYMBOLS,
    MAX_TEXT,
    OPTIMIZERS,
    cell_label,
    readable,
)
from rnnviz.config import FLAGS, GROUPS, LIMITS, NEW_MODEL, WIDGETS, Config, in_groups
from rnnviz.config.defaults import DATASET_NAMES
from rnnviz.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def test_every_field_has_one_known_group():
    for item in fields(Config):
        assert item.metadata["group"] in GROUPS, item.name
    assert sorted(name for group in GROUPS for name in in_groups(group)) == sorted(f.name for f in fields(Config))
    with pytest.raises(ValueError):
        in_groups("widgets")


def test_the_derived_lists_are_the_ones_written_by_hand_before():
    from rnnviz import cli, compare, experiment
    from rnnviz.files import checkpoint
    from ui import state

    assert experiment.MODEL_SETTINGS == ("dataset", "text", "series", "cell", "nonlinearity", "hidden_size",
                                         "num_layers", "embedding_dim", "forget_bias", "optimizer", "seed", "device",
                                         "lag")
    assert NEW_MODEL == experiment.MODEL_SETTINGS
    assert compare.DATA_SETTINGS == ("dataset", "text", "series", "seed", "lag")
    assert set(checkpoint.DATA_FIELDS) == {"dataset", "text", "series", "lag", "prefix"}
    # The comparison is rebuilt for the same settings as before, and now for the embedding size too (a link can
    # change it; before, the comparison kept its old embedding silently).
    assert set(compare.BUILT_FROM) == {"dataset", "text", "series", "seed", "lag", "cell", "nonlinearity",
                                       "hidden_size", "num_layers", "lr", "optimizer", "clip", "batch_size",
                                       "seq_len", "forget_bias", "carry_state", "embedding_dim"}
    assert state.WIDGET_FIELDS == {**{name: name for name in (
        "dataset", "text", "lag", "hidden_size", "num_layers", "forget_bias", "seed", "device", "optimizer", "lr",
        "batch_size", "seq_len", "clip", "carry_state")}, "step_count": "steps"}
    assert cli.TRAIN_FLAGS == FLAGS == {
        "cell": "cell", "nonlinearity": "nonlinearity", "hidden": "hidden_size", "layers": "num_layers",
        "lr": "lr", "optimizer": "optimizer", "batch_size": "batch_size", "seq_len": "seq_len", "clip": "clip",
        "steps": "steps", "seed": "seed", "device": "device", "prefix": "prefix", "predict": "predict_len",
        "temperature": "temperature", "lag": "lag", "embedding": "embedding_dim"}
    assert set(WIDGETS.values()) <= {f.name for f in fields(Config)}


def test_every_flag_is_one_the_command_line_takes():
    from rnnviz.cli import build_parser

    args = build_parser().parse_args(["train"])
    assert all(hasattr(args, flag) for flag in FLAGS)


def test_the_torch_modules_use_the_config_tables():
    from rnnviz.datasets import DATASETS, MAX_TEXT_CHARS
    from rnnviz.datasets import MAX_SYMBOLS as DATA_MAX_SYMBOLS
    from rnnviz.datasets.memory_tasks import MEMORY_TASKS
    from rnnviz.nn import device, model, train

    assert tuple(model.CELLS) == CELLS and tuple(train.OPTIMIZERS) == OPTIMIZERS
    assert device.DEVICE_CHOICES == DEVICE_CHOICES
    assert tuple(DATASETS) == DATASET_NAMES and set(MEMORY_TASKS) == LAGGED
    assert MAX_TEXT_CHARS == MAX_TEXT and DATA_MAX_SYMBOLS == MAX_SYMBOLS
    for cell in CELLS:  # PyTorch stacks one weight block per gate
        module = model.CELLS[cell](3, 5)
        assert module.weight_hh_l0.shape[0] == GATE_COUNT[cell] * 5


def test_the_library_refuses_a_lag_the_app_would_not_allow():
    from rnnviz.datasets import load_dataset

    assert LIMITS["lag"][2] == MAX_LAG
    assert load_dataset("recall", lag=MAX_LAG).lag == MAX_LAG
    for name in sorted(LAGGED):
        with pytest.raises(InputError, match=str(MAX_LAG)):
            load_dataset(name, lag=MAX_LAG + 1)


def test_one_name_for_each_cell():
    assert CELL_CHOICES == {"RNN (tanh)": ("rnn", "tanh"), "RNN (relu)": ("rnn", "relu"), "LSTM": ("lstm", "tanh"),
                            "GRU": ("gru", "tanh")}
    assert all(cell_label(*pair) == label for label, pair in CELL_CHOICES.items())
    assert set(CELL_NAMES) == set(CELLS)
    assert [readable(c) for c in " \n\ta"] == ["␣", "↵", "⇥", "a"]


def test_clip_scale_is_what_torch_clips_by():
    from rnnviz.nn.train import clip_scale

    for norm, clip in ((10.0, 1.0), (0.5, 1.0), (3.0, 3.0)):
        weight = torch.nn.Parameter(torch.zeros(4))
        weight.grad = torch.full((4,), norm / 2)  # a norm of `norm`
        torch.nn.utils.clip_grad_norm_([weight], clip)
        assert float(weight.grad.norm()) == pytest.approx(norm * clip_scale(norm, clip), rel=1e-6)
    assert clip_scale(10.0, None) == clip_scale(10.0, 0.0) == 1.0


def test_model_input_is_one_batch_for_tokens_and_values():
    from rnnviz.datasets import load_dataset
    from rnnviz.nn.predict import model_input

    counting, sine = load_dataset("counting"), load_dataset("sine")
    assert model_input(counting, [1, 2, 3]).tolist() == [[1, 2, 3]]
    values = model_input(sine, [0.0, 0.5])
    assert values.shape == (1, 2, 1) and values[0, :, 0].tolist() == pytest.approx(sine.to_model([0.0, 0.5]).tolist())


def test_the_settings_and_lessons_load_without_torch():
    code = ("import sys, rnnviz.config, rnnviz.lessons\n"
            "from rnnviz.config import Config, defaults_for\n"
            "from rnnviz.lessons import LESSONS\n"
            "assert LESSONS['L0'].config == defaults_for('counting')\n"
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
