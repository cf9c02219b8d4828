"""Model files: an export loads back to the same predictions; anything else is refused without running it."""

import io
import json
import os
import pickle

import pytest
import safetensors.torch
import torch

from rnnviz.config import DATASET_DEFAULTS, LIMITS, defaults_for
from rnnviz.datasets import MAX_SYMBOLS, MAX_TEXT_CHARS
from rnnviz.datasets.uploads import csv_config, series_from_csv
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.files.checkpoint import (
    MAX_CHECKPOINT_BYTES,
    METADATA_KEY,
    export_bytes,
    export_filename,
    load_checkpoint,
    load_into_experiment,
    read_checkpoint,
    save_checkpoint,
)


def trained(config, steps=15):
    experiment = Experiment(config)
    experiment.train(steps)
    return experiment


@pytest.fixture(scope="module")
def counting():
    return trained(defaults_for("counting").replace(hidden_size=32))


@pytest.fixture(scope="module")
def exported(counting):
    return export_bytes(counting)


def parts(data: bytes) -> tuple[dict, dict]:
    """The tensors and the decoded rnnviz metadata of a safetensors checkpoint."""
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    return safetensors.torch.load(data), json.loads(header["__metadata__"][METADATA_KEY])


def rebuilt(tensors: dict, metadata: dict) -> bytes:
    return safetensors.torch.save(tensors, metadata={METADATA_KEY: json.dumps(metadata)})


