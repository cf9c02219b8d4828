"""Export as code: the standalone script, run in a fresh interpreter, predicts and trains as the app does."""

import io
import json
import subprocess
import sys
import zipfile

import pytest

from rnnviz.config import defaults_for
from rnnviz.datasets.base import IGNORE_INDEX
from rnnviz.experiment import Experiment
from rnnviz.files import standalone
from rnnviz.files.checkpoint import load_into_experiment
from rnnviz.files.export_code import code_zip, script_filename


def unpacked(experiment, folder):
    with zipfile.ZipFile(io.BytesIO(code_zip(experiment))) as archive:
        archive.extractall(folder)
        names = archive.namelist()
    script = folder / script_filename(experiment)
    assert script.name in names and any(name.endswith(".safetensors") for name in names)
    return script


def run_script(script, *args) -> dict:
    # A fresh interpreter in an empty folder elsewhere: nothing of rnnviz can be imported there.
    done = subprocess.run([sys.executable, "-I", str(script), "--json", *args], capture_output=True, text=True,
                          timeout=300, cwd=script.parent.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("dataset, steps", [("counting", 25), ("sine", 30), ("sentences", 40)])
def test_the_exported_script_predicts_as_the_app_does(tmp_path, dataset, steps):
    experiment = Experiment(defaults_for(dataset).replace(hidden_size=16 if dataset == "counting" else 5))
    experiment.train(steps)
    script = unpacked(experiment, tmp_path / "export")
    result = run_script(script)
    app = experiment.predict()
    assert result["continuation"] == app.continuation
    assert result["step"] == steps
    if not experiment.dataset.is_tokens:
        assert result["generated"] == pytest.approx(app.generated, abs=1e-4)


@pytest.mark.parametrize("dataset", ["counting", "sine", "sentences"])
def test_the_exported_script_trains_as_the_app_does_after_loading_the_same_file(tmp_path, dataset):
    experiment = Experiment(defaults_for(dataset).replace(hidden_size=8))
    experiment.train(5)
    script = unpacked(experiment, tmp_path / "export")
    weights = next(script.parent.glob("*.safetensors"))
    result = run_script(script, "--train", "12", "--predict")
    loaded, _ = load_into_experiment(weights.read_bytes())
    rows = loaded.train(12)
    assert result["losses"] == pytest.approx([row["loss"] for row in rows], rel=1e-4, abs=1e-6)
    assert result["continuation"] == loaded.predict().continuation


def test_a_memory_task_exports_a_sample_of_items_that_trains(tmp_path):
    experiment = Experiment(defaults_for("recall").replace(lag=5, hidden_size=8))
    script = unpacked(experiment, tmp_path / "export")
    result = run_script(script, "--train", "30", "--predict", "--prefix", "b01230?")
    assert len(result["losses"]) == 30 and result["losses"][-1] < result["losses"][0]
    assert len(result["continuation"]) == 1


def test_the_script_keeps_the_apps_ignore_index():
    assert standalone.IGNORE_INDEX == IGNORE_INDEX
