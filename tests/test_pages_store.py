"""The model store in the app (AppTest, with a real SQLite store): a shared model's link opens a copy at its step,
and a malformed, unknown or damaged `?model=` value gets a sentence and lesson L0, never a traceback."""

import pytest
from pages_helpers import alert_text, experiment, open_app

from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS
from rnnviz.serving.checkpoints import share_model
from rnnviz.serving.store import new_model_id

pytestmark = pytest.mark.usefixtures("fresh_server")

MALFORMED = ["", "abc", "x" * 31, "x" * 33, "A" * 31 + "=", "../../../../etc/passwd", "a b c " * 6,
             "%00" * 11, "é" * 32, "😀" * 32, "' OR '1'='1" + "x" * 21, "KEYS *\r\nFLUSHALL" + "x" * 16,
             "A" * 200, "A" * 10_000, "<script>alert(1)</script>" + "x" * 7, "null", "None", "-1",
             "A" * 31 + "\u200b", "A" * 31 + "/"]




def warnings_of(at) -> str:
    return " ".join(alert_text(element) for element in at.warning)


def test_a_shared_model_opens_as_a_copy_at_its_step(app_store):
    original = Experiment(LESSONS["L0"].config)
    original.train(25)
    model_id = share_model(app_store, original, owner="tab:teacher")
    at = open_app({"model": model_id})
    copy = experiment(at)
    assert copy is not original and copy.step == 25
    assert copy.trainer.history["loss"].tolist() == original.trainer.history["loss"].tolist()
    assert "copy of a shared model" in " ".join(element.value for element in at.info)
    copy.train(5)
    assert original.step == 25


@pytest.mark.parametrize("value", MALFORMED)
def test_a_malformed_model_id_gets_a_sentence_and_lesson_l0(app_store, value):
    at = open_app({"model": value})
    assert "not one rnnviz makes" in warnings_of(at), warnings_of(at)
    assert experiment(at).config == LESSONS["L0"].config and experiment(at).step == 0


def test_an_unknown_or_damaged_shared_model_gets_a_sentence(app_store):
    at = open_app({"model": new_model_id()})
    assert "no longer kept" in warnings_of(at)
    damaged = app_store.share(b"\x00" * 64, owner="tab:x")
    at = open_app({"model": damaged})
    assert "The kept model" in warnings_of(at) and "lesson L0 instead" in warnings_of(at)
    assert experiment(at).step == 0
