"""The page Your data in AppTest: your own text and numbers (CSV), model files to load, and the exports.
Every refusal must leave the model and its history as they were.
"""

import io
import json
import math
import pickle

import numpy as np
import pytest
import safetensors.torch
import torch
from pages_helpers import address_bar, alert_text, alert_texts, experiment, open_app, step, train_button

from rnnviz.config import defaults_for
from rnnviz.datasets import uploads
from rnnviz.experiment import Experiment
from rnnviz.files.checkpoint import METADATA_KEY, export_bytes
from rnnviz.serving.hosting import share_query

PAGE = "pages/your_data.py"
LONG_TEXT = "the cat sat on the mat. the dog sat on the log. " * 6  # long enough for the text defaults

pytestmark = pytest.mark.usefixtures("fresh_server")  # each test: a session registry and training turns of its own


# -- your own data ----------------------------------------------------------------------------------------------
@pytest.fixture
def trained():
    """The app on the data page with a model trained 3 steps: what every refusal must leave alone."""
    at = open_app(page=PAGE)
    step(at, 3)
    return at, experiment(at)


def assert_untouched(at, model, words: str) -> None:
    assert not at.exception
    assert experiment(at) is model and len(model.trainer.history) == 3 and model.step == 3
    assert any(words in alert_text(error) and "Nothing was changed" in alert_text(error) for error in at.error), \
        (words, alert_texts(at.error))


def test_pasted_text_trains_a_character_model(trained):
    at, _ = trained
    at.text_area(key="own_text").input(LONG_TEXT).run()
    at.button(key="use_text").click().run()
    model = experiment(at)
    assert model.config.dataset == "text" and model.config.text == LONG_TEXT and model.step == 0
    assert model.config.prefix == "the cat sat " and at.selectbox(key="dataset").value == "text"
    assert at.query_params["dataset"] == "text" and "text" in at.query_params
    step(at, 2)
    assert experiment(at).step == 2 and not at.error


def test_an_uploaded_txt_file_trains_a_character_model(trained):
    at, _ = trained
    at.file_uploader(key="own_text_file").set_value(("notes.txt", ("ünïcode ok. " * 30).encode(), "text/plain"))
    at.run()
    assert at.button(key="use_text").label == "Train on notes.txt"
    at.button(key="use_text").click().run()
    assert experiment(at).config.dataset == "text" and experiment(at).config.text.startswith("ünïcode ok.")


