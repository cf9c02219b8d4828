"""What keeps one shared server usable by a whole class: turns at training, few threads, freed models.

Thirty sessions training at once on two cores would each crawl and all the
pages would lag. Instead a session asks `TURNS.try_turn(owner)` before a
slice of training; when every turn is taken it gets False at once (or after a short
wait) and shows "waiting for a turn" with its place in line, while the
sessions that hold a turn train at full speed. Places are kept across slices,
so the line is first come, first served; a place whose owner stops asking is
forgotten. Torch gets one thread per trainer (`configure_torch_threads`), and
`SESSIONS` holds each live session's Experiment so a closed session's model
can be let go (`release`, or a time-to-live `sweep`).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

import torch

from rnnviz.errors import InputError


def cpu_count() -> int:
    """The cores this process may use (a container's share, where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _setting(name: str, default: int) -> int:
    """A whole number from the environment (for a deployment to tune), else the default."""
    try:
        return max(1, int(os.environ.get(name, "")))
    except ValueError:
        return default


def default_max_trainers() -> int:
    return _setting("RNNVIZ_MAX_TRAINERS", cpu_count())


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
            threads = _setting("RNNVIZ_TORCH_THREADS", max(1, cpu_count() // default_max_trainers()))
        threads = max(1, int(threads))
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:
            pass  # only settable before torch's first parallel work; the intra-op count is what matters
        _threads_set = threads
        return threads


# -- turns at training --------------------------------------------------------------------------
class TrainingTurns:
    """A process-wide cap on how many sessions train at the same moment, fair to those waiting.

    Unlike a bare semaphore, a session that was told to wait keeps its place in
    line, so a busy session cannot take every turn by asking again first.
    """

    def __init__(self, max_concurrent: int | None = None, forget_after: float = 2.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_concurrent = max(1, int(max_concurrent or default_max_trainers()))
        # A waiting place is kept this many seconds without its owner asking again: long enough to span
        # the gap between two slices, short enough that a closed tab does not hold up the line for long.
        self.forget_after = forget_after
        self._clock = clock
        self._condition = threading.Condition()
        self._holders: dict = {}  # owner → when its turn began
        self._line: OrderedDict = OrderedDict()  # owner → when it last asked
        self.longest_hold = 0.0  # seconds: the longest any owner kept a turn (a test and the load test read it)

    def try_turn(self, owner: Hashable, timeout: float = 0.0) -> bool:
        """Take a turn for `owner` if one is free within `timeout` seconds; False means wait.

        Call `release(owner)` when the slice ends (or use `turn`, which does).
        """
        deadline = self._clock() + max(0.0, timeout)
        with self._condition:
            if owner in self._holders:
                raise RuntimeError(f"{owner!r} already holds a training turn; release it first")
            while True:
                now = self._clock()
                self._forget_stale(now)
                self._line[owner] = now  # joins at the back, or keeps its place
                free = self.max_concurrent - len(self._holders)
                if free > 0 and owner in list(self._line)[:free]:
                    del self._line[owner]
                    self._holders[owner] = self._clock()
                    return True
                remaining = deadline - now
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)

    def release(self, owner: Hashable) -> None:
        """End `owner`'s turn (and give up its place in line, if it had one)."""
        with self._condition:
            began = self._holders.pop(owner, None)
            if began is not None:
                self.longest_hold = max(self.longest_hold, self._clock() - began)
            self._line.pop(owner, None)
            self._condition.notify_all()

    @contextmanager
    def turn(self, owner: Hashable, timeout: float = 0.0) -> Iterator[bool]:
        """`with TURNS.turn(session_id) as granted:` train only if granted; the turn ends with the block."""
        granted = self.try_turn(owner, timeout)
        try:
            yield granted
        finally:
            if granted:
                self.release(owner)

    def place(self, owner: Hashable) -> int:
        """0 while `owner` trains, n ≥ 1 for its place in line, -1 when it is neither."""
        with self._condition:
            if owner in self._holders:
                return 0
            self._forget_stale(self._clock())
            for position, waiting in enumerate(self._line, start=1):
                if waiting == owner:
                    return position
            return -1

    @property
    def active(self) -> int:
        with self._condition:
            return len(self._holders)

    @property
    def waiting(self) -> int:
        with self._condition:
            self._forget_stale(self._clock())
            return len(self._line)

    def _forget_stale(self, now: float) -> None:
        stale = [owner for owner, asked in self._line.items() if now - asked > self.forget_after]
        for owner in stale:
            del self._line[owner]
        if stale:
            self._condition.notify_all()  # places moved up: waiters may now be at the front


# -- live sessions' experiments -----------------------------------------------------------------
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
        self.max_sessions = max_sessions or _setting("RNNVIZ_MAX_SESSIONS", 100)
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


# A session seen this recently counts in the crowd: the keeper sees each connected tab every round (ui.keeper), and
# a closed one, kept for the disconnect TTL, would otherwise slow every other page's redraws that long.
CROWD_SEEN_SECONDS = 30.0
# One of each per server process; the app and the load test share them.
TURNS = TrainingTurns()
SESSIONS = SessionRegistry()


def crowd_factor(sessions: int | None = None, turns: int | None = None, line: TrainingTurns | None = None) -> int:
    """How crowded the server is: 1 while it has at most one session per training turn, else the next power of
    two above sessions per turn (a class of 30 on 2 turns: 16). By default from this server now: its open
    sessions seen in the last CROWD_SEEN_SECONDS (a class opens the link before it presses Train; a closed tab,
    kept for a reconnect, stops counting), or those training and waiting for TURNS, if
    more; for another `line` (a test's), those training and waiting in it. In a crowd the pages redraw that many
    times slower and the workers make their views as much less often, so that the one interpreter's time goes
    to training and to clicks."""
    line = TURNS if line is None else line
    if sessions is None:
        sessions = line.active + line.waiting
        if line is TURNS:
            sessions = max(sessions, SESSIONS.seen_within(CROWD_SEEN_SECONDS))
    ratio = sessions / max(1, line.max_concurrent if turns is None else turns)
    factor = 1
    while factor < ratio:
        factor *= 2
    return factor
