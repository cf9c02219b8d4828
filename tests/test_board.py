"""A class board's library side: names, a run's summary from a real Experiment, reading summaries back, what the
board shows from them, its chart, and the writer thread against a real SQLite store."""

from __future__ import annotations

import html
import json
import time

import plotly.graph_objects as go
import pytest

from rnnviz.charts.board import DIVERGED_COLOUR, board_figure
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS
from rnnviz.serving.board import (
    MAX_POINTS,
    Board,
    board_from_store,
    board_table,
    differs_most,
    read_run,
    run_summary,
    summary_bytes,
    thinned,
)
from rnnviz.serving.board_names import MAX_NAME_CHARS, checked_name, random_name
from rnnviz.serving.board_writer import FULL, BoardWriter
from rnnviz.serving.hosting import let_go
from rnnviz.serving.store_sqlite import SqliteStore


def trained(steps: int, **settings) -> Experiment:
    experiment = Experiment(LESSONS["L0"].config.replace(**settings))
    experiment.train(steps)
    return experiment


@pytest.fixture(scope="module")
def learnt():
    return trained(60)


@pytest.fixture(scope="module")
def blown_up():
    return trained(5, lr=50.0, clip=0.0)


def run_of(experiment, name="quick otter", run_id="a1"):
    return read_run(run_id, summary_bytes(run_summary(experiment, name)))


# -- names ----------------------------------------------------------------------------------------------------------
def test_random_names_are_two_plain_words_that_pass_the_checks():
    names = {random_name() for _ in range(200)}
    assert len(names) > 50
    for name in names:
        assert len(name.split()) == 2 and checked_name(name) == name


@pytest.mark.parametrize("typed, kept", [("  Ada   L. ", "Ada L."), ("<b>x</b>", "<b>x</b>"), ("x" * 24, "x" * 24),
                                         ("Zoë 🚀", "Zoë 🚀")])
def test_a_typed_name_is_kept_as_typed_with_spaces_tidied(typed, kept):
    assert checked_name(typed) == kept


@pytest.mark.parametrize("typed", ["", "   ", "x" * 25, "a\x00b", "a\u202eb", "zero\u200bwidth", None, 5])
def test_a_bad_name_is_refused_with_a_sentence(typed):
    with pytest.raises(InputError, match="name"):
        checked_name(typed)


# -- a run's summary ------------------------------------------------------------------------------------------------
def test_a_learnt_L0_run_answers_right_with_its_settings_and_a_thinned_curve(learnt):
    run = run_of(learnt)
    assert (run.name, run.lr, run.cell, run.hidden_size, run.num_layers, run.clip) == \
        ("quick otter", 0.01, "RNN (tanh)", 256, 1, 0.0)
    assert run.step == 60 and run.answer == "2 3 4 5 6 7 8 9" and not run.diverged
    assert len(run.steps) == 60 and run.steps[-1] == 60 and run.loss == pytest.approx(learnt.trainer.rows[-1]["loss"],
                                                                                      rel=1e-3)
    board = Board("L0", (run,), ())
    assert board.is_right(run) and board.count_text() == "1 of 1 answer 2 3 4 5 6 7 8 9"


def test_a_summary_stays_small_however_long_the_history():
    rows = [{"step": n + 1, "loss": 1.0 / (n + 1)} for n in range(50_000)]
    steps, losses = thinned(rows)
    assert len(steps) == MAX_POINTS and steps[0] == 1 and steps[-1] == 50_000
    assert steps == sorted(steps) and losses[-1] == pytest.approx(1 / 50_000)


def test_a_run_that_blew_up_is_marked_diverged(blown_up):
    run = run_of(blown_up)
    assert blown_up.trainer.diverged and run.diverged and run.lr == 50.0
    assert not Board("L0", (run,), ()).is_right(run)


def test_an_untrained_model_shows_step_zero_and_its_noise():
    fresh = Experiment(LESSONS["L0"].config)
    run = run_of(fresh)
    assert run.step == 0 and run.steps == () and run.loss is None and not run.diverged
    assert run.answer is not None and run.answer.startswith("2 3 4")