TEXT_REFUSALS = [
    ("latin1.txt", "café au lait, s'il vous plaît ".encode("cp1252") * 10, "is not UTF-8"),
    ("utf16.txt", "hello there ".encode("utf-16"), "UTF-16"),
    ("empty.txt", b"", "is empty"),
    ("blank.txt", b"   \n\n  \t ", "only blank space"),
    ("many.txt", "".join(chr(0x4E00 + i) for i in range(300)).encode() * 2, "300 distinct characters"),
    # One byte over Streamlit's own limit, as its uploader counts (1 MB = 1,000,000 bytes in the browser).
    ("huge.txt", b"a" * 1_000_001, "is 1,000,001 bytes; the limit is 1 MB (1,000,000 bytes)"),
    ("short.txt", b"abcdef", "Sequence length 50 does not fit"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
]


@pytest.mark.parametrize(("name", "data", "words"), TEXT_REFUSALS, ids=[case[0] for case in TEXT_REFUSALS])
def test_a_refused_text_file_says_why_and_changes_nothing(trained, name, data, words):
    at, model = trained
    at.file_uploader(key="own_text_file").set_value((name, data, "text/plain"))
    at.run()
    at.button(key="use_text").click().run()
    assert_untouched(at, model, words)


def test_pasted_blank_space_is_refused_like_an_uploaded_one(trained):
    at, model = trained
    at.text_area(key="own_text").input("   \n\t\n   ").run()
    at.button(key="use_text").click().run()
    assert_untouched(at, model, "The text holds only blank space (spaces, tabs, line ends): there is nothing to learn.")


def test_a_refusal_goes_when_a_new_file_comes(trained):
    at, model = trained
    at.file_uploader(key="own_text_file").set_value(("latin1.txt", "café ".encode("cp1252") * 40, "text/plain"))
    at.run()
    at.button(key="use_text").click().run()
    assert_untouched(at, model, "is not UTF-8")
    at.file_uploader(key="own_text_file").set_value(("good.txt", LONG_TEXT.encode(), "text/plain")).run()
    assert not at.error and experiment(at) is model  # the old refusal is gone; nothing is used before the click
    at.button(key="use_text").click().run()
    assert experiment(at).config.text == LONG_TEXT and not at.error


def test_refused_pasted_text_changes_nothing(trained):
    at, model = trained
    at.button(key="use_text").click().run()
    assert_untouched(at, model, "There is no text yet: paste some above, or upload a .txt file (UTF-8, up to "
                                "1,000,000 bytes")
    at.text_area(key="own_text").input("bell \x07 here " * 20).run()
    at.button(key="use_text").click().run()
    assert_untouched(at, model, "control character U+0007")


CSV = "day,city,visitors,temperature\n" + "".join(
    f"{day},Lyon,{100 + 10 * math.sin(day / 3):.2f},{12 + day % 7}\n" for day in range(60))


def test_a_csv_column_trains_a_forecaster(trained):
    at, _ = trained
    at.file_uploader(key="own_csv_file").set_value(("visits.csv", CSV.encode(), "text/csv"))
    at.run()
    assert at.selectbox(key="own_csv_column").options == ["day", "visitors", "temperature"]
    at.selectbox(key="own_csv_column").set_value("visitors").run()
    at.button(key="use_column").click().run()
    model = experiment(at)
    assert model.config.dataset == "csv" and model.step == 0 and not model.dataset.is_tokens
    expected = [100 + 10 * math.sin(day / 3) for day in range(60)]
    assert np.allclose(model.dataset.values.numpy(), expected, atol=0.006)
    assert at.selectbox(key="dataset").value == "csv"
    step(at, 2)
    assert experiment(at).step == 2 and not at.error


CSV_REFUSALS = [
    ("words.csv", "name,colour\nann,red\nbob,blue\n", None, "has no column of numbers"),
    ("gaps.csv", "t,v\n1,1.5\n2,\n3,2.5\n4,\n" + "".join(f"{i},1\n" for i in range(5, 40)), "v",
     "has 2 missing values, in rows 2, 4"),
    ("inf.csv", "v\n1\ninf\n" + "1\n" * 40, "v", "1 infinite value, in row 2"),
    ("few.csv", "v\n1\n2\n3\n4\n5\n", "v", "has only 5 rows; a sequence length of 20 needs at least 21"),
    ("latin1.csv", "année,v\n".encode("cp1252") + b"1,2\n" * 30, None, "is not UTF-8"),
    ("wide.csv", ",".join(f"c{i}" for i in range(300)) + "\n", None, "300 cells in its header; a table may have"),
    # One row of 499,000 cells under a short header: refused before pandas reads it (seconds and +250 MB before).
    ("one-row.csv", "a,b\n" + ",".join(["1"] * 499_000), None, "499,000 cells in line 2; a table may have at most 200"),
    # Numbers 32-bit floats cannot scale: they used to train, then "diverge" at step 1 with NaN.
    ("tiny.csv", "v\n" + "0\n1e-45\n" * 20, "v", "spans only 1.4e-45 from its smallest number to its largest"),
    ("huge.csv", "v\n" + "1\n1e300\n" * 20, "v", "holds 1e+300, too large for the model's 32-bit floats"),
]


@pytest.mark.parametrize(("name", "data", "column", "words"), CSV_REFUSALS, ids=[case[0] for case in CSV_REFUSALS])
def test_a_refused_csv_says_why_and_changes_nothing(trained, name, data, column, words):
    at, model = trained
    data = data.encode() if isinstance(data, str) else data
    at.file_uploader(key="own_csv_file").set_value((name, data, "text/csv"))
    at.run()
    if column is not None:  # readable, with numbers: the refusal comes when that column is used
        at.selectbox(key="own_csv_column").set_value(column).run()
        at.button(key="use_column").click().run()
    assert_untouched(at, model, words)


def test_a_csv_is_read_once_per_upload(trained, monkeypatch):
    at, _ = trained
    reads = []
    original = uploads.read_csv
    monkeypatch.setattr(uploads, "read_csv", lambda data, *rest: reads.append(data) or original(data, *rest))
    at.file_uploader(key="own_csv_file").set_value(("visits.csv", CSV.encode(), "text/csv")).run()
    at.selectbox(key="own_csv_column").set_value("visitors").run()
    at.run()
    at.button(key="use_column").click().run()
    assert experiment(at).config.dataset == "csv"
    assert sum(not isinstance(read, uploads.CsvTable) for read in reads) == 1  # the bytes were parsed once


# -- model files ----------------------------------------------------------------------------------------------
def test_a_model_file_loads_and_goes_on_from_its_step(trained):
    at, _ = trained
    source = Experiment(defaults_for("sentences").replace(seed=5))
    source.train(40)
    at.file_uploader(key="model_file").set_value(("mine.safetensors", export_bytes(source), "application/x"))
    at.run()
    at.button(key="load_model").click().run()
    model = experiment(at)
    assert not at.error and model.step == 40 and model.config == source.config
    assert model.predict().text == source.predict().text
    message = " ".join(alert_text(info) for info in at.info)
    assert "an RNN with 12 units on Three sentences, trained 40 steps, with its history (40 steps of loss" in message
    assert experiment(at).trainer.history["loss"].tolist() == pytest.approx(source.trainer.history["loss"].tolist())
    assert address_bar(at) == share_query(source.config)
    step(at, 2)
    assert experiment(at).step == 42


class CreatesAFile:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_crafted_model_file_is_refused_and_runs_nothing(trained, tmp_path):
    at, model = trained
    target = tmp_path / "pwned"
    buffer = io.BytesIO()
    torch.save(CreatesAFile(target), buffer)
    at.file_uploader(key="model_file").set_value(("evil.pt", buffer.getvalue(), "application/x"))
    at.run()
    at.button(key="load_model").click().run()
    assert_untouched(at, model, "could run code")
    assert not target.exists()
    at.file_uploader(key="model_file").set_value(("notes.pt", pickle.dumps("hi", protocol=0), "x"))
    at.run()
    at.button(key="load_model").click().run()
    assert_untouched(at, model, "is not a model file")


def tampered_model_file(change) -> bytes:
    """A sentences model exported by rnnviz, the JSON text of its settings changed by `change`."""
    data = export_bytes(Experiment(defaults_for("sentences").replace(hidden_size=4)))
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    text = change(header["__metadata__"][METADATA_KEY])
    return safetensors.torch.save(safetensors.torch.load(data), metadata={METADATA_KEY: text})


UNREADABLE_MODEL_FILES = [
    # Valid JSON, but a lone surrogate: it used to load, then every page failed and the old model was gone.
    ("surrogate", lambda text: text.replace('"prefix": "good"', '"prefix": "go\\ud800d"'),
     "the text 'go\\ud800d' in its settings holds U+D800 at character 3, which is not a character"),
    ("symbols", lambda text: text.replace('"symbols": [" "', '"symbols": ["\\udfff"'), "holds U+DFFF at character 1"),
    ("huge step", lambda text: text.replace('"step": 0', '"step": ' + "9" * 5000),
     "its rnnviz settings are not valid JSON, or hold a number too long to read"),
]


@pytest.mark.parametrize(("name", "change", "words"), UNREADABLE_MODEL_FILES,
                         ids=[case[0] for case in UNREADABLE_MODEL_FILES])
def test_a_model_file_with_unreadable_settings_is_refused_and_every_page_still_works(trained, name, change, words):
    at, model = trained
    link = dict(at.query_params)
    at.file_uploader(key="model_file").set_value(("odd.safetensors", tampered_model_file(change), "x")).run()
    at.button(key="load_model").click().run()
    assert_untouched(at, model, words)
    assert dict(at.query_params) == link and at.get("download_button")  # the link and the exports still work
    for page in ("pages/train.py", "pages/predict.py", PAGE):
        at.switch_page(page).run()
        assert not at.exception and experiment(at) is model


def test_the_export_buttons_are_there(trained):
    at, _ = trained
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Model (.safetensors)", "Training history (.csv)", "Traced arrays (.npz)",
                      "As PyTorch code (.py + weights, .zip)"]
    # Paused: made now, so each button carries its file's address (named by its content).
    assert all(button.proto.url and not button.proto.deferred_file_id for button in at.get("download_button"))
    urls = [button.proto.url for button in at.get("download_button")]
    at.run()
    assert [button.proto.url for button in at.get("download_button")] == urls  # the same files, named by content
    step(at, 1)
    # A step later the model, its history and its traces are new files.
    assert all(new.proto.url != old for new, old in zip(at.get("download_button"), urls, strict=True))
    train_button(at).click().run()
    # Training: made when clicked, so the file is the model as it is then.
    assert all(button.proto.deferred_file_id for button in at.get("download_button"))
    train_button(at).click().run()
