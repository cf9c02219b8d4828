"""The work budget: links that would stop a shared server are refused with a message; lessons pass; and the
estimate is checked against what a step, a trace and a prediction really take here."""

import random
import time
from types import SimpleNamespace

import pytest
import torch

from rnnviz.cli import config_from_args
from rnnviz.config import DATASET_DEFAULTS, LIMITS, Caution, Config, defaults_for
from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS, lesson_query
from rnnviz.serving import budget
from rnnviz.serving.budget import estimate, over_budget

# The links of issue 12: 148 s and 7.3 GB, 104 s and 5.7 GB, 17 s and 2.8 GB for one step.
HEAVY_LINKS = [
    {"dataset": "sine", "cell": "lstm", "hidden_size": "512", "num_layers": "4", "batch_size": "256", "seq_len": "400"},
    {"dataset": "recall", "lag": "300", "hidden_size": "512", "num_layers": "4", "batch_size": "256"},
    {"dataset": "recall", "lag": "300", "hidden_size": "512", "batch_size": "256"},
]


@pytest.mark.parametrize("link", HEAVY_LINKS)
def test_the_issues_links_are_refused_with_what_to_lower(link):
    asked = Config.from_query({k: v for k, v in link.items()})
    config, notices = asked
    assert over_budget(config) is None  # what was built instead fits
    assert (config.hidden_size, config.batch_size, config.seq_len, config.lag) != (
        int(link["hidden_size"]), int(link["batch_size"]), int(link.get("seq_len", config.seq_len)),
        int(link.get("lag", config.lag)))
    message = notices[-1]
    assert "Too much work for this server" in message and "RNNVIZ_STEP_BUDGET=1" in message
    assert "Lower" in message and "batch size (256)" in message and "Using" in message


def test_a_host_raises_the_budget_with_one_setting(monkeypatch):
    link = HEAVY_LINKS[2]
    monkeypatch.setenv("RNNVIZ_STEP_BUDGET", "100")
    config, notices = Config.from_query(link)
    assert (config.hidden_size, config.lag, config.batch_size, notices) == (512, 300, 256, [])
    monkeypatch.setenv("RNNVIZ_STEP_BUDGET", "nonsense")
    assert budget.budget_factor() == 1.0


@pytest.mark.parametrize("key", sorted(LESSONS))
def test_every_lesson_fits_the_budget_and_its_link_opens_unchanged(key):
    config = LESSONS[key].config
    assert over_budget(config) is None
    query = dict(pair.split("=", 1) for pair in lesson_query(key)[1:].split("&"))
    from urllib.parse import unquote
    opened, notices = Config.from_query({k: unquote(v) for k, v in query.items()})
    assert opened == config and all(isinstance(notice, Caution) for notice in notices)  # L5's lr 3: a caution


def test_every_datasets_defaults_and_the_command_lines_defaults_fit():
    for name in DATASET_DEFAULTS:
        defaults = defaults_for(name)
        if name == "text":  # the largest vocabulary text can have
            defaults = defaults.replace(text="".join(chr(0x4E00 + i) for i in range(256)))
        assert over_budget(defaults) is None, name
    args = SimpleNamespace(dataset=None, text_file=None)
    assert over_budget(config_from_args(args)) is None


def test_a_widget_that_tips_the_budget_keeps_the_models_other_settings():
    base = defaults_for("counting").replace(batch_size=128, seq_len=200)
    config, notices = Config.checked(base, hidden_size=512, lr=0.05)
    assert (config.hidden_size, config.lr) == (256, 0.05) or (config.batch_size, config.seq_len) != (128, 200)
    assert over_budget(config) is None and "hidden size (512)" in notices[-1]


def test_a_big_model_file_keeps_its_network_at_a_smaller_batch():
    big = defaults_for("text").replace(text="abcdefgh " * 20, cell="lstm", hidden_size=512, num_layers=4)
    config, notices = Config.checked(defaults_for("text"), **{k: getattr(big, k) for k in
                                                             ("text", "cell", "hidden_size", "num_layers")})
    assert (config.cell, config.hidden_size, config.num_layers) == ("lstm", 512, 4)
    assert config.batch_size < 32 and over_budget(config) is None and notices


# -- the estimate against measurements ----------------------------------------------------------------------
def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def allowed_grid(count: int, seed: int = 12) -> list[Config]:
    """Settings a link may ask for that the budget allows, from the heavy end (over a third of the budget)."""
    rng, found = random.Random(seed), []
    while len(found) < count:
        dataset = rng.choice(["counting", "shakespeare", "sine", "recall", "brackets", "adding"])
        config = defaults_for(dataset).replace(
            cell=rng.choice(["rnn", "lstm", "gru"]), hidden_size=rng.choice([16, 64, 128, 256, 512]),
            num_layers=rng.randint(1, LIMITS["num_layers"][2]), batch_size=rng.choice([8, 32, 64, 128, 256]),
            seq_len=rng.choice([20, 50, 100, 160]), lag=rng.choice([10, 40, 80, 160, 300]), carry_state=False)
        cost = estimate(config)
        if over_budget(config) is None and max(cost.worst_step_seconds, cost.predict_seconds) > 0.3:
            found.append(config)
    return found


def slowdown() -> float:
    """How much slower than the estimate's reference core this machine runs just now (others share it): ≥ 1."""
    a, b = torch.rand(512, 512), torch.rand(512, 512)
    started = time.perf_counter()
    for _ in range(30):
        torch.mm(a, b)
    return max(1.0, (time.perf_counter() - started) / (30 * 2 * 512**3 / budget.FLOPS_PER_SECOND))


def test_the_estimate_bounds_what_a_step_a_trace_and_a_prediction_take():
    """Measured on one torch thread, scaled by how busy the machine is just now (a matrix product timed
    beside each); a generous factor on top. The figures are printed (pytest -s)."""
    torch.set_num_threads(1)
    can_reset_peak = True
    for config in allowed_grid(6):
        busy = slowdown()
        experiment = Experiment(config)
        trainer = experiment.trainer
        trainer.trace_every = trainer.validate_every = 0
        experiment.train(1)  # builds the optimizer; the first step is not the one measured
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # the peak memory counts from here
        except OSError:
            can_reset_peak = False
        before = _rss_mb()
        started = time.perf_counter()
        experiment.train(1)
        trainer.log_gradients()
        trainer.validation_loss()
        step = time.perf_counter() - started
        grown = _peak_mb() - before
        started = time.perf_counter()
        experiment.predict()
        predicted = time.perf_counter() - started
        cost = estimate(config)
        busy = max(busy, slowdown())
        print(f"machine {busy:.1f}x slower than the reference core just now; ", end="")
        print(f"{config.dataset} {config.cell} H{config.hidden_size} L{config.num_layers} B{config.batch_size} "
              f"T{budget.shape(config).steps}: step+trace {step:.2f} s (estimate {cost.worst_step_seconds:.2f}), "
              f"predict {predicted:.3f} s ({cost.predict_seconds:.3f}), +{grown:.0f} MB ({cost.step_megabytes:.0f})")
        assert step <= 3 * busy * cost.worst_step_seconds + 0.05
        assert predicted <= 3 * busy * cost.predict_seconds + 0.05
        assert step < 1.5 * busy * budget.STEP_SECONDS  # about a second, on a machine no one else uses
        if can_reset_peak:
            assert grown <= 2 * cost.step_megabytes + 20
