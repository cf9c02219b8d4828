"""JavaScript lives in .js files, read from disk and handed to the components; none hides in a Python string.

Only string tokens are read (tokenize), so a comment or a name that mentions `document.` is no hit. The browser
tests (tests/) are left out: a Playwright probe of the page is JavaScript by nature, and never shipped.
"""

from __future__ import annotations

import io
import subprocess
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What only a script in a browser says: a component's entry point, or the page's globals.
SIGNS = ("export default function", "document.", "window.")
# Files still holding JavaScript in a string, until their move lands. This list must end empty.
NOT_YET_MOVED: set[str] = set()
# What a script says when it reads Streamlit's own page (a widget's key class, a label's text), or listens to the
# whole document: each would tie a component to the page around it.
READS_THE_PAGE = (".st-key-", "innerText", "document.addEventListener", "window.addEventListener")


def tracked(pattern: str) -> list[str]:
    """The project's files matching `pattern`, as git knows them (else every such file under the root)."""
    try:
        listed = subprocess.run(["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True)
        return sorted(listed.stdout.split())
    except (OSError, subprocess.CalledProcessError):
        return sorted(str(path.relative_to(ROOT)) for path in ROOT.rglob(pattern) if ".venv" not in path.parts)


def javascript_in_strings(source: str) -> list[tuple[int, str]]:
    """(line, sign) for each string literal of `source` that holds one of SIGNS."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            found.extend((token.start[0], sign) for sign in SIGNS if sign in token.string)
    return found


def app_python() -> list[str]:
    return [path for path in tracked("*.py") if not path.startswith("tests/")]


def test_the_scan_reads_strings_only():
    assert javascript_in_strings('JS = "export default function () {}"\n') == [(1, "export default function")]
    assert javascript_in_strings('x = f"<script>window.{name} = 1</script>"\n') == [(1, "window.")]
    assert javascript_in_strings("# document.title is set by Streamlit\ndocument_count = 3\n") == []


def test_no_javascript_in_python_strings():
    paths = app_python()
    assert "app.py" in paths and "ui/live_panel.py" in paths
    hits = {path: found for path in paths if path not in NOT_YET_MOVED
            and (found := javascript_in_strings((ROOT / path).read_text(encoding="utf-8")))}
    assert not hits, f"JavaScript in Python strings (move it to a .js file under ui/): {hits}"


def test_the_list_of_files_not_yet_moved_is_true():
    """A file on NOT_YET_MOVED that no longer holds JavaScript comes off the list."""
    moved = sorted(path for path in NOT_YET_MOVED
                   if not (ROOT / path).exists() or not javascript_in_strings((ROOT / path).read_text("utf-8")))
    assert not moved, f"take these off NOT_YET_MOVED: {moved}"


def test_no_script_reads_streamlits_own_page_or_listens_to_the_whole_document():
    scripts = tracked("*.js")
    assert "ui/live_panel.js" in scripts and "ui/live_chart.js" in scripts
    readers = {path: signs for path in scripts
               if (signs := [sign for sign in READS_THE_PAGE if sign in (ROOT / path).read_text(encoding="utf-8")])}
    assert not readers, f"scripts reading Streamlit's page, or listening to the whole document: {readers}"
