"""Sessions spoken over Streamlit's websocket alone (tests/e2e/wire.py), as the class load test's many learners
are: two at once each press L0 with a learning rate of their own, train to the lesson's answer, pause, and get
back files that are their own. This keeps the load test's client honest, and checks the app needs nothing
from a browser beyond what its frontend sends."""

import asyncio
import re

from .browser import running_app
from .load_tabs import ANSWERS
from .load_wire import WireLearner
from .wire import WireSession, run_apart


async def learner(url: str, index: int, folder) -> dict:
    """The load test's learner number `index` (an L0 one that neither types nor switches pages) presses its
    lesson, sets its own rate and trains; then it waits for the answer, pauses and exports its files."""
    learner = WireLearner(index, url, [], None, None, folder)
    session = learner.session
    try:
        await learner.open()
        await learner.prepare()
        await learner.train()
        await session.until(lambda: re.search(ANSWERS["L0"], session.text("continuation")), 90)
        await session.until(lambda: learner._toggle_says("Pause"), 30)
        assert await session.toggle()
        await session.until(lambda: "Paused" in session.text("train_status"), 30)
        held = re.search(r"step (\d+)", session.text("train_status")).group(1)
        await asyncio.sleep(1.0)
        assert re.search(r"step (\d+)", session.text("train_status")).group(1) == held  # paused: it holds still
        await learner.export_and_check()
        return {"held": int(held), "files": learner.figures, "errors": learner.errors,
                "exceptions": session.exceptions, "closed": session.closed_by_server}
    finally:
        await learner.close()


def test_two_sessions_over_the_websocket_train_apart_and_export_their_own_files(app_url, tmp_path):
    async def both():
        # Learners 0 and 3 of a class: lesson L0, rates 0.011 and 0.0113, no prefix typed, no page switched.
        return await asyncio.gather(learner(app_url, 0, tmp_path), learner(app_url, 3, tmp_path))

    for result in run_apart(both()):
        assert result["exceptions"] == result["errors"] == [] and result["closed"] is None
        assert result["files"]["problems"] == [], result["files"]["problems"]
        assert result["files"]["steps"] == result["held"] > 0  # the files are at the step the page showed


def test_a_class_arriving_at_a_fresh_server_at_once_gets_the_app_not_an_error():
    """Sessions whose first runs overlap the server's background import of torch (ui.loading) draw Plotly while
    numpy and pandas are half imported in the other thread; each must still get the full page, no exception."""
    async def arrive(url: str, after: float) -> list[str]:
        await asyncio.sleep(after)  # a class arrives over a few seconds, while the server imports
        session = WireSession(url)
        try:
            await session.open()
            await session.until(lambda: session.exceptions or (session.shows_status()
                                                               and not session.running), 120)
            return session.exceptions + ([session.closed_by_server] if session.closed_by_server else [])
        finally:
            await session.close()

    async def class_of(url: str, size: int):
        return await asyncio.gather(*(arrive(url, 0.25 * index) for index in range(size)))

    with running_app({"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}) as (url, _process, _started):
        assert run_apart(class_of(url, 16)) == [[]] * 16
