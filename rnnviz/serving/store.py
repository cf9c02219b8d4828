"""Where models outlive the server process: one small interface, two back-ends, chosen by the environment.

A store keeps opaque bytes (records made by rnnviz.files.record) under two kinds of name:
- a tab's key: the tab's latest record and a tiny "last seen" mark (step, wall time), both expiring some hours
  after the last write, so a restart or another replica can give the tab its model back;
- a shared model's id: a copy anyone with the link may open, kept for weeks, capped per owner and per store.

SQLite (one file in the data folder) is the default for one server; Redis (`RNNVIZ_STORE=redis://…`) lets every
replica read and write the same models. A store that cannot be reached or refuses a write raises StoreDown.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from abc import ABC, abstractmethod
from pathlib import Path

from rnnviz.files.safe_load import MAX_CHECKPOINT_BYTES

KEEP_HOURS = 24.0  # a closed tab's model is kept this long after its last write
SHARE_DAYS = 30.0
OWNER_CAP, STORE_CAP = 5, 200  # shared models per owner and in all; the oldest go first
MAX_KEY_CHARS = 200
MODEL_ID_BYTES = 24  # 192 random bits: token_urlsafe writes them as 32 characters of A-Z a-z 0-9 - _
MODEL_ID = re.compile(r"[A-Za-z0-9_-]{32}")
SQLITE_FILE = "models.sqlite3"


class StoreDown(Exception):
    """The store cannot be reached, or refused a write (down, full, read-only)."""


def new_model_id() -> str:
    return secrets.token_urlsafe(MODEL_ID_BYTES)


def valid_model_id(text) -> bool:
    """Whether `text` can be a shared model's id, exactly as new_model_id makes them: checked before any look-up."""
    return isinstance(text, str) and MODEL_ID.fullmatch(text) is not None


def check_key(key) -> str:
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_CHARS:
        raise ValueError(f"A store key is text of 1 to {MAX_KEY_CHARS} characters.")
    return key


def check_size(data) -> bytes:
    if not isinstance(data, bytes):
        raise ValueError("A store keeps bytes.")
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"A record of {len(data):,} bytes is larger than a model file may be "
                         f"({MAX_CHECKPOINT_BYTES:,} bytes), so it is not kept.")
    return data


class ModelStore(ABC):
    """Records by tab key, progress marks, and shared models by id. Every method may raise StoreDown."""

    keep_seconds: float = KEEP_HOURS * 3600  # how long a tab's record lives after its last write
    share_seconds: float = SHARE_DAYS * 86400
    owner_cap: int = OWNER_CAP
    store_cap: int = STORE_CAP

    @abstractmethod
    def put(self, key: str, data: bytes, ttl_seconds: float, step: int) -> None:
        """Keep `data` as `key`'s record for `ttl_seconds`; also marks `key` seen at `step` now."""

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """`key`'s record, or None when there is none or it expired."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Forget `key`'s record and its seen mark."""

    @abstractmethod
    def seen(self, key: str, step: int, at: float) -> None:
        """Mark that `key`'s model reached `step` at wall time `at` (cheap; written about once a second)."""

    @abstractmethod
    def last_seen(self, key: str) -> tuple[int, float] | None:
        """The latest (step, wall time) marked for `key`, or None."""

    @abstractmethod
    def share(self, data: bytes, owner: str, ttl_seconds: float | None = None) -> str:
        """Keep a copy of a record under a new unguessable id and return it; beyond `owner_cap` for this owner or
        `store_cap` in all, the oldest shared models are dropped."""

    @abstractmethod
    def shared(self, model_id: str) -> bytes | None:
        """A shared model's record, or None when the id is unknown, expired or malformed."""

    @abstractmethod
    def describe(self) -> str:
        """Where the models are kept, for the start-up line (no passwords)."""

    @abstractmethod
    def close(self) -> None:
        """Let go of connections and threads."""


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


def open_store(spec: str | None = None, data_folder: str | None = None) -> ModelStore:
    """The store the environment names: `RNNVIZ_STORE` (`redis://…` for Redis; empty or `sqlite` for a SQLite file
    in `RNNVIZ_DATA`, by default the user's data folder); lifetimes from `RNNVIZ_KEEP_HOURS` and `RNNVIZ_SHARE_DAYS`.
    A bad setting raises ValueError with what is allowed; an unwritable SQLite folder raises StoreDown."""
    spec = (os.environ.get("RNNVIZ_STORE", "") if spec is None else spec).strip()
    keep = _positive("RNNVIZ_KEEP_HOURS", KEEP_HOURS) * 3600
    share = _positive("RNNVIZ_SHARE_DAYS", SHARE_DAYS) * 86400
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from rnnviz.serving.store_redis import RedisStore

        store = RedisStore(spec)
    elif spec in ("", "sqlite"):
        from rnnviz.serving.store_sqlite import SqliteStore

        folder = Path(data_folder or os.environ.get("RNNVIZ_DATA", "").strip() or default_data_folder()).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreDown(f"The data folder {folder} cannot be made ({error.strerror}).") from None
        store = SqliteStore(folder / SQLITE_FILE)
    else:
        raise ValueError(f"RNNVIZ_STORE must be empty, 'sqlite' or a redis:// address (got {spec[:40]!r}).")
    store.keep_seconds, store.share_seconds = keep, share
    return store
