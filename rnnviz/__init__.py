"""rnnviz: train a small recurrent network and look inside it while it learns.

The library has no Streamlit in it (the app's Streamlit side is the `ui` package
beside it), so everything the app shows can be computed, tested and scripted
without a browser.

The names below are loaded on first use (PEP 562): importing the package, or a
light part of it, does not import PyTorch (seconds of work), so the app can draw its
first frame while torch loads.
"""

from __future__ import annotations

import importlib

# public name → the submodule that defines it
_HOMES = {"load_dataset": "datasets", "InputError": "errors", "SeqModel": "nn.model", "Prediction": "nn.predict",
          "predict": "nn.predict", "Trace": "nn.trace", "trace": "nn.trace", "Trainer": "nn.train"}

__all__ = ["load_dataset", "SeqModel", "Trainer", "trace", "Trace", "predict", "Prediction", "InputError"]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

