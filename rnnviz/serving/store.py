"""Where models outlive the server process: one small interface, two back-ends, chosen by the environment.

SQLite (one file in the data folder) is the default for one server; Redis (`RNNVIZ_STORE=redis://…`) lets every
replica read and write the same models. The interface and what a store keeps: rnnviz.serving.store_interface.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rnnviz.serving.store_interface import (
    KEEP_HOURS,
    OWNER_CAP,
    SHARE_DAYS,
    STORE_CAP,
    ModelStore,
    StoreDown,
    new_model_id,
    valid_model_id,
)
from rnnviz.serving.store_sqlite import SqliteStore

__all__ = ["KEEP_HOURS", "OWNER_CAP", "SHARE_DAYS", "STORE_CAP", "ModelStore", "SqliteStore",
           "StoreDown", "default_data_folder", "new_model_id", "open_store", "valid_model_id"]
SQLITE_FILE = "models.sqlite3"


# -- choosing one --------------------------------------------------------------------------------------------
def default_data_folder() -> Path:
    """The user's data folder for rnnviz: XDG's on Linux, Application Support on macOS, LOCALAPPDATA on Windows."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "rnnviz"


def _positive(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1e6:  # also refuses NaN
        raise ValueError(f"{name} must be a number above 0 (got {text[:40]!r}).")
    return value


def open_store(spec: str | None = None, data_folder: str | None = None) -> ModelStore | None:
    """The store the environment names: `RNNVIZ_STORE` (`redis://…` for Redis; empty or `sqlite` for a SQLite file
    in `RNNVIZ_DATA`, by default the user's data folder; `none` for no store: models live in memory only);
    lifetimes from `RNNVIZ_KEEP_HOURS` and `RNNVIZ_SHARE_DAYS`.
    A bad setting raises ValueError with what is allowed; an unwritable SQLite folder raises StoreDown."""
    spec = (os.environ.get("RNNVIZ_STORE", "") if spec is None else spec).strip()
    if spec == "none":
        return None
    keep = _positive("RNNVIZ_KEEP_HOURS", KEEP_HOURS) * 3600
    share = _positive("RNNVIZ_SHARE_DAYS", SHARE_DAYS) * 86400
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from rnnviz.serving.store_redis import RedisStore  # the client loads only for replicas that use it

        store = RedisStore(spec)
    elif spec in ("", "sqlite"):
        folder = Path(data_folder or os.environ.get("RNNVIZ_DATA", "").strip() or default_data_folder()).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreDown(f"The data folder {folder} cannot be made ({error.strerror}).") from None
        store = SqliteStore(folder / SQLITE_FILE)
    else:
        raise ValueError(f"RNNVIZ_STORE must be empty, 'sqlite', 'none' or a redis:// address (got {spec[:40]!r}).")
    store.keep_seconds, store.share_seconds = keep, share
    return store
