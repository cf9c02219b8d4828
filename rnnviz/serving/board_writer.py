"""The one thread per server process that keeps its learners' runs on their class boards, off the training thread.

About once a second it writes the summary (rnnviz.serving.board) of each joined run that changed, and of every run
now and then, so a board on another replica sees it alive; a run whose model was let go leaves its board. A store
that is down skips a round: the board is a view, training never waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass

from rnnviz.serving.board import run_summary, summary_bytes
from rnnviz.serving.hosting import was_let_go
from rnnviz.serving.live import worker_of
from rnnviz.serving.store_interface import ModelStore, StoreDown

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
SAY_EVERY = 60.0  # seconds between the server log's lines on what the boards cost
ALIVE_SECONDS = 10.0  # an unchanged run is written again this often: a board removed it (a replica let it go)
FULL = "The class board is full, so your run is not on it; you train as usual."
ENDED = "This class board has ended (boards last 6 hours after their last change); you train as usual."


@dataclass
class Member:
    code: str
    name: str
    experiment: weakref.ref
    written: tuple | None = None  # what the last write showed: (step, name, published version)
    written_at: float = float("-inf")
    problem: str | None = None  # why the run is not on the board (full, ended), for its learner


class BoardWriter:
    """Writes each joined run's summary to `store` at most once per `tick_seconds` while it changes."""

    def __init__(self, store: ModelStore, tick_seconds: float = TICK_SECONDS, alive_seconds: float = ALIVE_SECONDS):
        self.store = store
        self.tick_seconds, self.alive_seconds = float(tick_seconds), float(alive_seconds)
        self._members: dict[str, Member] = {}
        self._leaving: list[tuple[str, str]] = []  # (code, run id) to take off their boards
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.writes = 0  # summaries written since start, for notes and tests
        self.busy_seconds = 0.0  # the thread's time spent in rounds, for the load test's note
        self._thread = threading.Thread(target=self._loop, name="rnnviz-board-writer", daemon=True)
        self._thread.start()

    # -- what the app calls (each returns at once) -----------------------------------------------------------
    def join(self, run_id: str, code: str, name: str, experiment) -> None:
        """Keep `experiment` on board `code` as run `run_id`, shown as `name` (a new model or name replaces the
        last; another board's run leaves that one)."""
        with self._lock:
            member = self._members.get(run_id)
            if member is not None and member.code == code:
                member.name = name
                if member.experiment() is not experiment:
                    member.experiment, member.written = weakref.ref(experiment), None
                return
            if member is not None:
                self._leaving.append((member.code, run_id))
            self._members[run_id] = Member(code, name, weakref.ref(experiment))

    def leave(self, run_id: str) -> None:
        """Take run `run_id` off its board (soon, on the writer's thread)."""
        with self._lock:
            member = self._members.pop(run_id, None)
            if member is not None:
                self._leaving.append((member.code, run_id))

    def problem(self, run_id: str) -> str | None:
        member = self._members.get(run_id)
        return None if member is None else member.problem

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    # -- the writer thread -----------------------------------------------------------------------------------
    def _loop(self) -> None:
        said_at, said = time.monotonic(), (0, 0.0)
        while not self._stopping.wait(self.tick_seconds):
            started = time.perf_counter()
            try:
                self.round()
            except StoreDown as error:
                log.warning("class board: %s", error)
            except Exception:  # noqa: BLE001 - the writer must outlive any surprise; training never depends on it
                log.exception("class board round failed")
            self.busy_seconds += time.perf_counter() - started
            if time.monotonic() - said_at >= SAY_EVERY and self.writes > said[0]:  # what the board costs, for notes
                print(f"rnnviz: class boards: {self.writes - said[0]} run summaries written in the last "
                      f"{time.monotonic() - said_at:.0f} s, in {self.busy_seconds - said[1]:.2f} s of work", flush=True)
                said_at, said = time.monotonic(), (self.writes, self.busy_seconds)

    def round(self) -> None:
        """One pass: runs that left go, changed runs are written (one store write per board). StoreDown stops the
        pass; the next one retries."""
        with self._lock:
            leaving, self._leaving = self._leaving, []
            members = list(self._members.items())
        for code, run_id in leaving:
            self.store.remove_run(code, run_id)
        now = time.monotonic()
        due: dict[str, dict[str, tuple[Member, tuple, bytes]]] = {}  # board → run → (member, shown, summary)
        for run_id, member in members:
            experiment = member.experiment()
            if experiment is None or was_let_go(experiment):
                self.leave(run_id)  # its model is gone: off the board on the next round
                continue
            worker = worker_of(experiment)
            published = worker.published if worker is not None else None
            shown = (experiment.step, member.name, published.version if published is not None else None)
            if shown == member.written and now - member.written_at < self.alive_seconds:
                continue
            summary = summary_bytes(run_summary(experiment, member.name))
            due.setdefault(member.code, {})[run_id] = (member, shown, summary)
        for code, runs in due.items():
            kept = self.store.put_runs(code, {run_id: summary for run_id, (_, _, summary) in runs.items()})
            ended = len(kept) < len(runs) and self.store.board_lesson(code) is None
            for run_id, (member, shown, _) in runs.items():
                member.written, member.written_at = shown, now
                member.problem = None if run_id in kept else (ENDED if ended else FULL)
            self.writes += len(runs)
