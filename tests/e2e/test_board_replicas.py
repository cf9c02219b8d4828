"""The class board with two replicas sharing a Redis store (deploy/local_replicas.py): the board is served by one
replica, its learners by the other, and the board still shows every run, the diverged one and the count."""

from __future__ import annotations

import pytest

from deploy.local_replicas import ReplicaSet

from .browser import screenshot
from .test_class_board import check_names_show_as_typed, class_of_three
from .test_replicas import need_haproxy


@pytest.fixture
def replicas():
    need_haproxy()
    with ReplicaSet(2, redis=True) as replica_set:
        yield replica_set


def test_learners_on_one_replica_show_on_a_board_served_by_the_other(replicas, browser):
    board, learners, shown_after = class_of_three(browser, replicas.replica_url("r1"),
                                                  join_url=replicas.replica_url("r2"))
    assert all(page.url.startswith(replicas.replica_url("r2")) for page in learners)
    check_names_show_as_typed(board)
    screenshot(board, "class_board_replicas")
    for page in [board, *learners]:
        page.context.close()
