"""What the process may use: the cores it is given, and torch's threads (one per trainer).

Small recurrent models gain little from intra-op threads, and with several trainers at once each extra thread only
fights the others for the cores.
"""

from __future__ import annotations

import os
import threading

import torch


def cpu_count() -> int:
    """The cores this process may use (a container's share, where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def env_setting(name: str, default: int) -> int:
    """A whole number from the environment (for a deployment to tune), else the default."""
    try:
        return max(1, int(os.environ.get(name, "")))
    except ValueError:
        return default


def default_max_trainers() -> int:
    """How many sessions may train at once (rnnviz.serving.turns): one per core unless the deployment says."""
    return env_setting("RNNVIZ_MAX_TRAINERS", cpu_count())


# -- torch threads ------------------------------------------------------------------------------
_threads_lock = threading.Lock()
_threads_set: int | None = None


def configure_torch_threads(threads: int | None = None) -> int:
    """Set torch's thread count once per process and return it.

    Small recurrent models gain little from intra-op threads, and with several
    trainers at once each extra thread only fights the others for the cores:
    one thread per trainer, up to the cores this process has.
    """
    global _threads_set
    with _threads_lock:
        if _threads_set is not None:
            return _threads_set
        if threads is None:
            threads = env_setting("RNNVIZ_TORCH_THREADS", max(1, cpu_count() // default_max_trainers()))
        threads = max(1, int(threads))
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:
            pass  # only settable before torch's first parallel work; the intra-op count is what matters
        _threads_set = threads
        return threads
