"""Texts shown exactly as they are (HTML with every character escaped): a continuation, a table of them."""

from __future__ import annotations

import html

MONOSPACE = "font-family: ui-monospace, Menlo, Consolas, monospace"


def continuation_html(typed: str, written: str) -> str:
    """The prefix (underlined, blue) followed by what the model wrote, large enough for a projector.

    Spaces and line breaks are kept, so the text reads exactly as the model wrote it; the page's
    text is the two parts joined, e.g. `2 3 4 5 6 7 8 9`.
    """
    return (f'<div style="{MONOSPACE}; font-size: 1.9rem; line-height: 1.35; white-space: pre-wrap; '
            'overflow-wrap: anywhere">'
            f'<span style="color: #1f6fb4; font-weight: 700; text-decoration: underline">{html.escape(typed)}</span>'
            f"<span>{html.escape(written)}</span></div>")


def table_html(frame, max_chars: int = 80) -> str:
    """A small table whose first column is a label and the others texts in monospace, each cut to `max_chars`.

    Nothing in a cell is read as markdown or HTML, and line breaks show as ↵. A text with no space to wrap at
    (a model writing one letter over and over) wraps anywhere rather than running off a narrow column; a table
    too wide for its column all the same scrolls sideways.
    """
    def cell(value) -> str:
        text = str(value)
        text = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        return html.escape(text.replace("\n", "↵"))

    cell_style = "padding: 4px 10px; border-top: 1px solid #dde3ea"
    head = "".join(f'<th style="text-align: left; padding: 4px 10px">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = [f'<td style="{cell_style}; white-space: nowrap">{cell(row[0])}</td>']
        text_style = f"{cell_style}; white-space: pre-wrap; overflow-wrap: anywhere; {MONOSPACE}"
        cells += [f'<td style="{text_style}">{cell(v)}</td>' for v in row[1:]]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    # A table of many columns (a series' values) scrolls sideways inside the column instead of running off the page.
    return (f'<div style="overflow-x: auto; max-width: 100%"><table style="border-collapse: collapse; width: 100%; '
            f'font-size: 1.05rem"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
