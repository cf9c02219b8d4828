"""The Train page's live panel and the feed in a real Chromium (ui.live_panel, ui.feed_route): the panel's presses and
views go over the feed route, not by Streamlit script runs; it needs nothing of Streamlit's own page (its keys and
labels renamed, Pause still stops training at once); and the feed's token is the page's alone."""

import json
import re
import urllib.error
import urllib.request

from streamlit.proto.BackMsg_pb2 import BackMsg

from .browser import CONNECTED, one_text, open_app, view
from .test_app import click_key, go_to, shown_step, start_training, wait_for_text

FEED = "/rnnviz/feed"
PANEL_BUTTON = "button.rnnviz-train"  # the panel's own Train/Pause (ui/live_panel.js)
STATUS_CHANGES = """async ([selector, seconds]) => {
  const box = () => document.querySelector(selector);
  let last = box().innerText, changes = 0;
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (box().innerText !== last) { last = box().innerText; changes += 1; }
  }
  return changes;
}"""
# Every Streamlit key class and every button label in the page changed, as a new Streamlit version or a renamed
# widget would: the panel must not care.
RENAME_STREAMLITS_PAGE = """() => {
  for (const node of document.querySelectorAll('[class*="st-key-"]')) {
    for (const name of [...node.classList]) {
      if (name.startsWith('st-key-')) node.classList.replace(name, 'st-key-renamed-' + name.slice(7));
    }
  }
  for (const button of document.querySelectorAll('button')) {
    const label = button.querySelector('p') || button;
    label.textContent = 'Renamed';
  }
}"""
# In the page's own clock: from the press of the panel's button to the first frame painted after the status says
# "Paused" (resolves with the milliseconds, or null after `limit` ms).
TIME_PAUSE = """async ([button, status, limit]) => {
  const pressed = performance.now();
  document.querySelector(button).click();
  while (performance.now() - pressed < limit) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    if (document.querySelector(status).textContent.includes('Paused')) return performance.now() - pressed;
  }
  return null;
}"""


def asks_for_a_run(frame) -> bool:
    """Whether a message the page sent over Streamlit's websocket asks for a script run."""
    message = BackMsg()
    try:
        message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
    except Exception:  # noqa: BLE001 - not a BackMsg: not a run
        return False
    return message.WhichOneof("type") == "rerun_script"


def open_watching_runs(browser, app_url: str):
    """A new tab of the app, and the list to which each script run it asks for adds one (watched from its start:
    the page opens its websocket once)."""
    page, runs = browser.new_page(viewport={"width": 1600, "height": 1000}), []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: asks_for_a_run(frame) and runs.append(1)))
    page.goto(app_url + "/")
    page.wait_for_selector(CONNECTED, timeout=60_000)
    return page, runs


def feed_step(app_url: str, token: str) -> int:
    """The step the model is at, as the feed says (its status text)."""
    with urllib.request.urlopen(f"{app_url}{FEED}?feed={token}&since=-1&views=train_status", timeout=30) as reply:
        status = json.loads(reply.read())["texts"]["train_status"]
    return int(re.search(r"step\s+(\d+)", status).group(1))


def test_the_train_page_has_one_train_button_the_panels(browser, app_url):
    page = open_app(browser, app_url)
    page.wait_for_selector(PANEL_BUTTON, timeout=60_000)
    assert page.locator(".st-key-train_toggle").count() == 0  # the sidebar's gives way on this page
    for kept in ("step", "reset"):
        assert page.locator(f".st-key-{kept} button").first.is_visible(), kept
    go_to(page, "Hidden states")
    page.wait_for_selector(".st-key-train_toggle button", timeout=30_000)  # other pages keep the sidebar's
    assert page.locator(PANEL_BUTTON).count() == 0
    page.close()


def test_while_training_the_panel_moves_by_the_feed_not_by_script_runs(browser, app_url):
    page, runs = open_watching_runs(browser, app_url)
    polls = []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    start_training(page)
    page.wait_for_timeout(1000)
    polls.clear()
    runs.clear()
    changes = page.evaluate(STATUS_CHANGES, [view("train_status"), 3])
    # How often is bench_app's to measure; here, that the views move at all with no run (other tests' sessions
    # on this server slow the polls down, as a class does).
    assert changes >= 3, f"the status line changed {changes} times in 3 s of training"
    assert len(polls) >= 3, f"the page polled its feed {len(polls)} times in 3 s"
    assert len(runs) == 0, f"the page asked for {len(runs)} script runs in 3 s of training"

    token = re.search(r"[?&]feed=([^&]+)", polls[-1]).group(1)
    assert token not in page.url
    with page.expect_response(lambda reply: FEED in reply.url and "pause=1" in reply.url, timeout=30_000):
        page.locator(PANEL_BUTTON).click()  # pause: straight to the route, then one run so the page follows
    wait_for_text(page, view("train_status"), r"Paused", timeout=30)
    wait_for_text(page, view("train_toggle"), r"Train", timeout=30)
    page.wait_for_timeout(1000)
    assert runs, "the page did not follow the pause with a run"
    step = shown_step(page)
    page.wait_for_timeout(1000)
    assert shown_step(page) == step == feed_step(app_url, token)

    try:
        urllib.request.urlopen(f"{app_url}{FEED}?feed={token[:-2]}xx&since=-1", timeout=30)
        raise AssertionError("a token the server never gave out was answered")
    except urllib.error.HTTPError as error:
        assert error.code == 404
    page.close()


