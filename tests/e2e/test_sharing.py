"""Share links, the focused view and model files in a real Chromium: what a teacher and a student would do."""

import csv
import io
import re
import time

import numpy as np

from .browser import one_text, screenshot, view
from .test_app import click_key, continuation, go_to, wait_for_text

LINK = "dataset=sentences&hidden_size=12&prefix=good"
L2_ANSWER = r"^good\s*i\s*am\s*fine"


def wait_for_value(page, key: str, value: str, timeout: float = 30.0) -> None:
    """Wait until the input of widget `key` shows `value` (widgets draw a moment after the page's first run)."""
    box = page.locator(f"{view(key)} input").first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if box.count() and box.input_value() == value:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{key} never showed {value!r}; it shows {box.input_value() if box.count() else None!r}")


def status_step(page) -> int:
    return int(re.search(r"step\s+(\d+)", one_text(page, view("train_status"))).group(1))


def test_a_share_link_sets_the_controls_and_its_model_learns_the_lesson(open_page):
    page = open_page(LINK)
    wait_for_value(page, "dataset", "sentences")
    wait_for_value(page, "hidden_size", "12")
    wait_for_value(page, "prefix", "good")
    wait_for_text(page, view("continuation"), r"^\s*good", timeout=30)  # the container may arrive before its text
    assert status_step(page) == 0
    # The lesson's own settings: the address bar keeps the short form (only what differs from the defaults).
    assert page.url.endswith("/?dataset=sentences")  # and nothing else: the tab's secret never goes in it
    click_key(page, "train_toggle")
    wait_for_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)", L2_ANSWER, timeout=60)
    screenshot(page, "sharing_link_learned")
    click_key(page, "train_toggle")


def test_the_address_bar_follows_the_settings_and_the_share_box_shows_it(open_page):
    page = open_page()
    box = page.locator(".st-key-lr input")
    box.fill("0.05")
    box.press("Enter")
    page.wait_for_url(re.compile(r"lr=0\.05"), timeout=30_000)
    page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary', has_text="Copy share link").click()
    links = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
    links.first.wait_for(timeout=30_000)
    assert links.nth(0).inner_text().strip() == page.url
    assert links.nth(1).inner_text().strip() == page.url + "&classroom=1"
    page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]', has_text="Copy share link").screenshot(
        path=str(screenshot(page, "sharing_share_box").with_name("sharing_share_box_only.png")))
    # The link opens the same settings in a new session.
    other = open_page(page.url.split("/?", 1)[1])
    wait_for_value(other, "lr", "0.05")


def test_the_classroom_key_hides_the_settings_but_not_training(open_page):
    page = open_page(LINK + "&classroom=1")
    for key in ("dataset", "hidden_size", "lr", "preset_L0"):
        assert page.locator(f"{view(key)}").count() == 0, key
    assert page.get_by_text("Copy share link").count() == 0
    for key in ("train_toggle", "reset", "step"):
        assert page.locator(f"{view(key)} button").first.is_visible(), key
    wait_for_value(page, "prefix", "good")
    screenshot(page, "sharing_classroom")
    click_key(page, "train_toggle")
    wait_for_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)", L2_ANSWER, timeout=60)
    click_key(page, "train_toggle")
    go_to(page, "Hidden states")
    assert page.locator(".st-key-dataset").count() == 0 and "classroom=1" in page.url


def test_a_hostile_link_opens_with_a_notice_and_no_traceback(open_page):
    page = open_page("dataset=sentences&hidden_size=99999&lr=nan&cell=%3Cscript%3E&num_layers=-1")
    notice = page.locator('[data-testid="stAlert"]').first.inner_text()
    assert "hidden_size 99999 is outside" in notice and "Ignored lr='nan'" in notice
    assert page.locator('[data-testid="stException"]').count() == 0
    wait_for_value(page, "hidden_size", "512")


def test_export_the_model_and_its_files_then_load_it_back(open_page, tmp_path):
    page = open_page(LINK)
    page.locator(".st-key-step_count input").fill("60")
    click_key(page, "step")
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 60\b", timeout=60)
    trained = continuation(page)
    go_to_data = page.locator('.st-key-page_links a', has_text="Your data").first
    go_to_data.click()
    page.get_by_role("tab", name="Export and import").click()
    files = {}
    for key in ("export_model", "export_history", "export_traces"):
        with page.expect_download(timeout=60_000) as download:
            page.locator(f"{view(key)} button").first.click()
        files[key] = tmp_path / download.value.suggested_filename
        download.value.save_as(files[key])
    assert files["export_model"].name == "rnnviz-sentences-rnn12x1-step60.safetensors"
    rows = list(csv.DictReader(io.StringIO(files["export_history"].read_text())))
    assert [int(row["step"]) for row in rows] == list(range(1, 61))
    arrays = np.load(files["export_traces"], allow_pickle=False)
    assert arrays["hidden"].shape[0] == 1 and arrays["hidden"].shape[2] == 12 and int(arrays["step"]) == 60
    screenshot(page, "sharing_export")

    click_key(page, "reset")  # a fresh model, then the file brings the trained one back
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 0\b", timeout=30)
    page.locator(".st-key-model_file input[type=file]").set_input_files(str(files["export_model"]))
    page.wait_for_timeout(1000)
    click_key(page, "load_model")
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 60\b", timeout=30)
    assert page.locator('[data-testid="stException"]').count() == 0
    go_to(page, "Train")
    assert continuation(page) == trained


def test_a_refused_upload_explains_and_keeps_the_model(open_page, tmp_path):
    page = open_page(LINK)
    page.locator(".st-key-step_count input").fill("5")
    click_key(page, "step")
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 5\b", timeout=60)
    page.locator('.st-key-page_links a', has_text="Your data").first.click()
    page.get_by_role("tab", name="Your numbers (CSV)").click()
    bad = tmp_path / "gaps.csv"
    bad.write_text("day,v\nmon,1.5\ntue,\n" + "".join(f"d{i},1\n" for i in range(3, 40)))  # v: the only numbers
    page.locator(".st-key-own_csv_file input[type=file]").set_input_files(str(bad))
    page.locator(".st-key-use_column button").first.click()
    error = page.locator('[data-testid="stAlert"]', has_text="missing value")
    error.wait_for(timeout=30_000)
    assert "in row 2" in error.inner_text() and "Nothing was changed" in error.inner_text()
    assert status_step(page) == 5
    screenshot(page, "sharing_refused_csv")
