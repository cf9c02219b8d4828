"""The browser scripts of the Train page's kept views, read from their .js files in ui/ once, at import.

A component's script is one module: the shared rules (live_updates.js) and helpers go first, the file with the
component's entry point (its default export) last. Values the scripts need come as the component's `data`.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def script(*names: str) -> str:
    """The files `names` (in ui/), joined in that order into one script."""
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in names)
