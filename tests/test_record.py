"""Records: a kept model comes back able to take the very next step the original would, and damaged or hostile
records are refused with a sentence, never loaded."""

from __future__ import annotations

import base64
import json
import math

import pytest
import safetensors.torch
import torch

from rnnviz.config import defaults_for
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.files.checkpoint import export_bytes, load_into_experiment
from rnnviz.files.record import experiment_from_record, read_record, record_bytes
from rnnviz.files.safe_load import MAX_CHECKPOINT_BYTES, METADATA_KEY


def trained(dataset="counting", steps=30, **settings):
    experiment = Experiment(defaults_for(dataset).replace(hidden_size=16, **settings))
    experiment.train(steps)
    return experiment


@pytest.fixture(scope="module")
def counting():
    return trained()


@pytest.fixture(scope="module")
def kept(counting):
    return record_bytes(counting, saved_at=1_700_000_000.5)


def parts(data: bytes) -> tuple[dict, dict]:
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    return safetensors.torch.load(data), json.loads(header["__metadata__"][METADATA_KEY])


def rebuilt(tensors: dict, metadata, raw: bool = False) -> bytes:
    return safetensors.torch.save(tensors, metadata={METADATA_KEY: metadata if raw else json.dumps(metadata)})


def refused(data, *words) -> str:
    with pytest.raises(InputError) as caught:
        read_record(data)
    message = str(caught.value)
    for word in words:
        assert word.lower() in message.lower(), message
    assert "Traceback" not in message and len(message) < 400
    return message


def losses(experiment, steps=5) -> list[float]:
    return [row["loss"] for row in experiment.train(steps)]


# -- what comes back ----------------------------------------------------------------------------------------
def test_a_record_reads_back_with_its_step_settings_history_and_save_time(counting, kept):
    record = read_record(kept)
    assert record.step == 30 and record.saved_at == 1_700_000_000.5
    assert record.config.to_dict() == {**counting.config.to_dict(), "device": record.config.device}
    assert list(record.history["loss"]) == pytest.approx(list(counting.trainer.history["loss"]))
    assert record.optimizer_steps == [30] * len(list(counting.model.parameters()))


@pytest.mark.parametrize("dataset, settings", [("counting", {}), ("sine", {}), ("sentences", {"cell": "lstm"}),
                                               ("counting", {"optimizer": "sgd", "cell": "gru"})])
def test_a_restored_model_takes_the_same_next_steps_as_the_original(dataset, settings):
    original = trained(dataset, **settings)
    data = record_bytes(original)
    restored = experiment_from_record(read_record(data))
    assert restored.step == original.step and restored.trainer.seconds == original.trainer.seconds
    expected = losses(original)
    assert losses(restored) == expected  # same batches, same moments, same weights: the same numbers
    assert restored.step == original.step


def test_the_adam_moments_come_back_equal_and_matter(counting, kept):
    restored = experiment_from_record(read_record(kept))
    for a, b in zip(counting.model.parameters(), restored.model.parameters()):
        mine, theirs = counting.trainer.optimizer.state[a], restored.trainer.optimizer.state[b]
        assert torch.equal(mine["exp_avg"], theirs["exp_avg"]) and torch.equal(mine["exp_avg_sq"], theirs["exp_avg_sq"])
        assert float(mine["step"]) == float(theirs["step"]) == 30
    # A model file (weights only) restarts the optimizer: its next steps differ, which the record avoids.
    from_file, _ = load_into_experiment(export_bytes(counting))
    from_file.trainer.generator.set_state(restored.trainer.generator.get_state())
    assert losses(from_file, 3) != losses(restored, 3)


def test_an_untrained_model_is_kept_without_optimizer_state():
    fresh = Experiment(defaults_for("counting").replace(hidden_size=16))
    record = read_record(record_bytes(fresh))
    assert record.step == 0 and record.optimizer_state == {} and len(record.history) == 0
    restored = experiment_from_record(record)
    assert losses(restored, 3) == losses(fresh, 3)


def test_the_copy_is_taken_under_the_model_lock_and_released(counting):
    from rnnviz.experiment import model_lock

    record_bytes(counting)
    assert model_lock(counting).acquire(blocking=False)  # not left held
    model_lock(counting).release()


