"""What a hostile-input probe found, in a real Chromium: text quoted in a message shows as typed (no markdown, no
HTML), and a file over Streamlit's own upload limit is explained instead of leaving "The text is empty"."""

from urllib.parse import quote

from rnnviz.datasets.uploads import MAX_UPLOAD_BYTES
from ui.messages import WORD_JOINER

from .browser import screenshot

ODD_PREFIX = "evil.__class__ <b>b</b> :red[r] :smile:"  # 39: links quote 40 characters


def test_a_message_quoting_a_link_shows_its_text_as_typed(open_page):
    shown = open_page(f"dataset=sentences&prefix={quote(ODD_PREFIX)}")
    alert = shown.locator('[data-testid="stAlert"]', has_text="Ignored prefix").first  # not the lesson note
    alert.wait_for(timeout=30_000)
    text = alert.inner_text().replace(WORD_JOINER, "")
    assert f"Ignored prefix '{ODD_PREFIX}'" in text, text
    assert alert.locator("b, strong, em, .katex, span[style*='color']").count() == 0  # nothing was styled
    screenshot(shown, "hostile_markdown_in_a_notice")


def test_a_file_over_the_upload_limit_is_explained(open_page, tmp_path):
    shown = open_page("dataset=sentences")
    shown.goto(shown.url.split("?")[0].rstrip("/") + "/your_data")
    shown.wait_for_selector(".st-key-own_text_file input[type=file]", state="attached", timeout=60_000)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_UPLOAD_BYTES + 1))
    shown.locator(".st-key-own_text_file input[type=file]").set_input_files(str(big))
    shown.wait_for_timeout(1000)  # Streamlit's uploader refuses it in the browser: rnnviz never receives it
    shown.locator(".st-key-use_text button").first.click()
    error = shown.locator('[data-testid="stAlert"]', has_text="There is no text yet")
    error.wait_for(timeout=30_000)
    assert "up to 1,000,000 bytes" in error.inner_text() and "marks a larger file in red" in error.inner_text()
    screenshot(shown, "hostile_upload_over_the_limit")
