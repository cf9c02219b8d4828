"""The class board in the app (AppTest, with a real SQLite store): starting a board on its page, joining by a link,
the sidebar's name box and leave switch, and clear messages for codes that are unknown or malformed."""

import pytest
from pages_helpers import alert_text, open_app

from ui import board_member

pytestmark = pytest.mark.usefixtures("fresh_server")


def warnings_of(at) -> str:
    return " ".join(alert_text(element) for element in [*at.warning, *at.error])


def test_the_board_page_starts_a_board_for_the_lesson_in_use(app_store):
    at = open_app(page="pages/class_board.py")
    at.button(key="start_board").click().run()
    code = at.session_state[board_member.VIEWING]
    assert app_store.board_lesson(code) == "L0"
    join = at.get("code")[0].value
    assert f"board={code}" in join and "classroom=1" in join
    assert at.query_params[board_member.BOARD] == code  # the address names the board, for a reload
    assert not at.exception


def test_a_join_link_puts_the_learner_on_the_board_under_a_random_name(app_store):
    code = app_store.create_board("L0")
    at = open_app({board_member.BOARD: code, "classroom": "1"})
    assert at.session_state[board_member.JOINED] == code and at.session_state[board_member.ON]
    name = at.session_state[board_member.NAME]
    assert len(name.split()) == 2
    assert name_box(at).value == name
    # The address shows the lesson's settings and names the board while the learner is on it: for a reload.
    assert at.query_params[board_member.BOARD] == code and at.query_params["dataset"] == "counting"
    name_box(at).set_value("<b>x</b>").run()
    assert at.session_state[board_member.NAME] == "<b>x</b>" and name_box(at).value == "<b>x</b>"
    name_box(at).set_value("   ").run()
    assert at.session_state[board_member.NAME] == "<b>x</b>" and "at least one letter" in warnings_of(at)
    assert name_box(at).value == "<b>x</b>"  # the box shows the name kept
    switch(at).set_value(False).run()
    assert not at.session_state[board_member.ON] and not switch(at).value and not at.exception
    assert board_member.BOARD not in at.query_params  # off the board: a reload does not put them back on
    switch(at).set_value(True).run()
    assert at.session_state[board_member.ON] and at.session_state[board_member.NAME] == "<b>x</b>"
    assert at.query_params[board_member.BOARD] == code


def name_box(at):
    return next(box for box in at.text_input if str(box.key).startswith(board_member.NAME_BOX))


def switch(at):
    return next(toggle for toggle in at.toggle if str(toggle.key).startswith("board_switch"))


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAA", "nonsense", "", "'; DROP TABLE boards; --", "A" * 500])
def test_an_unknown_or_malformed_code_gets_a_clear_message_and_no_board(app_store, code):
    at = open_app({board_member.BOARD: code, "classroom": "1"})
    assert "not known here" in warnings_of(at)
    assert board_member.JOINED not in at.session_state and not at.exception
    at = open_app({board_member.BOARD: code}, page="pages/class_board.py")
    assert not at.exception


def test_an_unknown_code_on_the_board_page_says_so_and_offers_a_new_board(app_store):
    at = open_app(page="pages/class_board.py")
    at.session_state[board_member.VIEWING] = "AAAAAAAAAAAAAAAA"
    at.run()
    assert "not known here" in warnings_of(at)
    assert at.button(key="start_board") is not None and not at.exception
