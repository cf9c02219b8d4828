"""Shared helpers for the library tests: small seeded models and a way to see that nothing changed."""

import pytest
import torch

from rnnviz import SeqModel, load_dataset

# Small models run as fast on one thread, and two threads on this 2-core machine slow to a crawl
# whenever anything else is busy (measured: 10 ms a step alone, over 1 s a step contended).
torch.set_num_threads(1)


def weights_of(model) -> dict[str, torch.Tensor]:
    """A detached copy of every weight, to compare before and after something that must not touch them."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def seeded_model(ds, seed=0, **settings):
    torch.manual_seed(seed)
    return SeqModel.for_dataset(ds, **settings)


@pytest.fixture
def counting():
    return load_dataset("counting", seed=0)


@pytest.fixture
def sine():
    return load_dataset("sine", seed=0)
