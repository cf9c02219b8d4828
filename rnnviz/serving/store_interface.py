"""The model store's interface, which both back-ends implement (chosen by rnnviz.serving.store.open_store).

A store keeps opaque bytes (records made by rnnviz.files.record) under two kinds of name:
- a tab's key: the tab's latest record and a tiny "last seen" mark (step, wall time), both expiring some hours
  after the last write, so a restart or another replica can give the tab its model back;
- a shared model's id: a copy anyone with the link may open, kept for weeks, capped per owner and per store.

SQLite (one file in the data folder) is the default for one server; Redis (`RNNVIZ_STORE=redis://…`) lets every
replica read and write the same models. A store that cannot be reached or refuses a write raises StoreDown.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from abc import ABC, abstractmethod

from rnnviz.files.safe_load import MAX_CHECKPOINT_BYTES

KEEP_HOURS = 24.0  # a closed tab's model is kept this long after its last write
SHARE_DAYS = 30.0
OWNER_CAP, STORE_CAP = 5, 200  # shared models per owner and in all; the oldest go first
MAX_KEY_CHARS = 200
MODEL_ID_BYTES = 24  # 192 random bits: token_urlsafe writes them as 32 characters of A-Z a-z 0-9 - _
MODEL_ID = re.compile(r"[A-Za-z0-9_-]{32}")


class StoreDown(Exception):
    """The store cannot be reached, or refused a write (down, full, read-only)."""


def new_model_id() -> str:
    return secrets.token_urlsafe(MODEL_ID_BYTES)


def valid_model_id(text) -> bool:
    """Whether `text` can be a shared model's id, exactly as new_model_id makes them: checked before any look-up."""
    return isinstance(text, str) and MODEL_ID.fullmatch(text) is not None


def stored_key(key) -> str:
    """What a tab's key is kept under: a digest, so the store never holds a tab's secret (a copied database file
    or a look at Redis's keys cannot take over a tab), and any text makes a short, harmless name."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_CHARS:
        raise ValueError(f"A store key is text of 1 to {MAX_KEY_CHARS} characters.")
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def owner_tag(owner) -> str:
    """A shared model's owner, kept as a digest for the same reasons."""
    return hashlib.sha256(str(owner).encode("utf-8", "surrogatepass")).hexdigest()[:32]


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
