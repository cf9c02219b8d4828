"""Where the model runs: CUDA, then Apple's MPS, else the CPU."""

import torch

from rnnviz.choices import DEVICE_CHOICES
from rnnviz.errors import InputError


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """The devices this machine can train on, best first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    found.append("cpu")
    return found


def pick_device(name: str = "auto") -> torch.device:
    """Resolve a device name; 'auto' takes the best one present.

    Asking for a device that is not there is an InputError, not a silent
    fallback, so a learner knows where their model really runs.
    """
    name = (name or "auto").strip().lower()
    if name not in DEVICE_CHOICES:
        raise InputError(f"Unknown device {name!r}: choose one of {', '.join(DEVICE_CHOICES)}.")
    present = available_devices()
    if name == "auto":
        return torch.device(present[0])
    if name not in present:
        raise InputError(
            f"Device {name!r} is not available on this machine; available: {', '.join(present)} "
            "(or 'auto' to pick the best)."
        )
    return torch.device(name)
