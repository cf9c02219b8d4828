"""rnnviz: train a small recurrent network and look inside it while it learns.

The library has no Streamlit in it (the app's Streamlit side is the `ui` package
beside it), so everything the app shows can be computed, tested and scripted
without a browser.
"""

from .datasets import load_dataset
from .errors import InputError
from .model import SeqModel
from .predict import Prediction, predict
from .trace import Trace, trace
from .train import Trainer

__all__ = ["load_dataset", "SeqModel", "Trainer", "trace", "Trace", "predict", "Prediction", "InputError"]
