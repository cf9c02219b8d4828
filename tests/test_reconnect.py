"""A tab whose server stopped reconnects to another: it says so once and rebuilds its model from the address bar."""

import pytest
from pages_helpers import address_bar, experiment, open_app

from ui.reconnect import MARKER

pytestmark = pytest.mark.usefixtures("fresh_server")


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_the_address_bar_carries_the_tabs_marker_beside_its_settings():
    at = open_app({"dataset": "counting", "hidden_size": "32"})
    assert not at.exception and "restarted" not in warnings(at)
    assert at.query_params[MARKER] == at.session_state["session_key"][1]
    assert address_bar(at) == {"dataset": "counting", "hidden_size": "32"}


def test_a_tab_from_a_server_that_stopped_gets_a_fresh_model_with_its_settings_and_a_message():
    at = open_app({"dataset": "counting", "hidden_size": "32", "lr": "0.05", MARKER: "a-tab-this-server-never-had"})
    assert not at.exception
    assert "restarted" in warnings(at) and "same settings" in warnings(at)
    assert "Ignored unknown setting" not in warnings(at)  # the marker is no setting
    model = experiment(at)
    assert (model.config.hidden_size, model.config.lr, model.step) == (32, 0.05, 0)
    assert at.query_params[MARKER] == at.session_state["session_key"][1]  # its own marker from now on


def test_an_address_copied_from_a_live_tab_opens_quietly():
    first = open_app({"dataset": "counting", "hidden_size": "32"})
    copied = dict(first.query_params)
    second = open_app(copied)
    assert not second.exception and "restarted" not in warnings(second)
    assert experiment(second) is not experiment(first)
    assert second.query_params[MARKER] != first.query_params[MARKER]
