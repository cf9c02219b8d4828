"""The small tables the library, the app and the command line share, each written once: what a setting may be,
how a cell is named, the data's limits, and the signs that show a space, newline or tab.

Nothing here imports PyTorch, so the sidebar's lessons and settings can be drawn while torch is still loading;
the modules that do use torch (rnnviz.nn, rnnviz.datasets) take their names and limits from here.
"""

from __future__ import annotations

# -- the network --------------------------------------------------------------------------------------------
CELLS = ("rnn", "lstm", "gru")
NONLINEARITIES = ("tanh", "relu")  # only the plain RNN takes relu; the gated cells use tanh
GATE_COUNT = {"rnn": 1, "lstm": 4, "gru": 3}  # weight blocks per layer: PyTorch stacks one per gate
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def cell_label(cell: str, nonlinearity: str = "tanh") -> str:
    """A cell as the learner reads it: "RNN (tanh)", "RNN (relu)", "LSTM", "GRU" (the plain RNN names its
    nonlinearity, since it has a choice)."""
    name = CELL_NAMES.get(cell, str(cell).upper())
    return f"{name} ({nonlinearity})" if cell == "rnn" else name


# label → (cell, nonlinearity): every cell a learner can pick, as one choice each
CELL_CHOICES = {cell_label(cell, nonlinearity): (cell, nonlinearity)
                for cell in CELLS for nonlinearity in (NONLINEARITIES if cell == "rnn" else NONLINEARITIES[:1])}

# -- training -----------------------------------------------------------------------------------------------
OPTIMIZERS = ("adam", "sgd")
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
TRACE_BATCH = 8  # items of a batch the gradient trace replays step by step
MAX_SNAPSHOTS = 30  # weight snapshots a trainer keeps for replay
MAX_SNAPSHOT_BYTES = 64 * 2**20  # and in what memory at most, so one session cannot hold gigabytes

# -- data ---------------------------------------------------------------------------------------------------
LAGGED = frozenset({"recall", "brackets", "adding"})  # the memory tasks: the answer lies `lag` steps back
MAX_LAG = 300  # the longest lag a memory task takes, from the app or from Python
MAX_TEXT = 1_000_000  # characters of text a model may learn from
MAX_SERIES_TEXT = 2_000_000  # room for datasets.MAX_SERIES_VALUES numbers, written out
MAX_SYMBOLS = 256  # distinct symbols (the vocabulary) of a text

# -- prediction ---------------------------------------------------------------------------------------------
MAX_PREDICT = 500
MAX_PREFIX = 200  # characters a typed prefix may have (Config cuts a longer one; predict refuses it)
MAX_TEMPERATURE = 10.0

# -- display ------------------------------------------------------------------------------------------------
VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥"}  # a space, newline or tab as a sign that can be seen


def readable(symbol) -> str:
    """A symbol as it can be seen on a chart or in a table: a space, newline or tab gets a visible sign."""
    text = str(symbol)
    return VISIBLE.get(text, text)
