"""README is for its users: short enough to read (the figures and their history live in docs/benchmarks.md)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_LINES = 250


def test_readme_is_at_most_250_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES, f"README has {len(lines)} lines; move detail to docs/"


def test_every_document_readme_links_to_is_there():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/architecture.md", "docs/benchmarks.md", "docs/train-page.png"):
        assert name in text and (ROOT / name).exists(), name
