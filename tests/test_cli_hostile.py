"""The command line refuses bad input with one line that says what is wrong, before anything runs: files that are not
regular files (devices, FIFOs, directories), text it cannot read, and settings out of range, worded as refusals.

What could block or read without end (devices, FIFOs) and what a shell passes as raw bytes runs `python -m rnnviz`
in a subprocess with a time limit, so a regression fails instead of hanging; the rest calls `main` in-process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import safetensors.torch

from rnnviz.cli import main
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.files.checkpoint import METADATA_KEY, export_bytes

ROOT = Path(__file__).resolve().parents[1]


def cli(*argv, timeout=120) -> subprocess.CompletedProcess:
    """`python -m rnnviz train ARGV` from the repository, its output as bytes-safe text."""
    return subprocess.run([sys.executable, "-m", "rnnviz", "train", *argv], capture_output=True, timeout=timeout,
                          cwd=ROOT, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, text=True, errors="replace")


class Ran:
    """`main`'s answer in the shape of a finished subprocess."""

    def __init__(self, capsys, argv):
        self.returncode = main(["train", *argv])
        captured = capsys.readouterr()
        self.stdout, self.stderr = captured.out, captured.err


def refused(done, *words: str) -> str:
    """The refusal: exit status 2, one `error:` line naming `words`, no traceback, and nothing run or printed."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == "", done.stderr
    line = done.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, line
    for word in words:
        assert word in line, (word, line)
    return line


@pytest.fixture
def places(tmp_path):
    """A FIFO, a directory, a missing folder and a link to /dev/zero, made fresh for each test."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    return {"fifo": fifo, "dir": tmp_path, "link": link, "missing": tmp_path / "no" / "such.safetensors"}


@pytest.mark.parametrize(("flag", "place", "words"), [
    ("--text-file", "/dev/zero", "it is a device"), ("--text-file", "fifo", "it is a FIFO"),
    ("--text-file", "dir", "it is a directory"), ("--load", "fifo", "it is a FIFO"),
    ("--load", "link", "it is a device"),
])
def test_reading_anything_but_a_regular_file_is_refused_at_once(places, flag, place, words):
    path = str(places.get(place, place))
    refused(cli(flag, path, timeout=60), "Cannot read", words, "regular file")
    assert os.path.exists(places["fifo"]) and not Path(places["fifo"]).is_file()  # the FIFO is left as it was


@pytest.mark.parametrize(("place", "words"), [("fifo", "it is a FIFO"), ("/dev/null", "it is a device")])
def test_saving_to_a_fifo_or_a_device_is_refused_before_training(places, place, words):
    path = str(places.get(place, place))
    refused(cli("--dataset", "sentences", "--steps", "2", "--save", path, timeout=60), "Cannot write", words)


def test_saving_to_a_directory_or_a_missing_folder_is_refused_before_training(capsys, places):
    refused(Ran(capsys, ["--dataset", "sentences", "--steps", "2", "--save", str(places["dir"])]), "it is a directory")
    refused(Ran(capsys, ["--steps", "2", "--save", str(places["missing"])]), "the folder", "does not exist")
    assert not places["missing"].parent.exists()


def test_a_text_file_is_read_as_the_app_reads_an_upload(capsys, tmp_path):
    # No 'T' for the text lesson's default prefix "The", and Windows line ends: the app trains on both.
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world, a small text.\r\nanother line here.\r\n" * 20)
    done = Ran(capsys, ["--text-file", str(path), "--steps", "3", "--hidden", "8", "--json"])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["dataset"] == "text" and result["prefix"] == "hello world,"
    assert result["prediction"].startswith("hello world,") and "\r" not in result["prediction"]


def test_text_files_too_big_or_blank_are_refused_like_uploads(capsys, tmp_path):
    big, blank = tmp_path / "big.txt", tmp_path / "blank.txt"
    big.write_bytes(b"a" * 1_000_001)
    blank.write_bytes(b" \r\n\t \n")
    refused(Ran(capsys, ["--text-file", str(big)]), "larger than 1 MB (1,000,000 bytes)")
    refused(Ran(capsys, ["--text-file", str(blank)]), "only blank space")


