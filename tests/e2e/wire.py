"""One Streamlit session spoken over its websocket, without a browser: for the class load test's many sessions.

A browser tab costs this 2-core machine a Chromium renderer drawing Plotly charts; thirty of them starve the
server under test. A `WireSession` does what the tab's frontend does for the server, and no more: it opens
`/_stcore/stream`, asks for script runs with the widget values it holds, fires each fragment's `run_every`
timer, answers the app's tab-identity component (ui.reconnect) as a fresh tab would, presses Train and Pause on the
Train page's live panel and polls the feed while it trains (ui.live_panel, ui.live_texts) as their scripts do, and
keeps the page's elements by their place (delta path), so that a keyed container's text can be read and a keyed
widget found.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

PANEL, STATUS = "rnnviz_live_panel", "rnnviz_live_status"  # the Train page's live panel; the others' status line
FINISHED_FULL_RUN = {"FINISHED_SUCCESSFULLY", "FINISHED_WITH_COMPILE_ERROR", "FINISHED_EARLY_FOR_RERUN"}


class WireSession:
    def __init__(self, url: str, query: str = "", page: str = ""):
        self.url, self.query = url, query
        self.path = self.page = page  # the page the address names ("class_board"); page: until navigation names it
        self.socket = None
        self.elements: dict[tuple, tuple[str, object]] = {}  # delta path -> (kind, element or block proto)
        self.touched: set[tuple] = set()  # paths written by the full run in progress
        self.held: dict[str, WidgetState] = {}  # widget values this "tab" holds (sent with every run)
        self.fragment_of: dict[str, str] = {}  # widget id -> the fragment that drew it ("" for the full run)
        self.pages: dict[str, str] = {}  # page name -> script hash, from the navigation message
        self.page_hash = ""
        self.timers: dict[str, asyncio.Task] = {}  # fragment id -> its run_every timer
        self.running = False
        self.closed_by_server: str | None = None
        self.exceptions: list[str] = []
        self._secrets_sent: set[str] = set()
        self.cookie = ""  # a load balancer's sticky cookie (deploy.local_replicas), sent back with every request
        self._reader: asyncio.Task | None = None
        self.fed: dict[str, tuple[int, str]] = {}  # live text's key -> (published version, HTML) from the feed
        self._feed: tuple[str, asyncio.Task] | None = None  # the polled feed's token and its task
        self.polls = 0
        self.live_running = False  # whether the live panel or status line shows the model training
        self._live_version = -1  # the published version they show, of the model whose feed token is _live_token
        self._live_token = ""

    # -- connection -----------------------------------------------------------------------------------------
    async def open(self) -> None:
        address = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = await websockets.connect(address, subprotocols=["streamlit"], max_size=None,
                                               ping_interval=None, open_timeout=60)
        cookies = self.socket.response.headers.get_all("Set-Cookie")
        self.cookie = "; ".join(cookie.split(";")[0] for cookie in cookies)
        self._reader = asyncio.create_task(self._read())
        await self.rerun()

    async def close(self) -> None:
        self._stop_feed()
        for timer in self.timers.values():
            timer.cancel()
        if self._reader:
            self._reader.cancel()
        if self.socket:
            with contextlib.suppress(Exception):
                await self.socket.close()

    async def rerun(self, triggers: list[WidgetState] = (), fragment_id: str = "", timer: bool = False) -> None:
        """Ask for a run: the whole script, or (`fragment_id`) one fragment's, as its timer (`timer`) or because a
        widget inside it changed, as the frontend does."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        if self.page:  # an address that names its page, until the app's navigation says which script that is
            state.page_name = self.page
        else:
            state.page_script_hash = self.page_hash
        state.context_info.url = f"{self.url}/{self.path}" + (f"?{self.query}" if self.query else "")
        state.context_info.timezone = "UTC"
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, timer
        held = {widget.id: widget for widget in self.held.values()}
        held.update({widget.id: widget for widget in triggers})
        state.widget_states.widgets.extend(held.values())
        if not fragment_id:
            self.running = True
        await self.socket.send(message.SerializeToString())

    # -- what the server sends ------------------------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for data in self.socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                await self._take(message)
        except websockets.ConnectionClosed as closed:
            self.closed_by_server = f"websocket closed: {closed}"
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a reader that dies silently would hang the learner
            self.closed_by_server = f"reading the server's messages failed: {error!r}"

    async def _take(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            if not message.metadata.run.fragment_ids:  # a full run: the frontend drops the old timers
                for timer in self.timers.values():
                    timer.cancel()
                self.timers.clear()
                self.touched = set()
                self.page_hash = message.new_session.page_script_hash or self.page_hash
        elif kind == "navigation":
            self.pages = {page.page_name: page.page_script_hash for page in message.navigation.app_pages}
            paths = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
            if self.page in paths:
                self.page_hash, self.page = paths[self.page], ""
        elif kind == "delta":
            self._delta(message)
        elif kind == "stop_auto_rerun":
            for fragment in message.stop_auto_rerun.fragment_ids:
                if fragment in self.timers:
                    self.timers.pop(fragment).cancel()
        elif kind == "auto_rerun":
            fragment = message.auto_rerun.fragment_id
            if fragment in self.timers:
                self.timers[fragment].cancel()
            self.timers[fragment] = asyncio.create_task(self._every(message.auto_rerun.interval, fragment))
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            if status in FINISHED_FULL_RUN:
                self.running = False
                if status == "FINISHED_SUCCESSFULLY":  # what this run did not draw, the page no longer shows
                    for path in [path for path in self.elements if path not in self.touched]:
                        del self.elements[path]
                    self._follow_feed()
            await self._answer_identity()

    def _delta(self, message: ForwardMsg) -> None:
        path = tuple(message.metadata.delta_path)
        delta = message.delta
        which = delta.WhichOneof("type")
        if which == "new_element":
            element = delta.new_element
            kind = element.WhichOneof("type")
            body = getattr(element, kind) if kind else None
            self.elements[path] = (kind, body)
            if getattr(body, "id", ""):
                self.fragment_of[body.id] = delta.fragment_id
            if kind == "exception":
                self.exceptions.append(f"{body.type}: {body.message}"[:300])
            self._adopt(kind, body)
        elif which == "add_block":
            self.elements[path] = ("block", delta.add_block)
        self.touched.add(path)
        for depth in range(1, len(path)):
            self.touched.add(path[:depth])

    def _adopt(self, kind: str, body) -> None:
        """A value the server sets on a widget (st.session_state) is the value the tab now holds."""
        if body is None or not getattr(body, "set_value", False) or body.id not in self.held:
            return
        field = {"text_input": "string_value", "number_input": "double_value"}.get(kind)
        if field and body.HasField("value"):
            self.hold(body.id, field, body.value)

    async def _every(self, interval: float, fragment: str) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(interval)
                if not self.running:  # the frontend, too, holds a fragment's tick while a full run goes
                    await self.rerun(fragment_id=fragment, timer=True)

    async def _answer_identity(self) -> None:
        """The app's hidden tab-identity component asks for the tab's stored secret; a fresh tab stores the
        one offered and reports it (ui.reconnect's script, done here)."""
        for kind, body in list(self.elements.values()):
            if kind != "bidi_component" or body.component_name != "rnnviz_tab":
                continue
            data = json.loads(body.json) if body.json else {}
            offer = data.get("offer")
            if offer and not data.get("seen") and (body.id, offer) not in self._secrets_sent:
                self._secrets_sent.add((body.id, offer))
                # The frontend sends the component's own (empty) state beside its trigger: the app reads the
                # trigger through that state, before the component is drawn again.
                self.hold(body.id, "json_value", "{}")
                trigger = WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{body.id}__events",
                                      json_trigger_value=json.dumps([{"event": "secret", "value": offer}]))
                await self.rerun([trigger])

    def panel(self) -> tuple[str, dict] | None:
        """(component id, data) of the Train page's live panel, if the page shows it."""
        for kind, body in self.elements.values():
            if kind == "bidi_component" and body.component_name == PANEL:
                return body.id, json.loads(body.json)
        return None

    def _follow_feed(self) -> None:
        """Start polling the feed when the page's live panel, or its status line, shows the model training; stop
        when neither does."""
        mounted = [body for kind, body in self.elements.values()
                   if kind == "bidi_component" and body.component_name in (PANEL, STATUS)]
        if not mounted:
            self._stop_feed()
            return
        body = mounted[0]
        data = json.loads(body.json)
        if data["token"] != self._live_token:  # a new model: its versions start again
            self._live_token, self._live_version = data["token"], -1
        if data["version"] >= self._live_version:
            self._live_version, self.live_running = data["version"], data["running"]
        if not self.live_running:
            self._stop_feed()
            return
        self._start_feed(body.id, data)

    def _start_feed(self, component_id: str, data: dict) -> None:
        if self._feed is not None and self._feed[0] == data["token"] and not self._feed[1].done():
            return
        self._stop_feed()
        self._feed = (data["token"], asyncio.create_task(self._poll(component_id, data)))

    def _stop_feed(self) -> None:
        if self._feed is not None:
            self._feed[1].cancel()
            self._feed = None
        self.fed.clear()  # a new model's versions start again from 0

    async def _poll(self, component_id: str, data: dict) -> None:
        """What the panel's and the status line's script does (ui/live_channel.js): ask for what changed every
        `interval`; once the model has stopped (or is gone), ask for a full run with the component's trigger."""
        since, wait = data["version"], data["interval"]
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(wait)
                url = f"{self.url}{data['url']}?feed={data['token']}&since={since}&views={data['views']}"
                try:
                    status, shown = await asyncio.to_thread(self._get_json, url)
                except OSError:
                    wait = 1.0
                    continue
                self.polls += 1
                if status == 200:
                    for key, html_text in shown["texts"].items():
                        self.fed[key] = (shown["version"], html_text)
                    since, wait = max(since, shown["version"]), shown["next"]
                if status == 404 or not shown.get("running", True):
                    self._feed = None
                    self.fed.clear()
                    self.live_running = False
                    await self.rerun([self._trigger(component_id, "pressed", {"what": "stopped"})])
                    return

    @staticmethod
    def _trigger(component_id: str, event: str, value) -> WidgetState:
        return WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{component_id}__events",
                           json_trigger_value=json.dumps([{"event": event, "value": value}]))

    def _get_json(self, url: str, method: str = "GET") -> tuple[int, dict]:
        request = urllib.request.Request(url, method=method, headers={"Cookie": self.cookie} if self.cookie else {})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, {}

    # -- what a learner does --------------------------------------------------------------------------------
    def hold(self, widget_id: str, field: str, value) -> WidgetState:
        widget = WidgetState(id=widget_id)
        setattr(widget, field, value)
        self.held[widget_id] = widget
        return widget

    def toggle_label(self) -> str | None:
        """What Train/Pause says: the live panel's on the Train page, else the sidebar's."""
        if self.panel() is not None:
            return "Pause" if self.live_running else "Train"
        button = self.widget("train_toggle", "button")
        return None if button is None or button.disabled else button.label

    async def toggle(self) -> bool:
        """Press Train/Pause: on the Train page as the live panel's script does (the press to the feed's route,
        then one run of the page so the rest follows), else the sidebar's button."""
        found = self.panel()
        if found is None:
            return await self.press("train_toggle")
        component_id, data = found
        what = "pause" if self.live_running else "train"
        url = f"{self.url}{data['url']}?feed={data['token']}&{what}=1"
        status, shown = await asyncio.to_thread(self._get_json, url, "POST")
        if status != 200:
            return False
        self.live_running = what == "train"
        self._live_version = max(self._live_version, shown["version"])
        for key, html_text in shown["texts"].items():
            self.fed[key] = (shown["version"], html_text)
        if self.live_running:
            self._start_feed(component_id, {**data, "version": shown["version"]})
        else:
            self._stop_feed()
        await self.rerun([self._trigger(component_id, "pressed", {"what": what})])
        return True

    async def enter_prefix(self, text: str) -> bool:
        """Type a prefix and press Enter: in the live panel as its script does (to the feed's route, then one run of
        the page), else in the page's prefix box. False if the panel's prefix was refused."""
        found = self.panel()
        if found is None:
            return await self.type("prefix", text)
        component_id, data = found
        url = f"{self.url}{data['url']}?feed={data['token']}&prefix={urllib.parse.quote(text)}"
        status, shown = await asyncio.to_thread(self._get_json, url, "POST")
        if status != 200:
            return False
        for key, html_text in shown["texts"].items():
            self.fed[key] = (shown["version"], html_text)
        await self.rerun([self._trigger(component_id, "pressed", {"what": "prefix"})])
        return True

    def shows_status(self) -> bool:
        """Whether the page shows the training status (in the live panel, or in its keyed container)."""
        return self.panel() is not None or self.keyed("train_status") is not None

    def keyed(self, key: str) -> tuple | None:
        """The path of the block (container) or widget whose key is `key`, if the page shows one."""
        for path, (_, body) in self.elements.items():
            if getattr(body, "id", "").endswith(f"-{key}"):
                return path
        return None

    def inside(self, key: str) -> list[tuple[str, object]]:
        """Every element inside the container keyed `key`, in page order."""
        root = self.keyed(key)
        if root is None:
            return []
        return [self.elements[path] for path in sorted(self.elements)
                if path[:len(root)] == root and len(path) > len(root)]

    def text(self, key: str) -> str:
        """The text the container keyed `key` shows (markdown, text, code, captions; a live text as the feed last
        changed it), or the live panel's view of that name."""
        found = self.panel()
        if found is not None and key in found[1]["texts"] and self.keyed(key) is None:
            data = found[1]
            version, shown = self.fed.get(key, (-1, ""))
            value = shown if version >= data["version"] else data["texts"][key]
            return html.unescape(re.sub(r"<[^>]+>", "", value))
        parts = []
        for kind, body in self.inside(key):
            if kind == "bidi_component" and body.component_name in ("rnnviz_live_text", STATUS):
                data = json.loads(body.json)
                version, shown = self.fed.get(key, (-1, ""))
                value = shown if version >= data["version"] else data.get("html") or data["texts"][key]
                parts.append(html.unescape(re.sub(r"<[^>]+>", "", value)))
                continue
            for field in ("body", "code_text", "text"):
                if kind not in ("block", "button") and isinstance(getattr(body, field, None), str):
                    value = getattr(body, field)
                    parts.append(html.unescape(re.sub(r"<[^>]+>", "", value)) if kind == "html" else value)
                    break
        return "\n".join(parts)

    def widget(self, key: str, kind: str | None = None):
        """The widget proto inside the container keyed `key` (or keyed `key` itself)."""
        path = self.keyed(key)
        if path is None:
            return None
        found_kind, body = self.elements[path]
        if found_kind != "block":
            return body
        for inner_kind, inner in self.inside(key):
            if inner_kind != "block" and (kind is None or inner_kind == kind):
                return inner
        return None

    async def press(self, key: str) -> bool:
        button = self.widget(key, "button")
        if button is None or button.disabled:
            return False
        await self.rerun([WidgetState(id=button.id, trigger_value=True)], self.fragment_of.get(button.id, ""))
        return True

    async def type(self, key: str, value, field: str = "string_value") -> bool:
        box = self.widget(key)
        if box is None:
            return False
        self.hold(box.id, field, value)
        await self.rerun(fragment_id=self.fragment_of.get(box.id, ""))
        return True

    async def go_to(self, page: str) -> None:
        self.page_hash = self.pages[page]
        await self.rerun()

    async def until(self, check, timeout: float, every: float = 0.1):
        """Wait until `check()` is true (or returns a value); raise TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.closed_by_server:
                raise ConnectionError(self.closed_by_server)
            found = check()
            if found:
                return found
            await asyncio.sleep(every)
        raise TimeoutError(f"waited {timeout:g} s")

    def download(self, key: str) -> bytes:
        """The file behind the download button keyed `key` (its media URL, fetched as the browser would)."""
        button = self.widget(key, "download_button")
        if button is None:
            raise LookupError(f"no download button {key} on the page")
        request = urllib.request.Request(self.url + button.url, headers={"Cookie": self.cookie} if self.cookie else {})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.read()


def run_apart(coroutine):
    """Run `coroutine` to its end in a thread of its own, and return what it returns: the sync Playwright of
    the browser tests keeps an event loop running in the caller's thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
