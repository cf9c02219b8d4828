"""The Train page's live feed in a real Chromium (ui.live_feed): while the model trains, the views move by the
page's own polls, not by Streamlit script runs, and the feed's token is the page's alone."""

import re
import urllib.error
import urllib.request

from streamlit.proto.BackMsg_pb2 import BackMsg

from .browser import one_text, open_app
from .test_app import click_key, go_to, shown_step, start_training, wait_for_text

FEED = "/rnnviz/feed"
STATUS_CHANGES = """async (seconds) => {
  const box = () => document.querySelector('.st-key-train_status');
  let last = box().innerText, changes = 0;
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (box().innerText !== last) { last = box().innerText; changes += 1; }
  }
  return changes;
}"""


def asks_for_a_run(frame) -> bool:
    """Whether a message the page sent over Streamlit's websocket asks for a script run."""
    message = BackMsg()
    try:
        message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
    except Exception:  # noqa: BLE001 - not a BackMsg: not a run
        return False
    return message.WhichOneof("type") == "rerun_script"


def test_while_training_the_views_move_by_the_feed_not_by_script_runs(browser, app_url):
    page = open_app(browser, app_url)
    polls, runs = [], []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: asks_for_a_run(frame) and runs.append(1)))
    start_training(page)
    page.wait_for_timeout(1000)
    polls.clear()
    runs.clear()
    changes = page.evaluate(STATUS_CHANGES, 3)
    # How often is bench_app's to measure; here, that the views move at all with no run (other tests' sessions
    # on this server slow the polls down, as a class does).
    assert changes >= 3, f"the status line changed {changes} times in 3 s of training"
    assert len(polls) >= 3, f"the page polled its feed {len(polls)} times in 3 s"
    # Each script run is asked for by a message the page sends; the feed needs none.
    assert len(runs) == 0, f"the page asked for {len(runs)} script runs in 3 s of training"

    token = re.search(r"[?&]feed=([^&]+)", polls[-1]).group(1)
    assert token not in page.url
    click_key(page, "train_toggle")  # pause: the feed says so, and the page follows with one full run
    wait_for_text(page, ".st-key-train_status", r"Paused", timeout=30)
    wait_for_text(page, ".st-key-train_toggle", r"Train", timeout=30)
    step = shown_step(page)
    page.wait_for_timeout(1000)
    assert shown_step(page) == step

    with urllib.request.urlopen(f"{app_url}{FEED}?feed={token}&since=-1", timeout=30) as reply:
        assert reply.status == 200  # the token is the only key: the page's own (tested below for others)
    try:
        urllib.request.urlopen(f"{app_url}{FEED}?feed={token[:-2]}xx&since=-1", timeout=30)
        raise AssertionError("a token the server never gave out was answered")
    except urllib.error.HTTPError as error:
        assert error.code == 404
    page.close()


def test_the_feed_token_is_never_in_a_share_link(browser, app_url):
    page = open_app(browser, app_url)
    polls = []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    start_training(page)
    page.wait_for_timeout(1000)
    token = re.search(r"[?&]feed=([^&]+)", polls[-1]).group(1)
    click_key(page, "train_toggle")
    wait_for_text(page, ".st-key-train_toggle", r"Train", timeout=30)
    assert token not in page.url
    assert token not in page.locator("body").inner_text()  # nor in the share box's link, nor anywhere shown
    page.close()


def test_on_another_page_only_the_status_comes_by_the_feed(browser, app_url):
    page = open_app(browser, app_url)
    start_training(page)
    go_to(page, "Hidden states")
    page.wait_for_selector(".st-key-train_status", timeout=30_000)
    polls, runs = [], []
    page.on("request", lambda request: FEED in request.url and polls.append(request.url))
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: asks_for_a_run(frame) and runs.append(1)))
    page.wait_for_timeout(1000)
    polls.clear()
    runs.clear()
    changes = page.evaluate(STATUS_CHANGES, 3)
    assert changes >= 3 and len(polls) >= 3, (changes, len(polls))
    assert all("views=train_status&" in url + "&" for url in polls)  # not the Train page's charts: this page has
    # its own hidden_chart. Its views redraw by a run about once a second; the status, ten times, used to as well.
    assert len(runs) <= 6, f"the page asked for {len(runs)} script runs in 3 s"
    click_key(page, "train_toggle")
    wait_for_text(page, ".st-key-train_toggle", r"Train", timeout=30)
    page.close()


def test_a_prefix_entered_while_training_is_continued_by_the_feed_at_once(browser, app_url):
    page = open_app(browser, app_url)
    start_training(page)
    box = page.locator(".st-key-prefix input")
    box.fill("6 7")
    with page.expect_response(lambda reply: FEED in reply.url and reply.request.method == "POST",
                              timeout=30_000) as answered:
        box.press("Enter")
    reply = answered.value
    assert reply.status == 200, f"the feed answered the typed prefix with {reply.status}"
    assert ">6 7</span>" in reply.json()["texts"]["continuation"]
    wait_for_text(page, ".st-key-continuation", r"^6 7( |$)", timeout=30)
    box.fill("six")  # refused: the feed says why (422), and the page's own run shows it, keeping the last prefix
    with page.expect_response(lambda reply: FEED in reply.url and reply.request.method == "POST",
                              timeout=30_000) as answered:
        box.press("Enter")
    assert answered.value.status == 422
    wait_for_text(page, '[data-testid="stMain"]', r"Still showing the continuation of '6 7'", timeout=30)
    assert re.search(r"Training", one_text(page, ".st-key-train_status"))
    page.close()
