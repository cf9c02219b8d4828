"""A model file brings its history back: loss rows, gradient log and the snapshots that fit."""

import json

import pytest
import safetensors.torch
import torch

from rnnviz.charts import loss_figure
from rnnviz.config import defaults_for
from rnnviz.datasets.uploads import MAX_UPLOAD_BYTES
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.files import saved_history
from rnnviz.files.checkpoint import METADATA_KEY, export_bytes, load_into_experiment, read_checkpoint


@pytest.fixture(scope="module")
def trained():
    experiment = Experiment(defaults_for("counting").replace(hidden_size=16, num_layers=2))
    experiment.train(120)
    return experiment


def parts(data):
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    return safetensors.torch.load(data), header["__metadata__"][METADATA_KEY]


def test_an_import_brings_back_the_loss_gradients_and_snapshots(trained):
    data = export_bytes(trained)
    assert len(data) <= MAX_UPLOAD_BYTES  # loadable in the app
    restored, _ = load_into_experiment(data)
    old, new = trained.trainer, restored.trainer
    assert new.history["step"].tolist() == old.history["step"].tolist()
    for column in ("loss", "grad_norm", "grad_norm_clipped", "lr", "val_loss"):
        assert new.history[column].to_numpy() == pytest.approx(old.history[column].to_numpy(), rel=1e-6, nan_ok=True)
    assert [e["step"] for e in new.gradient_log] == [e["step"] for e in old.gradient_log]
    for mine, theirs in zip(new.gradient_log, old.gradient_log):
        assert mine["grad_norms"].shape == theirs["grad_norms"].shape
        assert mine["grad_norms_last"] == pytest.approx(theirs["grad_norms_last"], rel=1e-6)
    # Every saved snapshot, and the loaded weights at step 120 (a snapshot of their own).
    assert new.snapshot_steps() == sorted(set(old.snapshot_steps()) | {120})
    before = dict(trained.milestones())  # the continuation after each snapshot, step 0 included
    assert {step: text for step, text in restored.milestones() if step in before} == before
    # The same loss curve, as the chart draws it.
    assert loss_figure(new.history).to_dict()["data"] == loss_figure(old.history).to_dict()["data"]
    restored.train(2)
    assert restored.trainer.history["step"].tolist()[-3:] == [120, 121, 122]


def test_the_history_fits_the_budget_thinning_evenly_and_dropping_snapshots_first(trained):
    tight = saved_history.history_tensors(trained.trainer, 0, budget=4000)
    assert not any(name.startswith("snapshot.") for name in tight)
    steps = tight[saved_history.STEPS].tolist()
    assert 2 <= len(steps) < 120 and steps[0] == 1 and steps[-1] == 120
    assert sum(t.numel() * t.element_size() for t in tight.values()) <= 4000


def test_a_model_too_big_for_the_app_keeps_its_loss_curve():
    big = Experiment(defaults_for("counting").replace(hidden_size=512))
    big.train(3)
    restored = read_checkpoint(export_bytes(big))
    assert [row["step"] for row in restored.history.rows] == [1, 2, 3]
    assert list(restored.history.snapshots) == []  # 1 MB each: none fit


@pytest.mark.parametrize("damage, words", [
    (lambda t: t.update({"history.rows": t["history.rows"][:, :3].contiguous()}), "wrong shape"),
    (lambda t: t["history.rows"].__setitem__((0, 0), -1.0), "negative"),
    (lambda t: t["history.steps"].__setitem__(0, 10**6), "rise from 0"),
    (lambda t: t.pop("history.steps"), "missing"),
    (lambda t: t.update({"snapshot.0.head.oops": torch.zeros(2)}), "unexpected"),
    (lambda t: t.update({"snapshot.0.head.bias": torch.zeros(3)}), "does not fit"),
    (lambda t: t.update({"history.grad_norms": t["history.grad_norms"][:, :1].contiguous()}), "layers"),
])
def test_a_damaged_history_is_refused_with_a_reason(trained, damage, words):
    tensors, metadata = parts(export_bytes(trained))
    damage(tensors)
    with pytest.raises(InputError) as caught:
        read_checkpoint(safetensors.torch.save(tensors, metadata={METADATA_KEY: metadata}))
    assert words in str(caught.value) and "saved history" in str(caught.value)


def test_a_file_without_history_still_loads(trained):
    tensors, metadata = parts(export_bytes(trained))
    model_only, _ = saved_history.split(tensors)
    restored, _ = load_into_experiment(safetensors.torch.save(model_only, metadata={METADATA_KEY: metadata}))
    assert restored.trainer.rows == [] and restored.trainer.snapshot_steps() == [120]


def test_the_restored_history_and_the_model_are_named_as_learners_say_them(trained):
    restored, _ = load_into_experiment(export_bytes(trained))
    text = saved_history.describe_restored(restored.trainer)
    assert text.startswith("120 steps of loss, ") and "earlier weight snapshots" in text
    assert saved_history.describe_restored(Experiment(defaults_for("sentences")).trainer) == ""