def test_non_finite_losses_travel_as_gaps_and_count_as_blown_up(learnt):
    summary = run_summary(learnt, "x")
    summary["losses"][-1], summary["loss"] = None, None
    data = summary_bytes(summary)
    assert b"NaN" not in data and read_run("a1", data).losses[-1] is None


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"name": "x"}', json.dumps({"steps": [1, 2]}).encode()])
def test_a_damaged_summary_is_skipped(data):
    assert read_run("a1", data) is None


def test_a_summary_with_a_bad_number_is_skipped(learnt):
    summary = run_summary(learnt, "x")
    summary["lr"] = "0.01; drop table"
    assert read_run("a1", summary_bytes(summary)) is None


# -- the board ----------------------------------------------------------------------------------------------------
def test_the_board_counts_right_answers_hides_runs_and_sorts_by_name(learnt, blown_up):
    stored = {"a1": summary_bytes(run_summary(learnt, "zed")), "b2": summary_bytes(run_summary(learnt, "amy")),
              "c3": summary_bytes(run_summary(blown_up, "bob")), "d4": b"damaged"}
    board = board_from_store(("L0", stored, {"a1"}))
    assert [run.name for run in board.runs] == ["amy", "bob"] and [run.name for run in board.hidden] == ["zed"]
    assert board.count_text() == "1 of 2 answer 2 3 4 5 6 7 8 9"
    table = board_table(board)
    assert list(table["name"]) == ["amy", "bob"]
    assert table["answer"].iloc[0] == "✓ 2 3 4 5 6 7 8 9" and "diverged" in table["answer"].iloc[1]
    assert board_from_store(None) is None


def test_a_lesson_without_a_right_answer_ticks_nothing(learnt):
    board = Board("L4", (run_of(learnt),), ())
    assert board.count_text() is None and board.is_right(board.runs[0]) is None


def test_the_colouring_follows_the_setting_that_differs_most(learnt, blown_up):
    same = run_of(learnt)
    assert differs_most([same, same]) == "lr"
    assert differs_most([same, run_of(blown_up)]) == "lr"
    wider = read_run("x", summary_bytes({**run_summary(learnt, "w"), "hidden_size": 64}))
    other = read_run("y", summary_bytes({**run_summary(learnt, "v"), "hidden_size": 32}))
    assert differs_most([same, wider, other]) == "hidden_size"


def test_the_chart_draws_every_run_names_as_typed_and_diverged_runs_red(learnt, blown_up):
    board = Board("L0", (run_of(learnt, "<b>x</b>"), run_of(blown_up, "bob", "b2")), ())
    figure = go.Figure(board_figure(board, "lr"))  # checked by Plotly here: a figure it accepts
    lines = [trace for trace in figure.data if trace.mode == "lines"]
    assert len(lines) == 2
    assert html.escape("<b>x</b>") in lines[0].hovertemplate and "<b>x</b>" not in lines[0].hovertemplate
    assert lines[1].line.color == DIVERGED_COLOUR and lines[1].line.dash == "dash"
    marks = [(trace.text, trace.customdata) for trace in figure.data if trace.mode == "markers+text"]
    assert sorted(marks) == [(("✓",), (html.escape("<b>x</b>"),)), (("✗",), ("bob",))]
    assert figure.layout.yaxis.type == "log" and [entry.name for entry in figure.data if entry.showlegend] == \
        ["learning rate 0.01", "diverged"]


def test_an_empty_board_says_how_runs_arrive():
    figure = go.Figure(board_figure(Board("L0", (), ())))
    assert "join link" in figure.layout.annotations[0].text


# -- the writer -----------------------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    made = SqliteStore(tmp_path / "models.sqlite3")
    yield made
    made.close()


