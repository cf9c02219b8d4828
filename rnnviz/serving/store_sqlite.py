"""The model store in one SQLite file: the default for a single server process with many sessions.

WAL mode lets reads go on while a write commits. One writer thread owns the only write connection, and every
write from any thread queues to it, so writers never wait on SQLite's file lock; reads use a connection per
thread. Expired rows are ignored by every read and deleted now and then by the writer.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from rnnviz.serving.store_interface import (
    MAX_LESSON_CHARS,
    ModelStore,
    StoreDown,
    check_run,
    check_size,
    new_board_code,
    new_model_id,
    owner_tag,
    stored_key,
    valid_board_code,
    valid_model_id,
)

WRITE_WAIT_SECONDS = 10.0  # a write not done by then is reported as a store that is down
SWEEP_SECONDS = 60.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, data BLOB NOT NULL, step INTEGER NOT NULL,
                                    expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, step INTEGER NOT NULL, at REAL NOT NULL,
                                 expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS shared (number INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
                                   owner TEXT NOT NULL, data BLOB NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS shared_by_owner ON shared (owner, number);
CREATE TABLE IF NOT EXISTS boards (code TEXT NOT NULL, run TEXT NOT NULL, data BLOB, hidden INTEGER NOT NULL,
                                   expires REAL NOT NULL, PRIMARY KEY (code, run));
"""
# A board is the rows of one code in `boards`: the row with run '' holds its lesson and its lifetime, each other row
# a run's summary (NULL once the run left; kept while the run is hidden, so it stays hidden if it comes back).
BOARD_ROW = ""


