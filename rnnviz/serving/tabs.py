"""Which browser tab owns which session's model, so a reload can bring the model back to its own tab only.

Each tab keeps a secret of its own (the app stores it in the tab's sessionStorage, which survives a reload
and is never shared with another tab, nor put in a link). A new session that shows a known secret gets the
old session's model back, but only when that session is gone: a duplicated tab copies sessionStorage while
the tab it came from is still open, and then it must start afresh under a new secret.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable

SECRET_BYTES = 32  # 256 bits: unguessable


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


class TabRegistry:
    """Tab secret → the session key that owns it, and what that session wants carried over a reload."""

    def __init__(self):
        self._lock = threading.Lock()
        self._owners: dict[str, list] = {}  # secret → [session key, carried values]

    def own(self, secret: str, key: Hashable) -> None:
        """Session `key` owns `secret` (one from `new_secret`) from now on."""
        with self._lock:
            self._owners[secret] = [key, {}]

    def owner(self, secret: str) -> Hashable | None:
        with self._lock:
            entry = self._owners.get(secret)
            return None if entry is None else entry[0]

    def remember(self, secret: str, carried: dict) -> None:
        """What the owner of `secret` wants back after a reload (a lesson, the running flag): replaces the last."""
        with self._lock:
            if secret in self._owners:
                self._owners[secret][1] = dict(carried)

    def claim(self, secret: str, key: Hashable, is_connected: Callable[[Hashable], bool]) -> tuple | None:
        """Hand `secret` over to session `key` if its owner is gone: returns (the old session key, what it
        carried). None when the secret is unknown (never issued, or let go) or its owner is still connected
        (a duplicated tab); then the tab must take a new secret."""
        with self._lock:
            entry = self._owners.get(secret)
            if entry is None or entry[0] == key:
                return None
            old_key, carried = entry
            if is_connected(old_key):
                return None
            self._owners[secret] = [key, carried]
            return old_key, dict(carried)

    def drop(self, secret: str) -> None:
        with self._lock:
            self._owners.pop(secret, None)

    def forget(self, keys) -> int:
        """Forget the secrets of sessions whose models were let go; returns how many."""
        keys = set(keys)
        with self._lock:
            gone = [secret for secret, (owner, _) in self._owners.items() if owner in keys]
            for secret in gone:
                del self._owners[secret]
        return len(gone)

    def __len__(self) -> int:
        with self._lock:
            return len(self._owners)


TABS = TabRegistry()  # one per server process
