"""Work a server does once at start, so that no learner waits for it later."""

from __future__ import annotations

import threading

import torch

from rnnviz.nn.train import OPTIMIZERS

_warmed = threading.Event()


def warm_up_optimizers() -> None:
    """Construct an optimizer once in a background thread, so torch's lazy import of torch._dynamo
    happens while the first page draws, not when the learner presses Train."""
    if _warmed.is_set():
        return
    _warmed.set()

    def build_one() -> None:
        OPTIMIZERS["adam"]([torch.zeros(1, requires_grad=True)])

    threading.Thread(target=build_one, name="rnnviz-warm-up", daemon=True).start()