def test_the_text_dataset_without_a_text_file_says_what_is_missing(capsys):
    refused(Ran(capsys, ["--dataset", "text"]), "--dataset text needs a text", "--text-file PATH")
    refused(Ran(capsys, ["--dataset", "csv"]), "cannot read one", "Choose another --dataset")


@pytest.mark.parametrize(("argv", "words"), [
    (["--batch-size", "0"], "batch_size 0 is outside 1–256: it must be a whole number from 1 to 256."),
    (["--lr", "500"], "lr 500 is outside 1e-05–100: it must be a number from 1e-05 to 100."),
    (["--prefix", "2" * 300], "The prefix has 300 characters; at most 200 are allowed."),
    (["--cell", "lstm", "--nonlinearity", "relu"], "Only the plain RNN cell takes relu"),
    (["--dataset", "sine", "--prefix", "1e308"], "'1e308' is too far outside the data's range"),
    (["--dataset", "sine", "--prefix", "0, 1e39"], "'1e39' is too far outside the data's range"),
    (["--dataset", "counting", "--prefix", "1 " + "9" * 5000], "The prefix has 5,002 characters"),
])
def test_refusals_say_what_is_allowed_and_never_claim_something_ran(capsys, argv, words):
    line = refused(Ran(capsys, [*argv, "--steps", "2"]), words)
    assert "using" not in line and "Cut " not in line and "switched" not in line


def test_a_command_line_byte_that_is_not_utf8_is_named():
    # Python keeps the byte 0xFF of an argument as the lone surrogate U+DCFF: it must not reach a model or a print.
    done = subprocess.run([sys.executable.encode(), b"-m", b"rnnviz", b"train", b"--prefix", b"2\xff3"],
                          capture_output=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert b"U+DCFF at character 2" in done.stderr and done.stdout == b""


def _model_file(tmp_path, name, change) -> Path:
    """A sentences model exported by rnnviz, its metadata JSON text changed by `change`."""
    data = export_bytes(Experiment(defaults_for("sentences").replace(hidden_size=4)))
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    tensors = safetensors.torch.load(data)
    path = tmp_path / name
    metadata = {METADATA_KEY: change(header["__metadata__"][METADATA_KEY])}
    path.write_bytes(safetensors.torch.save(tensors, metadata=metadata))
    return path


def test_model_files_with_unreadable_settings_are_refused(capsys, tmp_path):
    surrogate = _model_file(tmp_path, "surrogate.safetensors", lambda text: text.replace('"prefix": "good"',
                                                                                          '"prefix": "go\\ud800d"'))
    refused(Ran(capsys, ["--load", str(surrogate)]), "the text 'go\\ud800d'", "U+D800 at character 3",
            "not a character")
    huge = _model_file(tmp_path, "huge.safetensors", lambda text: text.replace('"step": 0', '"step": ' + "9" * 5000))
    refused(Ran(capsys, ["--load", str(huge)]), "not valid JSON, or hold a number too long to read")
    # A number of 5,000 digits in the safetensors header itself (an offset), not only in rnnviz's metadata.
    data = bytearray(huge.read_bytes())
    length = int.from_bytes(data[:8], "little")
    header = data[8:8 + length].decode().replace('"data_offsets":[0,', '"data_offsets":[' + "0" * 5000 + ",", 1)
    header = header.encode()
    damaged = tmp_path / "header.safetensors"
    damaged.write_bytes(len(header).to_bytes(8, "little") + header + data[8 + length:])
    refused(Ran(capsys, ["--load", str(damaged)]), "safetensors header is not valid JSON, or holds a number too long")


def test_the_divergence_message_asks_for_nothing_the_command_line_lacks(capsys):
    done = Ran(capsys, ["--dataset", "sine", "--cell", "rnn", "--nonlinearity", "relu", "--lr", "1", "--optimizer",
                        "sgd", "--hidden", "64", "--layers", "2", "--batch-size", "4", "--steps", "30"])
    assert done.returncode == 0, done.stderr
    assert "Training stopped at step" in done.stdout
    assert "turn on gradient clipping, and start a new model" in done.stdout
    assert "Reset" not in done.stdout
