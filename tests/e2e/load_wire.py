"""One learner of the class load test spoken over the websocket (tests/e2e/wire.py), not drawn by a browser.

It does what a browser tab's learner does (tests/e2e/load_tabs.py), with the same plan for the same index: a
lesson, its own learning rate, Train, the lesson's answer, maybe a typed prefix or a page switch, Pause, and
its model and history exported (fetched from the download buttons) and checked to be its own. Importing a
file back is left to the browser tabs: it needs the frontend's upload handshake. `Wire` runs these learners'
event loop beside the browser tabs' (sync) Playwright.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import threading
import time
import urllib.parse
from pathlib import Path

from .load_tabs import ANSWERS, TYPED, check_files, plan
from .wire import WireSession

NOTICE = "a new model, ready to train"


class WireLearner:
    def __init__(self, index: int, url: str, errors: list, closing, heavy: dict | None, folder: Path):
        self.index, self.url, self.errors, self.closing, self.folder = index, url, errors, closing, folder
        plan(self, index, heavy)
        self.imports = False
        self.session = WireSession(url, urllib.parse.urlencode(self.query))
        self.figures: dict = {"tab": index, "lesson": self.lesson or "heaviest link", "lr": self.lr, "wire": True}
        self.trained_at = self.paused_at = self.typed_at = None
        self.switched = 0

    @property
    def dataset(self) -> str:
        return {"L0": "counting", "L2": "sentences"}.get(self.lesson, "") or self.query.get("dataset")

    def _error(self, what: str) -> None:
        self.errors.append(f"wire session {self.index}: {what}")

    def _settled(self) -> bool:
        return not self.session.running and self.session.shows_status()

    async def open(self) -> None:
        await self.session.open()
        await self.session.until(self._settled, 120)

    async def prepare(self) -> None:
        """The lesson, then this learner's own rate, typed again (and counted) if the sidebar shows another."""
        session = self.session
        if self.lesson:
            await session.press(f"preset_{self.lesson}")
            await session.until(lambda: any(kind == "alert" and NOTICE in body.body
                                            for kind, body in session.elements.values()), 60)
            await session.until(self._settled, 60)
        for attempt in range(3):
            if self.lesson:
                await session.type("lr", self.lr, "double_value")
            try:
                await session.until(self._shares_rate, 20 if self.lesson else 60)
                return
            except TimeoutError:
                lr = session.widget("lr")
                self.figures.setdefault("retyped_lr", []).append(getattr(lr, "value", None))
                if not self.lesson or attempt == 2:
                    raise

    def _shares_rate(self) -> bool:
        """The sidebar's share box shows this learner's rate: the model has it."""
        return any(kind == "code" and path[0] == 1 and f"lr={self.lr}" in body.code_text
                   for path, (kind, body) in self.session.elements.items())

    async def train(self) -> None:
        await self.session.until(lambda: self._toggle_says("Train"), 30)
        await self.session.toggle()
        self.trained_at = time.monotonic()

    def _toggle_says(self, label: str):
        return self.session.toggle_label() == label and not self.session.running

    async def run(self, train_seconds: float) -> None:
        """Look at the page every 0.2 s until it is time to pause, as a learner watching it would."""
        try:
            while not await self._tick(train_seconds):
                await asyncio.sleep(0.2)
        except Exception as error:  # noqa: BLE001 - one learner's failure is a finding, not the end of the run
            self._error(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
            self.paused_at = time.monotonic()
            self.figures["wall_seconds"] = round(self.paused_at - self.trained_at, 1)

    async def _tick(self, train_seconds: float) -> bool:
        now, session = time.monotonic(), self.session
        if session.closed_by_server:
            raise ConnectionError(session.closed_by_server)
        if now - self.trained_at >= train_seconds:
            if self.switched == 1:
                await self._go_to("Train")
            await session.until(lambda: self._toggle_says("Pause"), 30)
            await session.toggle()
            self.paused_at = time.monotonic()
            self.figures["wall_seconds"] = round(self.paused_at - self.trained_at, 1)
            await session.until(lambda: self._toggle_says("Train"), 30)
            return True
        if self.switches and self.switched == 0 and now - self.trained_at > 4:
            await self._go_to("Hidden states")
            self.switched = 1
            return False
        if self.switched == 1 and now - self.trained_at > 10:
            await self._go_to("Train")
            self.switched = 2
        if self.lesson and self.switched != 1:
            text = session.text("continuation")
            if "answer_seconds" not in self.figures and re.search(ANSWERS[self.lesson], text):
                self.figures["answer_seconds"] = round(now - self.trained_at, 2)
                if self.types:
                    await session.enter_prefix(TYPED[self.lesson][0])
                    self.typed_at = time.monotonic()
            elif self.typed_at and "typed_prefix_seconds" not in self.figures and re.search(TYPED[self.lesson][1],
                                                                                              text):
                self.figures["typed_prefix_seconds"] = round(now - self.typed_at, 2)
        return False

    async def _go_to(self, title: str) -> None:
        await self.session.go_to(title)
        await self.session.until(lambda: self.session.shows_status() and not self.session.running, 60)

    async def export_and_check(self) -> None:
        session = self.session
        if session.exceptions:
            self._error(f"an exception is shown on the page: {session.exceptions[0]}")
        await self._go_to("Your data")
        await session.until(lambda: session.widget("export_history", "download_button"), 60)
        model = self.folder / f"wire{self.index:02d}-model.safetensors"
        loop = asyncio.get_running_loop()
        model.write_bytes(await loop.run_in_executor(None, session.download, "export_model"))
        history = (await loop.run_in_executor(None, session.download, "export_history")).decode()
        self.figures.update(check_files(model, history, self.lr, self.dataset, self.figures.get("wall_seconds") or 1.0))
        model.unlink()

    async def close(self) -> None:
        await self.session.close()


class Wire:
    """The wire sessions' event loop, in a thread of its own beside the browser tabs' (sync) Playwright."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def start(self, coroutines) -> concurrent.futures.Future:
        async def together():
            await asyncio.gather(*coroutines)
        return asyncio.run_coroutine_threadsafe(together(), self.loop)

    def each(self, learners, method: str, failure: str, stagger: float = 0.0, at_once: int = 0) -> None:
        """`method` of every learner, concurrently (`at_once` at a time, if set); a failure is one error."""
        gate = asyncio.Semaphore(at_once) if at_once else contextlib.nullcontext()

        async def one(position, learner):
            await asyncio.sleep(position * stagger)
            try:
                async with gate:
                    await getattr(learner, method)()
            except Exception as error:  # noqa: BLE001 - one session's failure is a finding, not the end of the run
                text = str(error).splitlines()[0] if str(error) else ""
                learner.errors.append(f"wire session {learner.index}: {failure}: {type(error).__name__} {text}")
        self.start([one(position, learner) for position, learner in enumerate(learners)]).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