class SqliteStore(ModelStore):
    def __init__(self, path, max_bytes: int | None = None):
        """A store in the SQLite file `path`; with `max_bytes`, writes that would grow it past that are refused
        (StoreDown), as on a full disk."""
        self.path = Path(path)
        self._max_bytes = max_bytes
        self._jobs: queue.Queue = queue.Queue()
        self._reads = threading.local()
        self._last_sweep = 0.0
        ready: Future = Future()
        self._thread = threading.Thread(target=self._write_loop, args=(ready,), name="rnnviz-store-writer",
                                        daemon=True)
        self._thread.start()
        ready.result()  # StoreDown here when the file cannot be opened

    def describe(self) -> str:
        return f"SQLite at {self.path}"

    # -- the writer thread ---------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=True)
        connection.execute("PRAGMA busy_timeout = 5000")
        return connection

    def _write_loop(self, ready: Future) -> None:
        try:
            connection = self._connect()
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")  # WAL keeps it consistent; a power cut may lose the last
            connection.executescript(SCHEMA)
            if self._max_bytes:
                page = connection.execute("PRAGMA page_size").fetchone()[0]
                connection.execute(f"PRAGMA max_page_count = {max(int(self._max_bytes) // page, 1)}")
        except sqlite3.Error as error:
            ready.set_exception(StoreDown(f"The model store file {self.path} cannot be opened ({error})."))
            return
        ready.set_result(None)
        while True:
            job = self._jobs.get()
            if job is None:
                connection.close()
                return
            work, done = job
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    result = work(connection, time.time())
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:  # a failed COMMIT may have rolled back already
                        connection.execute("ROLLBACK")
                    raise
                done.set_result(result)
            except sqlite3.Error as error:
                done.set_exception(StoreDown(f"The model store refused a write ({error})."))
            except Exception as error:  # noqa: BLE001 - handed to the caller, never lost in this thread
                done.set_exception(error)
            self._sweep(connection)

    def _sweep(self, connection: sqlite3.Connection) -> None:
        now = time.time()
        if now - self._last_sweep < SWEEP_SECONDS:
            return
        self._last_sweep = now
        try:
            with connection:
                for table in ("records", "seen", "shared", "boards"):
                    connection.execute(f"DELETE FROM {table} WHERE expires <= ?", (now,))
        except sqlite3.Error:
            pass  # a full or locked file: the next sweep tries again, and reads ignore expired rows anyway

    def _write(self, work):
        if not self._thread.is_alive():
            raise StoreDown("The model store is closed.")
        done: Future = Future()
        self._jobs.put((work, done))
        try:
            return done.result(timeout=WRITE_WAIT_SECONDS)
        except TimeoutError:
            raise StoreDown("The model store is too busy to take a write.") from None

    def _read(self, sql: str, args: tuple, every_row: bool = False):
        connection = getattr(self._reads, "connection", None)
        try:
            if connection is None:
                connection = self._reads.connection = self._connect()
            rows = connection.execute(sql, args)
            return rows.fetchall() if every_row else rows.fetchone()
        except sqlite3.Error as error:
            raise StoreDown(f"The model store cannot be read ({error}).") from None

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=WRITE_WAIT_SECONDS)

    # -- tabs' records -------------------------------------------------------------------------------------
    def put(self, key: str, data: bytes, ttl_seconds: float, step: int) -> None:
        key, data, step = stored_key(key), check_size(data), int(step)

        def work(connection, now):
            expires = now + float(ttl_seconds)
            connection.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", (key, data, step, expires))
            connection.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", (key, step, now, expires))
        self._write(work)

    def get(self, key: str) -> bytes | None:
        row = self._read("SELECT data FROM records WHERE key = ? AND expires > ?", (stored_key(key), time.time()))
        return bytes(row[0]) if row else None

    def delete(self, key: str) -> None:
        key = stored_key(key)

        def work(connection, now):
            connection.execute("DELETE FROM records WHERE key = ?", (key,))
            connection.execute("DELETE FROM seen WHERE key = ?", (key,))
        self._write(work)

    def seen(self, key: str, step: int, at: float) -> None:
        key, step, at = stored_key(key), int(step), float(at)
        ttl = self.keep_seconds

        def work(connection, now):
            connection.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", (key, step, at, now + ttl))
        self._write(work)

    def last_seen(self, key: str) -> tuple[int, float] | None:
        row = self._read("SELECT step, at FROM seen WHERE key = ? AND expires > ?", (stored_key(key), time.time()))
        return (int(row[0]), float(row[1])) if row else None

    # -- shared models -------------------------------------------------------------------------------------
    def share(self, data: bytes, owner: str, ttl_seconds: float | None = None) -> str:
        data, tag = check_size(data), owner_tag(owner)
        ttl = self.share_seconds if ttl_seconds is None else float(ttl_seconds)
        model_id = new_model_id()
        owner_cap, store_cap = self.owner_cap, self.store_cap

        def work(connection, now):
            connection.execute("DELETE FROM shared WHERE expires <= ?", (now,))
            connection.execute("INSERT INTO shared (id, owner, data, expires) VALUES (?, ?, ?, ?)",
                               (model_id, tag, data, now + ttl))
            # Oldest first: `number` only grows, so it orders shares made within the same clock tick too.
            connection.execute("DELETE FROM shared WHERE owner = ? AND number NOT IN (SELECT number FROM shared "
                               "WHERE owner = ? ORDER BY number DESC LIMIT ?)", (tag, tag, owner_cap))
            connection.execute("DELETE FROM shared WHERE number NOT IN (SELECT number FROM shared "
                               "ORDER BY number DESC LIMIT ?)", (store_cap,))
        self._write(work)
        return model_id

    def shared(self, model_id: str) -> bytes | None:
        if not valid_model_id(model_id):
            return None
        row = self._read("SELECT data FROM shared WHERE id = ? AND expires > ?", (model_id, time.time()))
        return bytes(row[0]) if row else None

    # -- class boards ----------------------------------------------------------------------------------------
    def create_board(self, lesson: str) -> str:
        lesson, code, ttl = str(lesson)[:MAX_LESSON_CHARS], new_board_code(), self.board_seconds

        def work(connection, now):
            connection.execute("INSERT INTO boards VALUES (?, ?, ?, 0, ?)",
                               (code, BOARD_ROW, lesson.encode(), now + ttl))
        self._write(work)
        return code

    def board_lesson(self, code: str) -> str | None:
        if not valid_board_code(code):
            return None
        row = self._read("SELECT data FROM boards WHERE code = ? AND run = ? AND expires > ?",
                         (code, BOARD_ROW, time.time()))
        return bytes(row[0]).decode() if row else None

    def _refresh(self, connection, code: str, now: float) -> bool:
        """Whether board `code` is alive; if so it lives `board_seconds` from now."""
        return connection.execute("UPDATE boards SET expires = ? WHERE code = ? AND run = ? AND expires > ?",
                                  (now + self.board_seconds, code, BOARD_ROW, now)).rowcount > 0

    def put_run(self, code: str, run_id: str, summary: bytes) -> bool:
        return run_id in self.put_runs(code, {run_id: summary})

    def put_runs(self, code: str, summaries: dict[str, bytes]) -> set[str]:
        for run_id, summary in summaries.items():
            check_run(code, run_id, summary)
        cap = self.board_cap

        def work(connection, now):  # one transaction for the lot: the writer's queue is shared with checkpoints
            if not self._refresh(connection, code, now):
                return set()
            kept = set()
            for run_id, summary in summaries.items():
                there = connection.execute("SELECT 1 FROM boards WHERE code = ? AND run = ? AND data IS NOT NULL",
                                           (code, run_id)).fetchone()
                if there is None:
                    runs = connection.execute("SELECT COUNT(*) FROM boards WHERE code = ? AND run != ? AND data IS "
                                              "NOT NULL", (code, BOARD_ROW)).fetchone()[0]
                    if runs >= cap:
                        continue
                connection.execute("INSERT INTO boards VALUES (?, ?, ?, 0, ?) ON CONFLICT (code, run) DO UPDATE SET "
                                   "data = excluded.data, expires = excluded.expires",
                                   (code, run_id, summary, now + self.board_seconds))
                kept.add(run_id)
            return kept
        return self._write(work)

    def remove_run(self, code: str, run_id: str) -> None:
        check_run(code, run_id)

        def work(connection, now):
            if self._refresh(connection, code, now):
                connection.execute("DELETE FROM boards WHERE code = ? AND run = ? AND hidden = 0", (code, run_id))
                connection.execute("UPDATE boards SET data = NULL WHERE code = ? AND run = ?", (code, run_id))
        self._write(work)

    def hide_run(self, code: str, run_id: str) -> None:
        check_run(code, run_id)

        def work(connection, now):
            if self._refresh(connection, code, now):
                connection.execute("INSERT INTO boards VALUES (?, ?, NULL, 1, ?) ON CONFLICT (code, run) DO UPDATE "
                                   "SET hidden = 1, expires = excluded.expires",
                                   (code, run_id, now + self.board_seconds))
        self._write(work)

    def board(self, code: str) -> tuple[str, dict[str, bytes], set[str]] | None:
        if not valid_board_code(code):
            return None
        rows = self._read("SELECT run, data, hidden FROM boards WHERE code = ? AND EXISTS (SELECT 1 FROM boards "
                          "WHERE code = ? AND run = ? AND expires > ?)", (code, code, BOARD_ROW, time.time()),
                          every_row=True)
        lesson = next((bytes(data).decode() for run, data, _ in rows if run == BOARD_ROW), None)
        if lesson is None:
            return None
        runs = {run: bytes(data) for run, data, _ in rows if run != BOARD_ROW and data is not None}
        return lesson, runs, {run for run, _, hidden in rows if run != BOARD_ROW and hidden}
