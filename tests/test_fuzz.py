"""Fuzz what a learner controls: whatever comes in, the only exception that may reach a page is InputError.

Prefixes for every dataset, uploaded text and CSV bytes, share-link parameters and
model files. The strategies include the classes a hostile-input probe found: lone
surrogates (text no page can show), whole numbers of more than 4,300 digits (which
int() and json refuse), and numbers outside float32 (huge, or so small their scale
underflows). Example counts stay modest so the suite stays quick; a failure
prints the smallest input that breaks it.
"""

import json
import os

import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnviz import SeqModel, load_dataset, predict
from rnnviz.config import Config, defaults_for
from rnnviz.datasets import DATASETS
from rnnviz.datasets.uploads import csv_config, numeric_columns, series_from_csv, text_config, text_from_upload
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment, dataset_for
from rnnviz.files.checkpoint import METADATA_KEY, export_bytes, load_into_experiment, read_checkpoint
from rnnviz.serving.hosting import share_query, share_url

# RNNVIZ_FUZZ_EXAMPLES=2000 runs a deeper campaign; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("RNNVIZ_FUZZ_EXAMPLES", "40"))
QUICK = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_input_errors(action, *args, **kwargs):
    """Run `action`; an InputError is a fine answer, any other exception fails the test."""
    try:
        return action(*args, **kwargs)
    except InputError as error:
        assert str(error).strip(), "an InputError must say what is wrong"
        return None


def _dataset(name):
    if name == "text":
        return load_dataset("text", text="Hello there, a small text to learn from.")
    if name == "csv":
        return load_dataset("csv", values=[0.5 * i % 3 for i in range(50)])
    return load_dataset(name)


DATASETS_AND_MODELS = {}
for _name in DATASETS:
    torch.manual_seed(0)
    _ds = _dataset(_name)
    DATASETS_AND_MODELS[_name] = (_ds, SeqModel.for_dataset(_ds, hidden_size=4))

# Text with lone surrogates (U+D800–U+DFFF) mixed in: JSON, pickles and command lines can carry them.
unencodable = st.text(alphabet=st.one_of(st.characters(), st.characters(categories=["Cs"])), min_size=1, max_size=12)
huge_digits = st.integers(4301, 6000).map(lambda n: "9" * n)  # more digits than int() and json read
tiny_floats = st.floats(min_value=-1e-37, max_value=1e-37, allow_subnormal=True)  # float32 denormals and below
typed = st.one_of(
    st.text(max_size=40),
    unencodable,
    huge_digits.map(lambda digits: "1 " + digits),
    st.lists(tiny_floats.map(repr), min_size=1, max_size=4).map(", ".join),
    st.text(alphabet="0123456789 ,;.-+eE\t\n", max_size=40),  # near-misses of numbers
    st.sampled_from(["234", "2 3 4", "2,3,4", "19 20", "good", "To be", "0, 0.16, 0.31", "1e400", "nan", "²", "-0",
                     " ", "", "\x00", "１２３", "٣", "ab\u202ec", "1e308", "1" + "0" * 308, "-3.5e38", "1e39"]),
)


@QUICK
@given(name=st.sampled_from(sorted(DATASETS)), prefix=typed, n=st.integers(-2, 6),
       temperature=st.one_of(st.floats(-1, 12), st.sampled_from([float("nan"), float("inf"), "hot", None, "0.5"])))
def test_a_typed_prefix_predicts_or_is_refused(name, prefix, n, temperature):
    ds, model = DATASETS_AND_MODELS[name]
    only_input_errors(ds.parse_prefix, prefix)
    prediction = only_input_errors(predict, model, ds, prefix, n=n, temperature=temperature,
                                   generator=torch.Generator().manual_seed(0))
    if prediction is not None:
        assert len(prediction.generated) == n and isinstance(prediction.text, str)


encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"])


@QUICK
@given(st.one_of(st.binary(max_size=3000),
                 st.tuples(st.text(max_size=300), encodings).map(lambda pair: pair[0].encode(pair[1], "replace")),
                 unencodable.map(lambda text: text.encode("utf-8", "surrogatepass"))))  # CESU-style surrogates
def test_uploaded_text_is_read_or_refused(data):
    text = only_input_errors(text_from_upload, data, "upload.txt")
    if text is not None:
        assert isinstance(text, str) and "\r" not in text
        only_input_errors(text_config, text)


cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    tiny_floats.map(repr),
    st.integers(-10**30, 10**30).map(str),
    huge_digits,
    st.sampled_from(["", " ", "abc", "NA", "nan", "inf", "-inf", "1,5", '"a,b"', '"', "1e999", "TRUE", "0x1F",
                     "\u00a0", "é"]),
)


