"""The first ten seconds on a fresh server, in a real Chromium: the app's own sidebar from the first frame.

Streamlit would list the files in pages/ by file name ("app", "hidden states", …) on a fresh server's
first visit; the app turns that list off and draws its own page links (ui.page_links), and its controls,
title and text before torch is loaded (ui.loading).
"""

import time

from .browser import running_app, screenshot

# What Streamlit's own list would show: the files' names, lower case, with spaces for underscores.
FILE_NAMES = ["app", "hidden states", "inside model", "side by side", "worked maths", "your data"]
SAMPLE = """() => {
  const nav = document.querySelector('[data-testid="stSidebarNav"]');
  const links = [...document.querySelectorAll('[data-testid="stSidebar"] a')].map(a => a.innerText.trim());
  return {nav: nav !== null, links, buttons: document.querySelectorAll('[data-testid="stSidebar"] button').length,
          train: document.querySelector(':is(.st-key-train_toggle, .rnnviz-view-train_toggle) button') !== null,
          title: (document.querySelector('h1') || {}).innerText || ''};
}"""


def test_no_file_name_list_from_the_first_frame(browser):
    """Every 100 ms from page.goto until Train works: never Streamlit's list of file names, and the sidebar's
    buttons and the page's title come before the model is ready."""
    with running_app() as (url, _process, _started):  # a fresh server: its first visit is the one that matters
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        frames, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            frame = page.evaluate(SAMPLE)
            frames.append(frame)
            if len(frames) % 10 == 1:
                screenshot(page, f"first_frame_{len(frames):03d}")
            assert not frame["nav"], f"Streamlit's own page list is on screen: {frame}"
            # (the app's own titles differ in case: "Hidden states", and there is no "app")
            assert not set(FILE_NAMES) & set(frame["links"]), f"file names listed: {frame['links']}"
            if frame["train"]:
                break
            page.wait_for_timeout(100)
        assert frames[-1]["train"], "Train never appeared"
        first_button = next(i for i, f in enumerate(frames) if f["buttons"])
        first_title = next(i for i, f in enumerate(frames) if f["title"])
        ready = len(frames) - 1
        assert first_button < ready and first_title < ready, "nothing was drawn before the model was ready"
        assert "Hidden states" in frames[-1]["links"]
        # The tab's icon is the 🔁 picture, carried in the page (nothing fetched from elsewhere).
        icon = page.evaluate("() => decodeURIComponent(document.querySelector(\"link[rel='shortcut icon']\").href)")
        assert icon.startswith("data:image/svg+xml,") and ">🔁</text>" in icon, icon
        # On a projector, Train is on screen without scrolling the sidebar.
        box = page.locator(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720
        screenshot(page, "first_frame_ready")
        page.close()
