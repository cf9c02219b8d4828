"""The class board in a real Chromium: a teacher starts a board, three learners join by its link in fresh browser
contexts, two train L0 and one blows up (lr=50, no clipping); the board shows all three, the one that diverged
marked, the count of right answers, and a name typed as markup shows as typed."""

from __future__ import annotations

import re
import time

from .browser import PAGE_LINK, click_key, continuation, page_scrolls, screenshot, wait_for_step

ANSWER = "2 3 4 5 6 7 8 9"
NAME = "<b>x</b>"
BOARD_SECONDS = 5.0  # the bound, reported; the test waits longer on a busy machine


def start_board(browser, url: str):
    """A teacher's tab on the class board page with a new board; (page, join link)."""
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.goto(url + "/")
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=90_000)
    page.locator(PAGE_LINK, has_text=re.compile("^Class board$")).first.click()
    click_key(page, "start_board")
    page.wait_for_selector(".st-key-board_qr img", timeout=60_000)
    join = page.locator(".st-key-board_join_link code").inner_text(timeout=30_000).strip()
    assert re.search(r"[?&]board=[A-Za-z0-9_-]{16}(&|$)", join) and "classroom=1" in join
    page.wait_for_url(re.compile(r"/class_board\?board="), timeout=30_000)
    return page, join


def join(browser, link: str):
    """A learner in a fresh browser context (no cookies, no tab secret) opening the join link."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(link)
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=90_000)
    page.wait_for_selector(".st-key-class_board_membership", timeout=60_000)
    assert "On the class board as" in page.locator(".st-key-class_board_membership").inner_text()
    return page


def rename(page, name: str) -> None:
    box = page.locator(".st-key-board_name_box input")
    box.fill(name)
    box.press("Enter")
    deadline = time.monotonic() + 30
    while name not in page.locator(".st-key-class_board_membership").inner_text():
        assert time.monotonic() < deadline, "the sidebar never showed the new name"
        page.wait_for_timeout(200)


def board_state(page) -> tuple[int, int, str, list[str]]:
    """(runs in the table, runs marked diverged, the count text, the names as the table shows them)."""
    rows = page.locator(".st-key-board_table tr.board-run")
    names = [text.split("\t")[0].strip() for text in rows.all_inner_texts()]
    count = page.locator(".st-key-board_count").inner_text() if page.locator(".st-key-board_count").count() else ""
    return rows.count(), page.locator(".st-key-board_table tr.board-run.diverged").count(), count, names


def class_of_three(browser, board_url: str, join_url: str | None = None):
    """Start a board on `board_url`; three learners join by the join link (on `join_url`'s server, if given), two
    train L0, one with lr=50 and no clipping. Returns (board page, seconds from the last learner's answer until the
    board showed all of it)."""
    board, link = start_board(browser, board_url)
    if join_url is not None:
        link = join_url + link[link.index("/?"):]
    learners = [join(browser, link), join(browser, link), join(browser, link + "&lr=50&clip=0")]
    rename(learners[0], NAME)
    for learner in learners:
        click_key(learner, "train_toggle")
    for learner in learners[:2]:
        deadline = time.monotonic() + 120
        while continuation(learner) != ANSWER:
            assert time.monotonic() < deadline, f"L0 never answered; it shows {continuation(learner)!r}"
            learner.wait_for_timeout(200)
    wait_for_step(learners[2], lambda step: step >= 1)
    learners[2].wait_for_selector("text=/blew up|Training stopped/", timeout=60_000)
    answered = time.monotonic()
    deadline = answered + 60
    while True:
        runs, diverged, count, names = board_state(board)
        if runs == 3 and diverged == 1 and count.startswith(f"2 of 3 answer {ANSWER}") and NAME in names:
            break
        assert time.monotonic() < deadline, f"the board shows {runs} runs, {diverged} diverged, {count!r}, {names}"
        board.wait_for_timeout(200)
    shown_after = time.monotonic() - answered
    print(f"\nclass board: all three runs, the diverged one and the count shown {shown_after:.1f} s after the "
          f"learners' answers (issue's bound {BOARD_SECONDS:g} s)")
    for learner in learners[:2]:
        click_key(learner, "train_toggle")  # pause
    return board, learners, shown_after


def check_names_show_as_typed(board) -> None:
    table = board.locator(".st-key-board_table")
    assert table.locator("b").count() == 0  # the markup was not read as markup
    assert NAME in table.inner_text()


def test_three_learners_on_a_board_one_diverged_and_a_name_shown_as_typed(browser, app_url):
    board, learners, shown_after = class_of_three(browser, app_url)
    check_names_show_as_typed(board)
    screenshot(board, "class_board_three")
    assert not page_scrolls(board)  # one projector screen at 1600×1000
    # The teacher hides a name: it leaves the chart and the table.
    board.locator(".st-key-board_hide").click()
    board.get_by_role("option", name=NAME).click()
    click_key(board, "board_hide_button")
    deadline = time.monotonic() + 30
    while board_state(board)[0] != 2:
        assert time.monotonic() < deadline, "the hidden name stayed on the board"
        board.wait_for_timeout(200)
    assert NAME not in board.locator(".st-key-board_table").inner_text()
    # A learner who switches the board off leaves it.
    learners[1].locator(".st-key-class_board_membership [data-testid=stCheckbox], "
                        ".st-key-class_board_membership label").first.click()
    deadline = time.monotonic() + 30
    while board_state(board)[0] != 1:
        assert time.monotonic() < deadline, "a learner who left stayed on the board"
        board.wait_for_timeout(200)
    for page in [board, *learners]:
        page.context.close()


def test_an_unknown_board_code_gets_a_clear_message(browser, app_url):
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.goto(app_url + "/class_board?board=AAAAAAAAAAAAAAAA")
    page.wait_for_selector("text=/not known here/", timeout=90_000)
    learner = browser.new_context().new_page()
    learner.goto(app_url + "/?classroom=1&board=nonsense")
    learner.wait_for_selector("text=/not known here/", timeout=90_000)
    assert learner.locator(".st-key-class_board_membership").count() == 0
    page.context.close()
    learner.context.close()
