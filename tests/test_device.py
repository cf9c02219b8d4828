"""Device: auto picks CUDA, then MPS, then the CPU; a device that is not there is a clear refusal."""

import pytest
import torch

from rnnviz import InputError
from rnnviz.nn import device as device_module
from rnnviz.nn.device import available_devices, pick_device


def test_the_cpu_is_always_there_and_last():
    found = available_devices()
    assert found[-1] == "cpu"
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device(" CPU ") == torch.device("cpu")
    assert pick_device("auto") == torch.device(found[0])
    assert pick_device(None) == pick_device("auto")


@pytest.mark.parametrize("cuda,mps,expected", [
    (True, True, "cuda"), (False, True, "mps"), (True, False, "cuda"), (False, False, "cpu"),
])
def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(device_module, "_mps_available", lambda: mps)
    assert pick_device("auto").type == expected
    assert available_devices()[0] == expected


def test_an_absent_device_is_refused_with_what_is_available():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present on this machine")
    with pytest.raises(InputError) as error:
        pick_device("cuda")
    message = str(error.value)
    assert "'cuda'" in message and "not available" in message
    assert "cpu" in message and "auto" in message


def test_an_absent_mps_is_refused(monkeypatch):
    monkeypatch.setattr(device_module, "_mps_available", lambda: False)
    with pytest.raises(InputError, match="'mps' is not available"):
        pick_device("mps")


def test_an_unknown_device_name_lists_the_choices():
    with pytest.raises(InputError) as error:
        pick_device("tpu")
    for word in ("'tpu'", "auto", "cpu", "cuda", "mps"):
        assert word in str(error.value)