# -- refused -----------------------------------------------------------------------------------------------
def test_damaged_or_oversized_bytes_are_refused(kept):
    refused(b"", "damaged")
    refused(b"\0" * (MAX_CHECKPOINT_BYTES + 1), "bytes", "50")
    refused(kept[: len(kept) // 2], "damaged")
    refused(b"\x80\x04" + b"\0" * 40, "damaged")  # a pickle is never a record
    refused("text", "bytes")


def test_a_header_that_claims_a_huge_length_is_refused(kept):
    refused((2**63).to_bytes(8, "little") + kept[8:], "claims more bytes")
    refused((len(kept)).to_bytes(8, "little") + kept[8:], "claims more bytes")


def test_bad_offsets_are_refused(kept):
    length = int.from_bytes(kept[:8], "little")
    header = json.loads(kept[8:8 + length])
    name = next(n for n in header if n != "__metadata__")
    header[name]["data_offsets"] = [0, 10**12]
    text = json.dumps(header).encode()
    refused(len(text).to_bytes(8, "little") + text + kept[8 + length:], "damaged")


def test_tensors_that_are_not_floats_are_refused(kept):
    tensors, metadata = parts(kept)
    tensors["optimizer.0.exp_avg"] = tensors["optimizer.0.exp_avg"].to(torch.int32)
    refused(rebuilt(tensors, metadata), "not floating point")


@pytest.mark.parametrize("name", ["rnn.weight_hh_l0", "optimizer.1.exp_avg", "optimizer.2.exp_avg_sq"])
def test_non_finite_values_are_refused(kept, name):
    tensors, metadata = parts(kept)
    tensors[name] = tensors[name].clone()
    tensors[name].view(-1)[0] = math.nan
    refused(rebuilt(tensors, metadata), "NaN" if name.startswith("rnn") else "values no training makes")


def test_a_negative_second_moment_is_refused(kept):
    tensors, metadata = parts(kept)
    tensors["optimizer.0.exp_avg_sq"] = -tensors["optimizer.0.exp_avg_sq"] - 1
    refused(rebuilt(tensors, metadata), "values no training makes")


@pytest.mark.parametrize("change, words", [
    (lambda t: t.update({"optimizer.99.exp_avg": torch.zeros(3)}), ("unexpected",)),
    (lambda t: t.update({"optimizer.0.velocity": t["optimizer.0.exp_avg"].clone()}), ("unexpected",)),
    (lambda t: t.update({"sneaky": torch.zeros(3)}), ("unexpected",)),
    (lambda t: t.update({"optimizer.\u00b2.exp_avg": t["optimizer.2.exp_avg"].clone()}), ("unexpected",)),
    (lambda t: t.update({"snapshot.\u00b2.rnn.weight_hh_l0": t["rnn.weight_hh_l0"].clone()}), ("unexpected",)),
    (lambda t: t.update({"carried.0": torch.zeros(1, 50, 16)}), ("carried",)),
    (lambda t: t.pop("optimizer.3.exp_avg_sq"), ("incomplete",)),
    (lambda t: t.pop("rnn.weight_ih_l0"), ("missing",)),
    (lambda t: t.update({"optimizer.0.exp_avg": torch.zeros(2, 2)}), ("does not fit",)),
])
def test_extra_missing_or_misshapen_tensors_are_refused(kept, change, words):
    tensors, metadata = parts(kept)
    change(tensors)
    refused(rebuilt(tensors, metadata), *words)


@pytest.mark.parametrize("change, words", [
    (lambda m: m["record"].update(optimizer="sgd"), ("optimizer",)),
    (lambda m: m["record"].update(optimizer_steps=[0] * len(m["record"]["optimizer_steps"])), ("step count",)),
    (lambda m: m["record"].update(optimizer_steps=[1.5] * len(m["record"]["optimizer_steps"])), ("step count",)),
    (lambda m: m["record"].update(optimizer_steps=[3]), ("step counts",)),
    (lambda m: m["record"].update(generator="not base64!"), ("generator",)),
    (lambda m: m["record"].update(generator=base64.b64encode(b"\0" * 16).decode()), ("generator",)),
    (lambda m: m["record"].update(saved_at=math.inf), ("save time",)),
    (lambda m: m["record"].update(seconds="soon"), ("training clock",)),
    (lambda m: m["record"].update(version=99), ("version 99",)),
    (lambda m: m.pop("record"), ("not a record",)),
    (lambda m: m.update(step=-1), ("step",)),
    (lambda m: m["config"].update(hidden_size=10**9), ("settings disagree",)),
    (lambda m: m["model"].update(hidden_size=17), ("disagree",)),
])
def test_metadata_that_does_not_fit_is_refused(kept, change, words):
    tensors, metadata = parts(kept)
    change(metadata)
    refused(rebuilt(tensors, metadata), *words)


@pytest.mark.parametrize("text", ["{not json", '"just a string"', "[1, 2, 3]", '{"format": "\\ud800"}',
                                  '{"step": ' + "9" * 5000 + "}", "[" * 100_000])
def test_metadata_that_is_not_plain_json_is_refused(kept, text):
    tensors, _ = parts(kept)
    refused(rebuilt(tensors, text, raw=True))


def test_a_plain_model_file_is_not_taken_for_a_record(counting):
    refused(export_bytes(counting), "not a record")
