"""The model store's interface, which both back-ends implement (chosen by rnnviz.serving.store.open_store).

A store keeps opaque bytes (records made by rnnviz.files.record) under three kinds of name:
- a tab's key: the tab's latest record and a tiny "last seen" mark (step, wall time), both expiring some hours
  after the last write, so a restart or another replica can give the tab its model back;
- a shared model's id: a copy anyone with the link may open, kept for weeks, capped per owner and per store;
- a class board's code: the lesson and one small summary per joined run (rnnviz.serving.board), read whole in
  one store read, expiring some hours after the last write.

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
BOARD_HOURS = 6.0  # a board nobody writes to for this long is gone
BOARD_CAP = 60  # runs on one board
BOARD_CODE_BYTES = 12  # 96 random bits, 16 characters: it travels in links, so it need not be short
BOARD_CODE = re.compile(r"[A-Za-z0-9_-]{16}")
RUN_ID = re.compile(r"[0-9a-f]{1,64}")
MAX_SUMMARY_BYTES = 16_000  # a run's summary is a few kB (rnnviz.serving.board); anything larger is refused
MAX_LESSON_CHARS = 40


class StoreDown(Exception):
    """The store cannot be reached, or refused a write (down, full, read-only)."""


def new_model_id() -> str:
    return secrets.token_urlsafe(MODEL_ID_BYTES)


def valid_model_id(text) -> bool:
    """Whether `text` can be a shared model's id, exactly as new_model_id makes them: checked before any look-up."""
    return isinstance(text, str) and MODEL_ID.fullmatch(text) is not None


def new_board_code() -> str:
    return secrets.token_urlsafe(BOARD_CODE_BYTES)


def valid_board_code(text) -> bool:
    """Whether `text` can be a board's code, exactly as new_board_code makes them: checked before any look-up."""
    return isinstance(text, str) and BOARD_CODE.fullmatch(text) is not None


def check_run(code, run_id, summary: bytes | None = None) -> None:
    """A board write's arguments: a code as made, a run id of hex digits, a small summary."""
    if not valid_board_code(code):
        raise ValueError("A board's code is 16 letters, digits, - or _.")
    if not isinstance(run_id, str) or RUN_ID.fullmatch(run_id) is None:
        raise ValueError("A run's id on a board is 1 to 64 hex digits.")
    if summary is not None and (not isinstance(summary, bytes) or len(summary) > MAX_SUMMARY_BYTES):
        raise ValueError(f"A run's summary is bytes, at most {MAX_SUMMARY_BYTES:,} of them.")


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
    """Records by tab key, progress marks, shared models by id, and class boards. Every method may raise
    StoreDown."""

    keep_seconds: float = KEEP_HOURS * 3600  # how long a tab's record lives after its last write
    share_seconds: float = SHARE_DAYS * 86400
    owner_cap: int = OWNER_CAP
    store_cap: int = STORE_CAP
    board_seconds: float = BOARD_HOURS * 3600  # how long a board lives after its last write
    board_cap: int = BOARD_CAP

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

    # -- class boards: every write refreshes the board's lifetime ------------------------------------------------
    @abstractmethod
    def create_board(self, lesson: str) -> str:
        """A new board for `lesson` (a lesson's key, or a short label) under a new unguessable code."""

    @abstractmethod
    def board_lesson(self, code: str) -> str | None:
        """The lesson of board `code`; None when the code is unknown, expired or malformed."""

    @abstractmethod
    def put_run(self, code: str, run_id: str, summary: bytes) -> bool:
        """Keep `summary` as run `run_id`'s on board `code` (replacing its last). False, and nothing kept, when the
        board is gone or already holds `board_cap` other runs."""

    def put_runs(self, code: str, summaries: dict[str, bytes]) -> set[str]:
        """put_run for several runs of board `code` at once (one store round trip where the back-end can);
        the ids of the runs kept."""
        return {run_id for run_id, summary in summaries.items() if self.put_run(code, run_id, summary)}

    @abstractmethod
    def remove_run(self, code: str, run_id: str) -> None:
        """Take run `run_id` off board `code` (a hidden run stays hidden if it comes back)."""

    @abstractmethod
    def hide_run(self, code: str, run_id: str) -> None:
        """Keep run `run_id` off what board `code` shows, whatever it writes later."""

    @abstractmethod
    def board(self, code: str) -> tuple[str, dict[str, bytes], set[str]] | None:
        """Board `code` in ONE store read: its lesson, every run's summary by run id, and the hidden runs' ids;
        None when the code is unknown, expired or malformed."""

    @abstractmethod
    def describe(self) -> str:
        """Where the models are kept, for the start-up line (no passwords)."""

    @abstractmethod
    def close(self) -> None:
        """Let go of connections and threads."""