def refused(data, *words, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        read_checkpoint(data, **kwargs)
    message = str(caught.value)
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# -- a valid export ------------------------------------------------------------------------------
@pytest.mark.parametrize("config", [
    defaults_for("counting").replace(hidden_size=32),
    defaults_for("sentences"),
    defaults_for("sine"),
    defaults_for("shakespeare").replace(cell="lstm", num_layers=2, hidden_size=16, embedding_dim=8, forget_bias=1.0),
    defaults_for("counting").replace(cell="gru", hidden_size=24, clip=1.0, lr=0.003),
], ids=["counting", "sentences", "sine", "lstm-embedding", "gru"])
def test_an_export_reimports_to_the_same_predictions(config):
    experiment = trained(config)
    restored, notices = load_into_experiment(export_bytes(experiment))
    assert notices == []
    assert restored.config == experiment.config
    before, after = experiment.predict(), restored.predict()
    assert after.text == before.text
    if before.probs is not None:
        assert torch.equal(after.probs, before.probs)
    assert torch.equal(after.hidden, before.hidden)


def small_lesson(dataset):
    config = defaults_for(dataset).replace(temperature=0.0)
    if dataset == "text":
        config = config.replace(text="hello world, " * 10, prefix="hel", seq_len=20)
    if dataset == "csv":
        config = config.replace(series=", ".join(str(i % 7 - 2.5) for i in range(40)), prefix="1, 2")
    return config.replace(hidden_size=min(config.hidden_size, 16))


@pytest.mark.parametrize("dataset", sorted(DATASET_DEFAULTS))
def test_every_dataset_exports_and_reimports(dataset):
    experiment = trained(small_lesson(dataset), steps=3)
    restored, notices = load_into_experiment(export_bytes(experiment))
    assert notices == [] and restored.config == experiment.config
    assert restored.predict().text == experiment.predict().text


def test_a_loaded_model_trains_on_from_its_step(counting, exported):
    restored, _ = load_into_experiment(exported)
    assert restored.step == counting.step == 15
    # The saved snapshots come back (rnnviz.files.saved_history); the latest is the loaded weights, not a fresh init.
    assert restored.trainer.snapshot_steps() == [*counting.trainer.snapshot_steps(), 15]
    assert all(torch.equal(v, restored.model.state_dict()[k]) for k, v in restored.trainer.snapshots[15].items())
    rows = restored.train(3)
    assert [row["step"] for row in rows] == [16, 17, 18]
    pairs = zip(restored.model.parameters(), counting.model.parameters())
    assert all(mine.data_ptr() != theirs.data_ptr() for mine, theirs in pairs)  # a copy, not shared weights


def test_a_csv_series_model_carries_its_data(tmp_path):
    data = "when,level\n" + "\n".join(f"{i},{(i % 7) * 1.5 - 2}" for i in range(60))
    dataset = series_from_csv(data.encode(), column="level", seq_len=20)
    config, _ = csv_config(dataset)
    experiment = trained(config)
    path = save_checkpoint(experiment, tmp_path / export_filename(experiment))
    assert path.name.endswith(".safetensors") and "csv" in path.name
    restored, _ = load_into_experiment(path)
    assert torch.equal(restored.dataset.values, dataset.values)
    assert restored.predict().text == experiment.predict().text


def test_save_and_load_a_path(counting, tmp_path):
    path = save_checkpoint(counting, tmp_path / "model.safetensors")
    checkpoint = load_checkpoint(path)
    assert checkpoint.step == counting.step
    assert checkpoint.dataset["symbols"] == counting.dataset.symbols
    assert checkpoint.config.hidden_size == 32


def test_a_torch_save_dict_of_tensors_loads_with_weights_only(counting, exported):
    tensors, metadata = parts(exported)
    buffer = io.BytesIO()
    torch.save({"rnnviz": metadata, "state_dict": tensors}, buffer)
    restored, _ = load_into_experiment(buffer.getvalue(), filename="model.pt")
    assert restored.predict().text == counting.predict().text


def test_loading_for_other_data_checks_the_vocabulary(counting, exported):
    with pytest.raises(InputError, match="vocabulary does not match"):
        load_into_experiment(exported, data_config=defaults_for("sentences"))
    # The same vocabulary is fine: counting data of another seed.
    restored, _ = load_into_experiment(exported, data_config=defaults_for("counting").replace(seed=3))
    assert restored.config.seed == 0 and restored.dataset.symbols == counting.dataset.symbols


def test_a_text_model_refuses_text_with_other_symbols():
    experiment = trained(defaults_for("text").replace(text="abcabc abc " * 20, hidden_size=8, seq_len=10), steps=2)
    data = export_bytes(experiment)
    other = defaults_for("text").replace(text="xyz xyz " * 20, seq_len=10)
    with pytest.raises(InputError, match="never saw"):
        load_into_experiment(data, data_config=other)


def test_a_values_model_refuses_token_data():
    data = export_bytes(trained(defaults_for("sine"), steps=1))
    with pytest.raises(InputError, match="reads numbers"):
        load_into_experiment(data, data_config=defaults_for("counting"))


# -- malicious files: refused, and nothing in them runs ------------------------------------------
class CreatesAFile:
    """Unpickling this calls open(path, 'w'): code from the file, run by whoever loads it."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


class RunsAShellCommand:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_the_crafted_pickle_really_would_create_a_file(tmp_path):
    """The control: plain pickle.loads runs the payload, so the refusals below are real."""
    target = tmp_path / "control"
    pickle.loads(pickle.dumps(CreatesAFile(target)))
    assert target.exists()


@pytest.mark.parametrize("payload", [CreatesAFile, RunsAShellCommand])
@pytest.mark.parametrize("how", ["torch.save", "torch.save in a dict", "pickle protocol 2", "pickle protocol 0"])
def test_a_crafted_pickle_is_refused_and_creates_no_file(tmp_path, payload, how, exported):
    target = tmp_path / "pwned"
    evil = payload(target)
    if how == "torch.save":
        buffer = io.BytesIO()
        torch.save(evil, buffer)
        data = buffer.getvalue()
    elif how == "torch.save in a dict":
        tensors, metadata = parts(exported)
        buffer = io.BytesIO()
        torch.save({"rnnviz": metadata, "state_dict": {**tensors, "head.bias": evil}}, buffer)
        data = buffer.getvalue()
    else:
        data = pickle.dumps(evil, protocol=2 if how.endswith("2") else 0)
    path = tmp_path / "model.pt"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        load_checkpoint(path)
    with pytest.raises(InputError):
        load_into_experiment(data, filename="model.pt")
    assert not target.exists()
    assert "model.pt" in str(caught.value)


def test_a_pickled_module_is_refused(counting):
    buffer = io.BytesIO()
    torch.save(counting.model, buffer)  # a whole nn.Module: classes to import, so not weights only
    refused(buffer.getvalue(), "could run code")


def test_a_bare_state_dict_is_refused_with_a_reason(counting):
    buffer = io.BytesIO()
    torch.save(counting.model.state_dict(), buffer)
    refused(buffer.getvalue(), "not the settings")


# -- damaged and hostile files -------------------------------------------------------------------
@pytest.mark.parametrize("data, words", [
    (b"", ["empty"]),
    (b"hello, this is a text file\n", ["not a model file"]),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), ["not a model file"]),
    (b"PK\x03\x04" + bytes(60), ["damaged zip"]),
    ((10**6).to_bytes(8, "little") + b"{}", ["not a model file"]),
])
def test_files_that_are_not_checkpoints_are_refused(data, words):
    refused(data, *words)


def test_a_truncated_export_is_refused_wherever_it_is_cut(exported):
    for cut in (9, 50, len(exported) // 2, len(exported) - 1):
        refused(exported[:cut])


def test_a_corrupt_header_is_refused(exported):
    length = int.from_bytes(exported[:8], "little")
    end = 8 + exported[8:8 + length].rstrip().rfind(b"}")
    corrupt = exported[:end] + b"]" + exported[end + 1:]  # the header's closing brace made a bracket
    refused(corrupt, "damaged", "JSON")


def test_too_large_a_file_is_refused_before_it_is_read(tmp_path):
    refused(bytes(MAX_CHECKPOINT_BYTES + 1), "50 MB")
    path = tmp_path / "huge.safetensors"
    with open(path, "wb") as handle:  # sparse: the size is claimed, never written
        handle.truncate(MAX_CHECKPOINT_BYTES + 1)
    with pytest.raises(InputError, match="50 MB"):
        load_checkpoint(path)


def test_a_missing_tensor_is_refused(exported):
    tensors, metadata = parts(exported)
    del tensors["head.bias"]
    refused(rebuilt(tensors, metadata), "missing head.bias")


def test_an_extra_tensor_is_refused(exported):
    tensors, metadata = parts(exported)
    tensors["payload"] = torch.zeros(3)
    refused(rebuilt(tensors, metadata), "unexpected payload")


def test_a_shape_that_does_not_fit_the_settings_is_refused(exported):
    tensors, metadata = parts(exported)
    tensors["head.weight"] = torch.zeros(20, 64)
    refused(rebuilt(tensors, metadata), "head.weight", "[20, 32]")


@pytest.mark.parametrize("name, value, words", [
    ("hidden_size", 100_000, ["hidden_size", "1 to 512"]),
    ("hidden_size", True, ["hidden_size"]),
    ("num_layers", 0, ["num_layers"]),
    ("vocab_size", 10**6, ["vocab_size"]),
    ("cell", "transformer", ["cell"]),
    ("nonlinearity", "sigmoid", ["nonlinearity"]),
    ("forget_bias", 1e300, ["forget_bias"]),
])
def test_settings_outside_the_limits_are_refused(exported, name, value, words):
    tensors, metadata = parts(exported)
    metadata["model"][name] = value
    refused(rebuilt(tensors, metadata), *words)


def test_settings_that_disagree_with_the_training_settings_are_refused(exported):
    tensors, metadata = parts(exported)
    metadata["config"]["hidden_size"] = 64
    refused(rebuilt(tensors, metadata), "disagree")


def test_a_vocabulary_that_does_not_fit_the_model_is_refused(exported):
    tensors, metadata = parts(exported)
    metadata["dataset"]["symbols"] = metadata["dataset"]["symbols"][:-1]
    refused(rebuilt(tensors, metadata), "vocabulary")
    metadata["dataset"]["symbols"] = ["a"] * 20
    refused(rebuilt(tensors, metadata), "distinct")


def test_hostile_training_settings_are_clamped_with_notices(exported):
    tensors, metadata = parts(exported)
    metadata["config"].update(lr=10**400, batch_size=10**6, surprise="x", device="cuda")
    checkpoint = read_checkpoint(rebuilt(tensors, metadata))
    assert checkpoint.config.lr == defaults_for("counting").lr
    assert checkpoint.config.batch_size == 256
    assert checkpoint.config.device == "auto"
    assert any("surprise" in notice for notice in checkpoint.notices)


def test_nan_weights_integer_tensors_and_unknown_formats_are_refused(exported):
    tensors, metadata = parts(exported)
    bad = dict(tensors, **{"head.bias": torch.full((20,), float("nan"))})
    refused(rebuilt(bad, metadata), "NaN")
    ints = dict(tensors, **{"head.bias": torch.zeros(20, dtype=torch.int64)})
    refused(rebuilt(ints, metadata), "floating point")
    refused(rebuilt(tensors, dict(metadata, version=99)), "version")
    refused(rebuilt(tensors, dict(metadata, format="other")), "rnnviz settings")
    refused(rebuilt(tensors, dict(metadata, step=-1)), "step")
    refused(safetensors.torch.save(tensors), "not the rnnviz settings")


def test_a_float64_export_is_accepted_as_float32(counting, exported):
    tensors, metadata = parts(exported)
    doubled = {name: value.double() for name, value in tensors.items()}
    restored, _ = load_into_experiment(rebuilt(doubled, metadata))
    assert restored.predict().text == counting.predict().text


def test_a_header_length_that_starts_like_a_pickle_is_still_safetensors(exported):
    tensors, metadata = parts(exported)
    for padding in range(300):  # find a header whose length's first byte is 0x80, a pickle's first byte
        metadata["config"]["padding"] = "x" * padding
        data = rebuilt(tensors, metadata)
        if data[0] == 0x80:
            break
    assert data[0] == 0x80
    checkpoint = read_checkpoint(data)
    assert checkpoint.step == 15 and any("padding" in notice for notice in checkpoint.notices)


def test_the_largest_model_the_limits_allow_fits_under_the_file_cap():
    """If the Config's limits grow, the 50 MB cap must grow with them, or big exports could not come back."""
    symbols = "".join(chr(0x4E00 + i) for i in range(MAX_SYMBOLS - 1)) + " "
    text = symbols * (MAX_TEXT_CHARS // len(symbols))
    biggest = defaults_for("text").replace(
        text=text, cell="lstm", prefix=text[:3], **{name: LIMITS[name][2] for name in ("hidden_size", "num_layers",
                                                                                        "embedding_dim")})
    data = export_bytes(Experiment(biggest))
    assert len(data) <= MAX_CHECKPOINT_BYTES
    assert read_checkpoint(data).model_settings["vocab_size"] == MAX_SYMBOLS
