"""capacity: the server's cap on the memory all models keep (RNNVIZ_MODEL_MEMORY) refuses new models, not old."""

import pytest

from rnnviz import InputError
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.serving import capacity
from rnnviz.serving.budget import estimate
from rnnviz.serving.hosting import let_go

SMALL = defaults_for("counting").replace(hidden_size=16)
BIG = defaults_for("counting").replace(hidden_size=256)


def test_the_cap_is_a_host_setting_and_unset_means_none(monkeypatch):
    monkeypatch.delenv(capacity.MEMORY_SETTING, raising=False)
    assert capacity.memory_cap() is None
    capacity.check_room([Experiment(BIG)], alive=[Experiment(BIG) for _ in range(3)])  # no cap: never full
    for wrong in ("lots", "-5", "0"):
        monkeypatch.setenv(capacity.MEMORY_SETTING, wrong)
        assert capacity.memory_cap() is None
    monkeypatch.setenv(capacity.MEMORY_SETTING, "1500")
    assert capacity.memory_cap() == 1500.0


def test_a_full_server_refuses_a_new_model_and_keeps_the_old_ones():
    big = estimate(BIG).kept_megabytes
    open_sessions = [Experiment(BIG), Experiment(BIG)]
    cap = 2.5 * big
    capacity.check_room([Experiment(SMALL)], cap=cap, alive=open_sessions)  # room left for a small one
    with pytest.raises(InputError, match=r"The server is full: .* MB of the .* MB .*RNNVIZ_MODEL_MEMORY"):
        capacity.check_room([Experiment(BIG)], cap=cap, alive=open_sessions)
    assert all(experiment.train(1) for experiment in open_sessions)  # the sessions already open carry on


def test_replacing_a_model_frees_its_room_and_let_go_models_count_for_nothing():
    big = estimate(BIG).kept_megabytes
    first, second = Experiment(BIG), Experiment(BIG)
    cap = 2.5 * big
    capacity.check_room([Experiment(BIG)], replacing=[first], cap=cap, alive=[first, second])  # a swap, no bigger
    bigger = Experiment(BIG.replace(hidden_size=300))
    capacity.check_room([bigger], replacing=[first], cap=cap, alive=[first, second, bigger])  # its room is freed
    with pytest.raises(InputError, match="server is full"):
        capacity.check_room([Experiment(BIG)], cap=cap, alive=[first, second])
    let_go(second)  # a closed session's model: emptied by the keeper
    capacity.check_room([Experiment(BIG)], cap=cap, alive=[first, second])
    assert capacity.in_use(alive=[first, second]) == pytest.approx(big)


def test_the_app_says_the_server_is_full_instead_of_building_a_model(server_navigation, monkeypatch):
    from pages_helpers import open_app

    monkeypatch.setenv(capacity.MEMORY_SETTING, "1")  # less than lesson L0's model keeps
    app = open_app()
    assert not app.exception
    assert any("The server is full" in error.value for error in app.error)
