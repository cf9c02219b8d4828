"""How each step of a sequence reads to a learner: a symbol with its spaces made visible, or a value."""

from __future__ import annotations

from rnnviz.choices import readable
from rnnviz.nn.predict import Prediction


def labels_for(ds, items) -> list[str]:
    """What each input step reads, as a learner sees it: a symbol, or a value to two decimals."""
    if ds.is_tokens:
        return [readable(s) for s in ds.decode(items)]
    return [f"{float(v):.2f}" for v in items]


def prediction_labels(ds, prediction: Prediction) -> list[str]:
    """Labels for every hidden state of a prediction: the prefix, then each generated item read back in."""
    return labels_for(ds, list(prediction.prefix) + list(prediction.generated))


def visible_text(ds, text: str) -> str:
    """Character data written with its spaces and newlines visible (a row of spaces is a real answer)."""
    if ds.is_tokens and getattr(ds, "separator", " ") == "":
        return "".join(readable(char) for char in text)
    return text
