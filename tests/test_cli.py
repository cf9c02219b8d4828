"""The command line reproduces the lessons through the app's training path."""

import io
import json
import subprocess
import sys

import pytest
import torch

from rnnviz.cli import main


def run_json(capsys, *argv):
    code = main(["train", *argv, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    return json.loads(out[-1])


@pytest.mark.parametrize("seed", range(5))
def test_counting_lesson_continues_234(capsys, seed):
    result = run_json(capsys, "--dataset", "counting", "--prefix", "234", "--predict", "5", "--seed", str(seed))
    assert result["prediction"] == "2 3 4 5 6 7 8 9"
    assert result["prediction_before"] != result["prediction"]
    for key in ("dataset", "cell", "hidden_size", "num_layers", "steps", "final_loss", "device",
                "seconds", "steps_per_second"):
        assert key in result
    assert result["hidden_size"] == 256 and result["device"] == "cpu"
    assert result["final_loss"] < result["first_loss"]


def test_sentences_lesson(capsys):
    result = run_json(capsys, "--dataset", "sentences", "--hidden", "12", "--prefix", "good", "--predict", "11")
    assert result["prediction"] == "good i am fine "
    assert result["final_loss"] < 0.4 < 2.0 < result["first_loss"]


def test_text_file_trains_character_model(capsys, tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text("the cat sat on the mat. " * 20, encoding="utf-8")
    result = run_json(capsys, "--text-file", str(path), "--steps", "30", "--hidden", "32", "--prefix", "the ",
                      "--predict", "8", "--temperature", "0")
    assert result["dataset"] == "text" and result["prediction"].startswith("the ") and len(result["prediction"]) == 12


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--hidden", "100000"], "hidden_size 100000 is outside"),
        (["--lr", "nan"], "finite number"),
        (["--prefix", "2x4"], "'x' is not a whole number"),
        (["--dataset", "counting", "--prefix", "42 3"], "42 is not in the vocabulary"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(capsys, argv, message):
    assert main(["train", *argv, "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_text_file_with_control_bytes_is_refused(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"hello\x00world")
    assert main(["train", "--text-file", str(path), "--steps", "1"]) == 2
    assert "NUL" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present here")
def test_missing_device_is_a_clear_error(capsys):
    assert main(["train", "--device", "cuda", "--steps", "1"]) == 2
    assert "not available on this machine" in capsys.readouterr().err


def test_readable_summary_without_json(capsys):
    assert main(["train", "--dataset", "sentences", "--steps", "5"]) == 0
    out = capsys.readouterr().out
    assert "before training:" in out and "after training:" in out and "5 steps" in out


def test_bench_reports_both_loops_and_their_ratio(capsys):
    assert main(["bench", "--steps", "10", "--rounds", "1", "--hidden", "16", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["bare_steps_per_second"] > 0 and result["trainer_steps_per_second"] > 0
    assert result["ratio"] == pytest.approx(result["trainer_steps_per_second"] / result["bare_steps_per_second"],
                                            rel=0.01)


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "rnnviz", "train", "--dataset", "sentences", "--steps", "3",
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["steps"] == 3


def test_save_then_load_continues_from_the_saved_weights(capsys, tmp_path):
    path = tmp_path / "sentences.safetensors"
    first = run_json(capsys, "--dataset", "sentences", "--steps", "40", "--save", str(path))
    assert path.exists() and first["steps"] == 40
    again = run_json(capsys, "--load", str(path), "--steps", "60", "--prefix", "good", "--predict", "11")
    # The loaded model is the saved one: its "before" is the first run's "after", and training goes on from step 40.
    assert again["dataset"] == "sentences" and again["hidden_size"] == first["hidden_size"]
    assert again["prediction_before"].startswith(first["prediction"][:4])
    assert again["steps"] == 100 and again["steps_this_run"] == 60
    assert again["prediction"] == "good i am fine "


def test_load_refuses_a_changed_architecture_and_other_data(capsys, tmp_path):
    path = tmp_path / "sentences.safetensors"
    run_json(capsys, "--dataset", "sentences", "--steps", "2", "--save", str(path))
    assert main(["train", "--load", str(path), "--hidden", "20"]) == 2
    assert "hidden_size cannot change when loading" in capsys.readouterr().err
    assert main(["train", "--load", str(path), "--dataset", "counting"]) == 2
    assert "vocabulary does not match" in capsys.readouterr().err
    assert main(["train", "--load", str(tmp_path / "missing.safetensors")]) == 2
    assert "No such file" in capsys.readouterr().err


def test_load_never_unpickles(capsys, tmp_path):
    import pickle

    marker = tmp_path / "created-by-unpickling"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"state_dict": Payload()}))
    assert main(["train", "--load", str(path), "--steps", "1"]) == 2
    assert not marker.exists()
    assert "error:" in capsys.readouterr().err


def test_the_explosion_lesson_runs_from_the_command_line(capsys):
    """A learning rate above 1 is allowed (with a note), and the run stops with the app's advice."""
    assert main(["train", "--dataset", "counting", "--lr", "50", "--steps", "20", "--json"]) == 0
    captured = capsys.readouterr()
    assert "note: Learning rate 50 is above 1" in captured.err
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert "blew up" in result["diverged"] and "Lower the learning rate (now 50)" in result["diverged"]
    assert main(["train", "--lr", "500", "--steps", "1"]) == 2  # beyond 100 is still refused
    assert "outside" in capsys.readouterr().err


class Terminal(io.StringIO):
    """stderr as a terminal: the command line draws its progress bar there."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("as_json", [False, True])
def test_progress_shows_on_a_terminal_and_never_in_the_output(capsys, monkeypatch, as_json):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(["train", "--dataset", "sentences", "--steps", "30", *(["--json"] if as_json else [])])
    out = capsys.readouterr().out
    assert code == 0
    if as_json:  # the result alone, one JSON line, and no bar
        assert json.loads(out)["steps"] == 30 and terminal.getvalue() == ""
    else:
        bar = terminal.getvalue()
        assert "30/30" in bar and "loss " in bar and ("step/s" in bar or "s/step" in bar)  # its speed
        assert "trained 30 steps" in out and "30/30" not in out