def test_the_writer_keeps_a_joined_run_on_its_board_and_takes_it_off(store, learnt):
    code = store.create_board("L0")
    writer = BoardWriter(store, tick_seconds=3600)  # rounds by hand
    try:
        writer.join("a1", code, "quick otter", learnt)
        writer.round()
        board = board_from_store(store.board(code))
        assert [(run.name, run.step) for run in board.runs] == [("quick otter", 60)]
        writes = writer.writes
        writer.round()
        assert writer.writes == writes  # nothing changed: nothing written
        writer.join("a1", code, "<b>x</b>", learnt)
        writer.round()
        assert board_from_store(store.board(code)).runs[0].name == "<b>x</b>"
        writer.leave("a1")
        writer.round()
        assert store.board(code)[1] == {}
    finally:
        writer.close()


def test_a_run_whose_model_was_let_go_leaves_the_board(store):
    code = store.create_board("L0")
    experiment = trained(3)
    writer = BoardWriter(store, tick_seconds=3600)
    try:
        writer.join("a1", code, "x", experiment)
        writer.round()
        assert "a1" in store.board(code)[1]
        let_go(experiment)
        writer.round()
        writer.round()
        assert store.board(code)[1] == {}
    finally:
        writer.close()


def test_a_full_board_says_so_to_the_learner(store, learnt):
    store.board_cap = 1
    code = store.create_board("L0")
    writer = BoardWriter(store, tick_seconds=3600)
    try:
        writer.join("a1", code, "first", learnt)
        writer.join("b2", code, "second", learnt)
        writer.round()
        assert writer.problem("a1") is None and writer.problem("b2") == FULL
    finally:
        writer.close()


def test_the_writer_thread_writes_by_itself_about_once_a_second(store, learnt):
    code = store.create_board("L0")
    writer = BoardWriter(store, tick_seconds=0.2)
    try:
        writer.join("a1", code, "x", learnt)
        deadline = time.monotonic() + 20
        while not store.board(code)[1] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "a1" in store.board(code)[1]
    finally:
        writer.close()


def test_names_longer_than_the_limit_never_reach_the_board(learnt):
    assert len(run_summary(learnt, "y" * 100)["name"]) == MAX_NAME_CHARS


def test_many_values_get_a_colour_bar_not_a_legend_row_each(learnt):
    runs = tuple(read_run(f"{n:x}", summary_bytes({**run_summary(learnt, f"r{n}"), "lr": 0.01 + n / 1000}))
                 for n in range(30))
    figure = go.Figure(board_figure(Board("L0", runs, ()), "lr"))
    assert not any(trace.showlegend for trace in figure.data if trace.mode == "lines")
    bars = [trace for trace in figure.data if trace.mode == "markers" and trace.marker.showscale]
    assert len(bars) == 1 and len(bars[0].marker.colorbar.tickvals) <= 8


def test_losses_within_one_decade_still_get_numbers_on_the_axis(learnt):
    runs = tuple(read_run(f"{n:x}", summary_bytes({**run_summary(learnt, f"r{n}"), "lr": 0.01 + n / 1000,
                                                   "steps": [1, 2, 3], "losses": [2.6, 2.4, 2.2 + n / 100]}))
                 for n in range(3))
    axis = go.Figure(board_figure(Board("L0", runs, ()), "lr")).layout.yaxis
    shown = [value for value in axis.tickvals if 10 ** axis.range[0] <= value <= 10 ** axis.range[1]]
    assert shown and all(2 <= value <= 3 for value in shown) and len(axis.ticktext) == len(axis.tickvals)


def test_a_legend_takes_its_rows_from_the_plot_not_the_page(learnt):
    def runs(count):
        return tuple(read_run(f"{n:x}", summary_bytes({**run_summary(learnt, f"r{n}"), "lr": 0.01 + n / 1000}))
                     for n in range(count))
    with_legend = go.Figure(board_figure(Board("L0", runs(6), ()), "lr", height=500))
    with_bar = go.Figure(board_figure(Board("L0", runs(30), ()), "lr", height=500))
    assert any(trace.showlegend for trace in with_legend.data) and with_legend.layout.height == with_bar.layout.height
