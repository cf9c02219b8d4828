"""One learner of the class load test (tests/e2e/load_test.py): what a student's tab does, a step at a time.

Each learner is one browser tab (one Streamlit session). It presses a lesson (L0, or L2 for every fifth),
sets a learning rate of its own (so its files say whose they are), presses Train and waits for the lesson's
answer; some type a prefix, some switch pages while training, three open the heaviest link the budget
allows instead of a lesson. After training each pauses, exports its model and history, and some import
their model file back. The load test calls `tick` on every learner in turn, so no tab waits on another.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from safetensors import safe_open

from rnnviz.config import defaults_for
from rnnviz.serving.budget import estimate, largest_allowed

from .browser import PAGE_LINK, view

STATUS, CONTINUATION = view("train_status"), view("continuation")
ANSWERS = {"L0": r"^\s*2\s*3\s*4\s*5\s*6\s*7\s*8\s*9", "L2": r"^\s*good\s*i\s*am\s*fine"}
TYPED = {"L0": ("5 6 7", r"^\s*5\s*6\s*7\s*8\s*9"), "L2": ("hey", r"^\s*hey\s*how\s*are\s*you")}
# Loaded at a page's address, Streamlit's frontend first looks for its server under that path: two 404s, expected.
PROBES = re.compile(r"/[a-z_]+/_stcore/(health|host-config)$")


def heaviest_link() -> dict[str, str]:
    """The link parameters of the costliest training step the budget allows, among a few kinds of model."""
    candidates = [largest_allowed(defaults_for("counting").replace(cell="lstm"), "batch_size", 256),
                  largest_allowed(defaults_for("counting").replace(hidden_size=512), "batch_size", 256),
                  largest_allowed(defaults_for("shakespeare").replace(cell="gru", hidden_size=256), "seq_len", 169)]
    heaviest = max((c for c in candidates if c is not None), key=lambda c: estimate(c).worst_step_seconds)
    return heaviest.to_query()


def plan(learner, index: int, heavy: dict | None) -> None:
    """What learner number `index` does (the same for a browser tab and a wire session): its lesson, its own
    learning rate, its link, and whether it types a prefix, switches pages, imports its model back."""
    learner.lesson = None if heavy else ("L2" if index % 5 == 4 else "L0")
    learner.lr = round(0.011 + 0.0001 * index, 6)  # never a lesson's own 0.01, so it always shows in the link
    learner.query = {**heavy, "lr": str(learner.lr)} if heavy else {}
    learner.types = learner.lesson is not None and index % 3 == 1
    learner.switches = index % 4 == 2
    learner.imports = index % 5 == 0


class Learner:
    def __init__(self, index: int, context, url: str, errors: list, closing, heavy: dict | None, folder: Path):
        self.index, self.url, self.errors, self.closing, self.folder = index, url, errors, closing, folder
        plan(self, index, heavy)
        self.page = context.new_page()
        self.figures: dict = {"tab": index, "lesson": self.lesson or "heaviest link", "lr": self.lr}
        self.trained_at = self.paused_at = None
        self.typed_at = None
        self.switched = 0
        page = self.page
        page.on("pageerror", lambda error: errors.append(f"tab {index}: page error {error}"))
        page.on("response", lambda response: response.status >= 400 and not PROBES.search(response.url)
                and errors.append(f"tab {index}: HTTP {response.status} for {response.url}"))
        page.on("websocket", lambda socket: socket.on("close", lambda _: errors.append(
            f"tab {index}: websocket closed while the tab was open")
            if not page.is_closed() and not closing.is_set() else None))

    # -- opening and training ----------------------------------------------------------------------------------
    def open(self) -> None:
        query = "&".join(f"{key}={value}" for key, value in self.query.items())
        self.page.goto(f"{self.url}/" + (f"?{query}" if query else ""))
        self.page.wait_for_selector(STATUS, timeout=120_000)
        self.page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=120_000)

    def prepare(self) -> None:
        """Press the lesson and set this tab's own learning rate (its signature in the files it exports).
        A rate the sidebar shows reverted is typed again, as a learner would, and counted (`retyped_lr`)."""
        page = self.page
        if self.lesson:
            page.locator(f".st-key-preset_{self.lesson} button").first.click()
            # Typed before the press's run, the rate would be set first and the lesson's own put over it.
            page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stAlert]')].some(alert => "
                                   "alert.textContent.includes('a new model, ready to train'))", timeout=60_000)
        for attempt in range(3):
            if self.lesson:
                box = page.locator(".st-key-lr input")
                box.fill(str(self.lr))
                box.press("Enter")
            # The share box shows the model's settings as soon as they apply (the address bar can lag one change).
            try:
                page.wait_for_function(
                    f"() => [...document.querySelectorAll('section[data-testid=stSidebar] [data-testid=stCode]')]"
                    f".some(box => box.textContent.includes('lr={self.lr}'))",
                    timeout=20_000 if self.lesson else 60_000)  # a link's rate is typed by no one: wait as before
                return
            except PlaywrightTimeout:
                shown = page.locator(".st-key-lr input").input_value(timeout=10_000)
                self.figures.setdefault("retyped_lr", []).append(shown)
                if not self.lesson or attempt == 2:
                    raise

    @property
    def dataset(self) -> str:
        return {"L0": "counting", "L2": "sentences"}.get(self.lesson, "")

    def train(self) -> None:
        self.page.locator(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button").first.click()
        self.trained_at = time.monotonic()

    def tick(self, train_seconds: float) -> bool:
        """One look at the tab while it trains: its answer, a typed prefix, a page switch, or Pause. True when done."""
        if self.paused_at is not None:
            return True
        try:
            return self._tick(train_seconds)
        except Exception as error:  # noqa: BLE001 - one tab's failure is a finding, not the end of the run
            self.errors.append(f"tab {self.index}: {str(error).splitlines()[0]}")
            with contextlib.suppress(Exception):  # a tab too busy to answer may not draw a picture either
                self.page.screenshot(path=str(self.folder / f"tab{self.index:02d}-tick-failure.png"), timeout=10_000)
            self.paused_at = time.monotonic()
            self.figures["wall_seconds"] = round(self.paused_at - self.trained_at, 1)
            return True

    def _tick(self, train_seconds: float) -> bool:
        now, page = time.monotonic(), self.page
        if now - self.trained_at >= train_seconds:
            if self.switched == 1:
                self._go_to("Train")
            page.locator(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button").first.click()
            self.paused_at = time.monotonic()
            self.figures["wall_seconds"] = round(self.paused_at - self.trained_at, 1)
            return True
        if self.switches and self.switched == 0 and now - self.trained_at > 4:
            self._go_to("Hidden states")
            self.switched = 1
            return False
        if self.switched == 1 and now - self.trained_at > 10:
            self._go_to("Train")
            self.switched = 2
        if self.lesson and self.switched != 1 and page.locator(CONTINUATION).count():
            text = page.locator(CONTINUATION).inner_text(timeout=30_000)
            if "answer_seconds" not in self.figures and re.search(ANSWERS[self.lesson], text):
                self.figures["answer_seconds"] = round(now - self.trained_at, 2)
                if self.types:
                    box = page.locator(":is(.st-key-prefix, .rnnviz-view-prefix) input")
                    box.fill(TYPED[self.lesson][0])
                    box.press("Enter")
                    self.typed_at = time.monotonic()
            elif self.typed_at and "typed_prefix_seconds" not in self.figures and re.search(TYPED[self.lesson][1],
                                                                                              text):
                self.figures["typed_prefix_seconds"] = round(now - self.typed_at, 2)
        return False

    def _go_to(self, title: str) -> None:
        # force: while the page redraws every tick the link never stays "stable" long enough for a plain click
        self.page.locator(PAGE_LINK, has_text=re.compile(f"^{title}$")).first.click(
            force=True, timeout=30_000)
        self.page.wait_for_selector(STATUS, timeout=60_000)

    # -- files -------------------------------------------------------------------------------------------------
    def export_and_check(self, folder: Path) -> None:
        """Download the model and history from Your data, check they are this tab's; some load the model back."""
        page = self.page
        if page.locator('[data-testid="stException"]').count():
            self.errors.append(f"tab {self.index}: an exception is shown on the page")
        self._go_to("Your data")
        page.get_by_role("tab", name="Export and import").click(timeout=30_000)
        model = self._download("export_model", folder)
        history = self._download("export_history", folder)
        self.figures.update(self._check_files(model, history))
        if self.imports:
            page.locator(".st-key-model_file input[type=file]").set_input_files(str(model))
            page.wait_for_timeout(500)
            page.locator(".st-key-load_model button").first.click()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "Loaded" not in " ".join(
                    page.locator('[data-testid="stAlert"]').all_inner_texts()):
                page.wait_for_timeout(200)
            status = page.locator(STATUS).inner_text(timeout=30_000)
            found = re.search(r"step\s+(\d+)", status)
            self.figures["imported_at_step"] = int(found.group(1)) if found else None
            if self.figures["imported_at_step"] != self.figures["steps"]:
                self.figures["problems"].append(f"the imported model is at step {self.figures['imported_at_step']}, "
                                                f"its file at {self.figures['steps']}")

    def _download(self, key: str, folder: Path) -> Path:
        with self.page.expect_download(timeout=30_000) as info:
            self.page.locator(f"{view(key)} button").first.click()
        path = folder / f"tab{self.index:02d}-{info.value.suggested_filename}"
        info.value.save_as(path)
        return path

    def _check_files(self, model: Path, history: Path) -> dict:
        return check_files(model, history.read_text(), self.lr, self.dataset or self.query.get("dataset"),
                           self.figures.get("wall_seconds") or 1.0)


def check_files(model: Path, history: str, lr: float, dataset: str, wall: float) -> dict:
    """What a session's exported model file and history CSV say, and whether they are that session's own:
    its learning rate, its dataset, and steps 1, 2, 3, … up to the model's step."""
    with safe_open(str(model), framework="pt") as handle:
        metadata = json.loads(handle.metadata()["rnnviz"])
    config = metadata["config"]
    rows = list(csv.DictReader(io.StringIO(history)))
    steps = [int(row["step"]) for row in rows]
    problems = []
    if config["lr"] != lr or {float(row["lr"]) for row in rows} - {lr}:
        problems.append(f"the files have lr {config['lr']}, the tab set {lr}")
    if config["dataset"] != dataset:
        problems.append(f"the model file is on {config['dataset']}, the tab's lesson on {dataset}")
    if steps != list(range(1, len(steps) + 1)) or metadata["step"] != len(steps):
        problems.append("the history's steps are not 1, 2, 3, … up to the model file's step")
    return {"steps": len(steps), "steps_per_second": round(len(steps) / wall, 1), "problems": problems,
            "hidden_size": config["hidden_size"], "cell": config["cell"], "batch_size": config["batch_size"]}
