"""Work a server does once at start, so that no learner waits for it later."""

from __future__ import annotations

import threading

import torch

from rnnviz.nn.train import OPTIMIZERS

_warmed = threading.Event()
_shown = threading.Event()
# The import holds the interpreter for seconds, and the server's event loop, which sends the page just drawn to the
# browser, waits on it: started at once, it would hold the first page's charts back (docs/benchmarks.md).
DELAY_SECONDS = 2.0


def warm_up_optimizers(delay: float = DELAY_SECONDS) -> None:
    """Construct an optimizer once in a background thread, when a browser says its first page is on screen
    (`page_shown`) or `delay` seconds from now, whichever comes first, so that torch's lazy import of
    torch._dynamo happens after the first page has reached the browser, not when the learner presses Train (one
    who presses it sooner waits for that import, as without this)."""
    if _warmed.is_set():
        return
    _warmed.set()

    def build_one() -> None:
        _shown.wait(delay)
        OPTIMIZERS["adam"]([torch.zeros(1, requires_grad=True)])

    threading.Thread(target=build_one, name="rnnviz-warm-up", daemon=True).start()


def page_shown() -> None:
    """A browser has drawn its page: the warm-up may start now (before it is scheduled, it starts at once)."""
    _shown.set()
    warm_up_optimizers()
