"""Each live session's Experiment, kept so that a closed session's model can be let go.

The app keeps only a session id in its own state and gets the Experiment from the registry (`SESSIONS`, one per
server process).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from rnnviz.errors import InputError
from rnnviz.serving.threads import env_setting


class SessionRegistry:
    """Each live session's Experiment, dropped when the session ends or stops being seen.

    The app keeps only a session id in its own state and gets the Experiment from
    here; a session that closes is released at once (`release`) or, if the
    browser just vanished, after `ttl` seconds without a `get` or `put` (`sweep`,
    which every `put` also runs). With no other reference left, Python frees the
    model, its optimizer state and its weight snapshots.
    """

    def __init__(self, ttl: float = 180.0, max_sessions: int | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_sessions = max_sessions or env_setting("RNNVIZ_MAX_SESSIONS", 100)
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, list] = {}  # session id → [experiment, last seen]

    def put(self, session_id: Hashable, experiment) -> None:
        """Keep `experiment` for `session_id`, replacing (and so freeing) the one it had."""
        self.sweep()
        with self._lock:
            if session_id not in self._entries and len(self._entries) >= self.max_sessions:
                raise InputError(f"The server is full: {len(self._entries)} sessions are open. "
                                 "Try again in a few minutes.")
            self._entries[session_id] = [experiment, self._clock()]

    def get(self, session_id: Hashable):
        """The session's Experiment (None if it has none or was swept); counts as a sign of life."""
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None:
                return None
            entry[1] = self._clock()
            return entry[0]

    def touch(self, session_id: Hashable) -> None:
        with self._lock:
            if session_id in self._entries:
                self._entries[session_id][1] = self._clock()

    def release(self, session_id: Hashable) -> bool:
        """Let go of a session's Experiment; True if it had one."""
        with self._lock:
            return self._entries.pop(session_id, None) is not None

    def sweep(self) -> list:
        """Release every session not seen for `ttl` seconds; return their ids."""
        now = self._clock()
        with self._lock:
            gone = [sid for sid, (_, seen) in self._entries.items() if now - seen > self.ttl]
            for sid in gone:
                del self._entries[sid]
        return gone

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def seen_within(self, seconds: float) -> int:
        """How many sessions were seen in the last `seconds` (a connected tab is, every keeper round)."""
        now = self._clock()
        with self._lock:
            return sum(1 for _, seen in self._entries.values() if now - seen <= seconds)

    def __contains__(self, session_id: Hashable) -> bool:
        with self._lock:
            return session_id in self._entries

    def session_ids(self) -> list:
        with self._lock:
            return list(self._entries)


SESSIONS = SessionRegistry()  # one per server process