def test_pause_stops_training_at_once_with_streamlits_keys_and_labels_renamed(browser, app_url):
    page = open_app(browser, app_url)
    polls = []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    start_training(page)
    page.wait_for_timeout(1000)
    page.evaluate(RENAME_STREAMLITS_PAGE)
    assert page.locator(".st-key-reset, .st-key-step, .st-key-live_panel").count() == 0
    assert page.locator(PANEL_BUTTON).inner_text() == "Renamed"
    token = re.search(r"[?&]feed=([^&]+)", polls[-1]).group(1)
    status = ".rnnviz-view-train_status"
    # In the page's own clock; the best of three presses, so that one stall of this shared machine does not decide.
    best = None
    for _ in range(3):
        waited = page.evaluate(TIME_PAUSE, [PANEL_BUTTON, status, 10_000])
        assert waited is not None, "Pause never showed"
        step = feed_step(app_url, token)
        page.wait_for_timeout(1000)
        assert feed_step(app_url, token) == step, "training went on after Pause"
        assert re.search(rf"step\s+{step}\b", one_text(page, status))
        best = waited if best is None else min(best, waited)
        if best <= 500:
            break
        page.evaluate("(button) => document.querySelector(button).click()", PANEL_BUTTON)  # train again
        wait_for_text(page, status, r"Training .*steps/s", timeout=30)
        page.wait_for_timeout(500)
    assert best <= 500, f"Pause took {best:.0f} ms to show, best of three"
    page.close()


def test_the_feed_token_is_never_in_a_share_link(browser, app_url):
    page = open_app(browser, app_url)
    polls = []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    start_training(page)
    page.wait_for_timeout(1000)
    token = re.search(r"[?&]feed=([^&]+)", polls[-1]).group(1)
    click_key(page, "train_toggle")
    wait_for_text(page, view("train_toggle"), r"Train", timeout=30)
    assert token not in page.url
    assert token not in page.locator("body").inner_text()  # nor in the share box's link, nor anywhere shown
    page.close()


def test_on_another_page_only_the_status_comes_by_the_feed(browser, app_url):
    page, runs = open_watching_runs(browser, app_url)
    start_training(page)
    go_to(page, "Hidden states")
    page.wait_for_selector(".st-key-train_status", timeout=30_000)
    polls = []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    page.wait_for_timeout(1000)
    polls.clear()
    runs.clear()
    changes = page.evaluate(STATUS_CHANGES, [".st-key-train_status", 3])
    assert changes >= 3 and len(polls) >= 3, (changes, len(polls))
    assert all("views=train_status&" in url + "&" for url in polls)  # not the Train page's charts: this page has
    # its own hidden_chart, which redraws by a run about once a second.
    assert len(runs) <= 6, f"the page asked for {len(runs)} script runs in 3 s"
    click_key(page, "train_toggle")  # the sidebar's Pause, by its own run
    wait_for_text(page, ".st-key-train_toggle", r"Train", timeout=30)
    page.close()


def test_a_prefix_entered_while_training_is_continued_by_the_feed_at_once(browser, app_url):
    page = open_app(browser, app_url)
    start_training(page)
    box = page.locator(f"{view('prefix')} input")
    box.fill("6 7")
    with page.expect_response(lambda reply: FEED in reply.url and reply.request.method == "POST",
                              timeout=30_000) as answered:
        box.press("Enter")
    reply = answered.value
    assert reply.status == 200, f"the feed answered the typed prefix with {reply.status}"
    assert ">6 7</span>" in reply.json()["texts"]["continuation"]
    wait_for_text(page, view("continuation"), r"^6 7( |$)", timeout=30)
    box.fill("six")  # refused: the feed says why (422), and the panel shows it, keeping the last prefix
    with page.expect_response(lambda reply: FEED in reply.url and reply.request.method == "POST",
                              timeout=30_000) as answered:
        box.press("Enter")
    assert answered.value.status == 422
    wait_for_text(page, ".rnnviz-prefix-refusal", r"Still showing the continuation of '6 7'", timeout=30)
    assert re.search(r"^6 7( |$)", one_text(page, view("continuation")))
    assert re.search(r"Training", one_text(page, view("train_status")))
    page.close()
