"""The class board's chart: every joined run's loss on one axis, coloured by one setting."""

from __future__ import annotations

import functools
import html

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from rnnviz.charts.style import LEGEND_ROW, legend_rows, log_axis, note_figure, styled
from rnnviz.serving.board import COLOUR_BY, Board, board_table, setting_text

DIVERGED_COLOUR = "#d62728"
RIGHT_COLOUR = "#2a9d5c"
SCALE = "Viridis"  # no red in it: red is kept for runs that blew up
LEGEND_VALUES = 6  # more values than this get a colour bar: a legend row each would push the chart off the screen


def value_colours(values) -> dict:
    """One colour per distinct value, in order (smallest dark, largest light)."""
    ordered = sorted(set(values), key=lambda value: (isinstance(value, str), value))
    if len(ordered) == 1:
        return {ordered[0]: sample_colorscale(SCALE, [0.35])[0]}
    spots = [0.9 * index / (len(ordered) - 1) for index in range(len(ordered))]
    return dict(zip(ordered, sample_colorscale(SCALE, spots)))


def _colour_bar(colours: dict, colour_by: str, label: str) -> dict:
    """A colour bar beside the chart with the values' colours, in order, labelled with a few of the values."""
    values = list(colours)
    shown = list(range(len(values)))[:: max(len(values) // 6, 1)]
    scale = [[index / (len(values) - 1), colour] for index, colour in enumerate(colours.values())]
    return dict(type="scatter", x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                marker=dict(color=[0], cmin=0, cmax=len(values) - 1, colorscale=scale, showscale=True,
                            colorbar=dict(title=dict(text=label, side="right"), thickness=14, tickvals=shown,
                                          ticktext=[setting_text(colour_by, values[i]) for i in shown])))


def _marks(ends: list, mark: str, colour: str, symbol: str) -> dict:
    """One trace for every run's end mark of one kind (✓ or ✗): a trace per run would cost as much as its line."""
    return dict(type="scatter", x=[end[0] for end, _ in ends], y=[end[1] for end, _ in ends], mode="markers+text",
                text=[mark] * len(ends), textposition="middle right", customdata=[name for _, name in ends],
                marker=dict(symbol=symbol, size=11, color=colour), textfont=dict(size=18, color=colour),
                showlegend=False, hovertemplate=f"%{{customdata}}<extra>{mark}</extra>")


@functools.lru_cache(maxsize=32)
def _layout(title: str, height: int, legend: tuple[tuple[str, str, str], ...]) -> dict:
    """The shared look (styled) for a board chart whose legend shows `legend` (name, colour, dash), as a dict."""
    fig = go.Figure([go.Scatter(x=[None], y=[None], mode="lines", name=name, line=dict(color=colour, dash=dash))
                     for name, colour, dash in legend])
    fig.update_xaxes(title=dict(text="training step", standoff=4), automargin=True)
    fig.update_yaxes(title="loss", type="log", dtick=1)  # labels at whole decades only: 0.1, 1, 10
    layout = styled(fig, title, "class_board", height).to_dict()["layout"]
    # The legend's rows come out of the plot, not the page: the board fits one projector screen however many.
    layout["height"] -= LEGEND_ROW * legend_rows(fig)
    return layout


def board_figure(board: Board, colour_by: str = "lr", height: int = 620) -> dict:
    """Every run's loss against its steps, one line each, coloured by `colour_by` (a Plotly figure as a dict).

    What to see: which settings learn fast, which stall and which blow up. Red dashed lines with a ✗ are
    runs that diverged; a ✓ at a line's end means that run answers the lesson's question right.
    """
    label = COLOUR_BY.get(colour_by, colour_by)
    title = f"The class's loss · coloured by {label}"
    if not board.runs:
        return note_figure("No runs yet: learners who open the join link and press Train appear here.", title,
                           "class_board", height).to_dict()
    colours = value_colours(run.setting(colour_by) for run in board.runs)
    many = len(colours) > LEGEND_VALUES  # then a colour bar says which colour is which value, not the legend
    in_legend: set = set() if not many else {f"{label} {setting_text(colour_by, value)}" for value in colours}
    # A plain dict, drawn as it is: built from checked numbers and texts, it skips Plotly's per-property checks,
    # which would cost a good part of a second at every refresh.
    traces = [_colour_bar(colours, colour_by, label)] if many else []
    legend, right, blown = [], [], []
    for run in board.runs:
        value = run.setting(colour_by)
        name = html.escape(run.name)  # Plotly reads tags in its texts: a name shows as typed
        group = "diverged" if run.diverged else f"{label} {setting_text(colour_by, value)}"
        colour, dash = (DIVERGED_COLOUR, "dash") if run.diverged else (colours[value], "solid")
        traces.append(dict(
            type="scatter", x=list(run.steps), y=list(run.losses), mode="lines", name=group, legendgroup=group,
            showlegend=group not in in_legend, connectgaps=False,
            line=dict(color=colour, width=3 if run.diverged else 2.5, dash=dash),
            hovertemplate=f"{name}<br>step %{{x}}: loss %{{y:.3g}}<extra>{html.escape(group)}</extra>"))
        if group not in in_legend:
            legend.append((group, colour, dash))
            in_legend.add(group)
        end = next(((s, loss) for s, loss in zip(reversed(run.steps), reversed(run.losses)) if loss is not None),
                   None)
        if end is not None and (run.diverged or board.is_right(run)):
            (blown if run.diverged else right).append((end, name))
    traces += [_marks(ends, mark, colour, symbol) for ends, mark, colour, symbol in
               ((right, "✓", RIGHT_COLOUR, "circle"), (blown, "✗", DIVERGED_COLOUR, "x")) if ends]
    layout = _layout(title, height, tuple(legend))
    # Ticks for the class's losses (the cached layout has no data to choose them): a class whose losses all lie
    # within one decade still gets numbers on its axis.
    ticks = log_axis([loss for run in board.runs for loss in run.losses if loss is not None])
    if ticks:
        layout = {**layout, "yaxis": {**layout["yaxis"], **ticks}}
    return {"data": traces, "layout": layout}


def board_table_html(board: Board) -> str:
    """The runs as a compact table (name, settings, step, loss, answer) that holds 30 rows beside the chart on one
    projector screen. Every cell is text: a name such as `<b>x</b>` shows as typed. Rows that diverged are red, right
    answers green."""
    frame = board_table(board)
    cell = "padding:0 6px;border-top:1px solid #dde3ea;white-space:nowrap;overflow:hidden;text-overflow:ellipsis"
    head = "".join(f'<th style="text-align:left;padding:0 6px">{html.escape(column)}</th>'
                   for column in frame.columns)
    rows = []
    for run, values in zip(board.runs, frame.itertuples(index=False)):
        kind = "diverged" if run.diverged else ("right" if board.is_right(run) else "")
        colour = {"diverged": DIVERGED_COLOUR, "right": RIGHT_COLOUR}.get(kind, "inherit")
        cells = "".join(f'<td style="{cell};max-width:{14 if i == 0 else 9}em">{html.escape(str(value))}</td>'
                        for i, value in enumerate(values))
        rows.append(f'<tr class="board-run {kind}" style="color:{colour}">{cells}</tr>')
    return ('<table class="board-runs" style="border-collapse:collapse;width:100%;font-size:0.8rem;line-height:1.15">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
