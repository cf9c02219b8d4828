"""Turns at training: what keeps one shared server usable by a whole class.

Thirty sessions training at once on two cores would each crawl and all the
pages would lag. Instead a session asks `TURNS.try_turn(owner)` before a
slice of training; when every turn is taken it gets False at once (or after a short
wait) and shows "waiting for a turn" with its place in line, while the
sessions that hold a turn train at full speed. Places are kept across slices,
so the line is first come, first served; a place whose owner stops asking is
forgotten. `crowd_factor` says how crowded the server is, for the pages and workers to slow down by.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

from rnnviz.serving.sessions import SESSIONS
from rnnviz.serving.threads import default_max_trainers


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


# A session seen this recently counts in the crowd: the keeper sees each connected tab every round (ui.keeper), and
# a closed one, kept for the disconnect TTL, would otherwise slow every other page's redraws that long.
CROWD_SEEN_SECONDS = 30.0
# One per server process; the app and the load test share it.
TURNS = TrainingTurns()


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
