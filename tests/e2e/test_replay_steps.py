"""One step on a screen: on each page with the replay chooser, while training, every step number the page shows
is within one publish of the status line's (a view drawn a second ago must not name a step left behind)."""

import re
import time

from .browser import CHART, PAGE_LINK, screenshot

CHOOSER_PAGES = ["Unrolled recurrence", "Hidden states", "Gradients", "Predict"]
STATUS = ".st-key-train_status"
# A step the page names: "training step 4958", "at step 12", "now (2859)". Spaces only, so a label that ends in
# "step" is not read together with the chooser's value on the next line.
NAMED_STEP = re.compile(r"\bstep (\d[\d,]*)|\bnow \((\d[\d,]*)\)")
# The page's words, and its Plotly charts' titles (SVG text, not in innerText), without the status line's.
PAGE_WORDS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const status = [...main.querySelectorAll('.st-key-train_status')].map(element => element.innerText);
  let words = main.innerText;
  for (const text of status) words = words.split(text).join(' ');
  const titles = [...main.querySelectorAll('.js-plotly-plot .gtitle')].map(title => title.textContent);
  return [words, ...titles];
}"""


def status_step(page, timeout: float = 60.0) -> int:
    """The status line's step. While a full run replaces the line, Streamlit shows the old and the new one for a
    moment (or neither): the newer, larger step of those shown, once one is."""
    deadline = time.monotonic() + timeout
    while True:
        texts = page.locator(STATUS).all_inner_texts()
        steps = [int(found.group(1)) for text in texts if (found := re.search(r"\bstep (\d+)", text))]
        if steps:
            return max(steps)
        assert time.monotonic() < deadline, f"no status line with a step in {timeout:.0f} s: {texts}"
        page.wait_for_timeout(50)


def one_publish(page, seconds: float = 1.5) -> int:
    """The most the status line's step moved between two of its redraws: at most a publish or two of steps."""
    seen, deadline = [status_step(page)], time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.wait_for_timeout(40)
        seen.append(status_step(page))
    jumps = [after - before for before, after in zip(seen, seen[1:]) if after != before]
    assert jumps, f"the status line did not move in {seconds} s: is it training? {seen}"
    return max(jumps)


def go_to(page, title: str) -> None:
    page.locator(PAGE_LINK, has_text=re.compile(f"^{re.escape(title)}$")).first.click()
    page.wait_for_selector(".st-key-replay_step", timeout=60_000)
    page.wait_for_selector(CHART, timeout=60_000)


def test_every_step_shown_is_the_status_lines_while_training(open_page):
    page = open_page()
    page.locator(".st-key-train_toggle button").first.click(timeout=90_000)
    deadline = time.monotonic() + 90
    while status_step(page) < 150 and time.monotonic() < deadline:  # a few snapshots past the first ones
        page.wait_for_timeout(200)
    for title in CHOOSER_PAGES:
        go_to(page, title)
        page.wait_for_timeout(2_500)  # the views' own redraws while training (about once a second, slower when busy)
        chooser = page.locator(".st-key-replay_step")
        assert chooser.locator('[data-testid="stSliderThumbValue"]').inner_text(timeout=30_000).strip() == "now"
        publish = one_publish(page)
        before = status_step(page)
        shown = page.evaluate(PAGE_WORDS)
        after = status_step(page)
        steps = [int((a or b).replace(",", "")) for text in shown for a, b in NAMED_STEP.findall(text)]
        far = [step for step in steps if not before - publish <= step <= after + publish]
        assert not far, (title, f"status {before}..{after}, one publish {publish} steps", far, shown)
        assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "replay_steps_predict")
