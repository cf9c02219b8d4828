"""Messages to the learner are shown as text: what they quote (a prefix, a file name, a link's value) is never read
as markdown or HTML, and text no page can send (a lone surrogate) is shown escaped instead of failing the page."""

import pytest
from pages_helpers import alert_text, experiment, open_app, step

from rnnviz.config import defaults_for
from ui.messages import WORD_JOINER, as_text

pytestmark = pytest.mark.usefixtures("fresh_server")

ODD = ["evil.__class__", "<b>bold</b> <script>x()</script>", ":red[red] :smile: :material/home:", "$x^2$ `code` ~~s~~",
       "# title\n- item\n1. first\n> quote", "[link](http://example.com) www.example.com a@b.co", "a\\b & &amp; |t|",
       "lone \ud800 surrogate"]


def bare_signs(markdown: str) -> list[str]:
    """The characters of `markdown` that markdown would read as signs: those not escaped by a backslash."""
    found, position = [], 0
    while position < len(markdown):
        if markdown[position] == "\\":
            position += 2  # an escape: the next character shows as itself
            continue
        if markdown[position] in "_*<>[]`$~#|&!()-+.=":
            found.append(markdown[position])
        position += 1
    return found


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_every_markdown_sign_is_escaped_and_reads_back_as_written(text):
    shown = as_text(text)
    shown.encode("utf-8")  # a page can send it
    assert bare_signs(shown) == [], shown
    assert ":" + WORD_JOINER in shown or ":" not in text.replace("://", "")
    expected = text.encode("utf-8", "backslashreplace").decode()

    class Alert:
        value = shown
    assert alert_text(Alert) == expected


def test_a_prefix_like_python_shows_as_typed(server_navigation):
    at = open_app({"dataset": "sentences", "prefix": "evil.__class__ <b>x</b>"})
    (warning,) = at.warning
    # Escaped, so markdown shows the underscores and the tags instead of reading them ("evil.class", bold x).
    assert "evil\\.\\_\\_class\\_\\_ \\<b\\>x\\<\\/b\\>" in warning.value
    assert "Ignored prefix 'evil.__class__ <b>x</b>'" in alert_text(warning) and "Using 'good'" in alert_text(warning)
    model = experiment(at)
    step(at, 2)
    at.text_input(key="prefix").input("good __init__").run()
    (error,) = at.error
    assert "Still showing the continuation of 'good'" in alert_text(error) and "\\_" not in alert_text(error)
    assert experiment(at) is model and model.step == 2 and model.config.prefix == "good"


def test_a_sine_prefix_beyond_float32_is_refused_in_the_prefix_box(server_navigation):
    at = open_app({"dataset": "sine"}, page="pages/train.py")
    model = experiment(at)
    for prefix in ("0, 1e308", "0, " + "9" * 309, "0, 1e39"):
        at.text_input(key="prefix").input(prefix).run()
        assert any("too far outside the data's range (-1 to 1) for the model's 32-bit floats" in alert_text(error)
                   for error in at.error), [alert_text(error) for error in at.error]
        assert experiment(at) is model and model.config.prefix == defaults_for("sine").prefix


def test_a_link_with_a_series_float32_cannot_scale_opens_l0_and_says_why(server_navigation):
    at = open_app({"dataset": "csv", "series": ", ".join(["1e-45", "0"] * 20)})
    assert experiment(at).config == defaults_for("counting")
    (warning,) = at.warning
    assert "spans only 1.4e-45 from its smallest number to its largest" in alert_text(warning)
    assert "Opened lesson L0 instead" in alert_text(warning)