@st.composite
def csv_files(draw):
    separator = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width + 1), min_size=0, max_size=40))
    lines = [separator.join(row) for row in rows]
    if draw(st.booleans()):
        lines.insert(0, separator.join(draw(st.lists(st.text(max_size=6), min_size=width, max_size=width))))
    return "\n".join(lines).encode(draw(encodings), "replace")


@QUICK
@given(data=st.one_of(csv_files(), st.binary(max_size=500)), column=st.one_of(st.none(), st.text(max_size=5)),
       seq_len=st.one_of(st.none(), st.integers(-3, 40)))
def test_an_uploaded_csv_becomes_a_series_or_is_refused(data, column, seq_len):
    columns = only_input_errors(numeric_columns, data, "data.csv")
    if columns:
        column = column if column is not None and column not in ("", " ") else columns[-1]
    dataset = only_input_errors(series_from_csv, data, column=column, seq_len=seq_len, filename="data.csv")
    if dataset is None:
        return
    assert torch.isfinite(dataset.values).all() and len(dataset.values) >= 3
    assert torch.isfinite(dataset.stream).all()  # its scale did not underflow in float32
    made = only_input_errors(csv_config, dataset)
    if made is not None:
        assert torch.equal(dataset_for(made[0]).values, dataset.values)


names = st.sampled_from(sorted(Config.__dataclass_fields__) + ["base", "cls", "zz"])
link_values = st.one_of(
    st.text(max_size=20),
    unencodable,
    huge_digits,
    st.lists(tiny_floats.map(repr), min_size=3, max_size=6).map(", ".join),  # a series whose scale underflows
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(sorted(DATASETS) + ["lstm", "relu", "true", "sgd", "cuda", "1, 2, 3, 4, 5"]),
    st.lists(st.text(max_size=8), max_size=3),
)


@settings(max_examples=max(30, EXAMPLES // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, link_values, max_size=8))
def test_a_share_link_opens_or_explains(params):
    config, notices = Config.from_query(params)
    assert isinstance(config, Config) and all(isinstance(n, str) for n in notices)
    assert_showable(config, notices)
    # Keep each example cheap: the sizes themselves are checked by the Config tests.
    config = config.replace(hidden_size=min(config.hidden_size, 32), num_layers=min(config.num_layers, 2))
    experiment = only_input_errors(Experiment, config)
    if experiment is not None:
        only_input_errors(experiment.train, 1)
        only_input_errors(experiment.predict, n=3)


EXPORTED = export_bytes(Experiment(defaults_for("sentences")))
_HEADER = json.loads(EXPORTED[8:8 + int.from_bytes(EXPORTED[:8], "little")])
METADATA = json.loads(_HEADER["__metadata__"][METADATA_KEY])
TENSORS = safetensors.torch.load(EXPORTED)


@QUICK
@given(st.data())
def test_a_damaged_model_file_is_refused(data):
    raw = bytearray(EXPORTED)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            raw[position] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del raw[position:position + data.draw(st.integers(1, 64))]
        else:
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=16))
    if only_input_errors(read_checkpoint, bytes(raw)) is not None:
        only_input_errors(load_into_experiment, bytes(raw))


def assert_showable(config, notices=()):
    """What reaches a page, a link or a saved file: every text in it can be written as UTF-8."""
    share_url("", share_query(config)).encode("utf-8")
    json.dumps(config.to_dict(), ensure_ascii=False).encode("utf-8")
    for notice in notices:
        notice.encode("utf-8")


HUGE = "<a whole number of 5,000 digits>"  # json.dumps cannot write one: put in the JSON text afterwards
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False), st.text(max_size=8),
              unencodable, st.just(HUGE), tiny_floats),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)


@QUICK
@given(section=st.sampled_from(["model", "config", "dataset", None]), key=st.one_of(
    st.sampled_from(["hidden_size", "num_layers", "vocab_size", "cell", "symbols", "name", "kind", "dataset", "text",
                     "seq_len", "embedding_dim", "step", "version", "center", "scale", "input_size"]),
    st.text(max_size=6)), value=json_values)
def test_tampered_settings_in_a_model_file_are_refused(section, key, value):
    metadata = json.loads(json.dumps(METADATA))
    target = metadata if section is None else metadata[section]
    target[key] = value
    text = json.dumps(metadata).replace(json.dumps(HUGE), "9" * 5000)  # ensure_ascii: surrogates as \\udXXX
    data = safetensors.torch.save(TENSORS, metadata={METADATA_KEY: text})
    if only_input_errors(read_checkpoint, data) is not None:
        loaded = only_input_errors(load_into_experiment, data)
        if loaded is not None:
            assert_showable(loaded[0].config, loaded[1])
