"""SeqModel: input features → one recurrent module (RNN, LSTM or GRU) → a Linear head.

The recurrent part is PyTorch's own fused module (`model.rnn`, batch first),
so what the learner trains is what PyTorch runs; `rnnviz.nn.trace` replays the
same weights one step at a time to show what happens inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnviz.choices import CELL_NAMES, MAX_SYMBOLS
from rnnviz.config import check_setting
from rnnviz.errors import InputError, check_whole

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}  # PyTorch's module for each of config's CELLS


@dataclass(frozen=True)
class ParameterCount:
    """PyTorch's count and the textbook count with one bias vector per layer."""

    pytorch: int
    one_bias: int

    @property
    def extra_biases(self) -> int:
        return self.pytorch - self.one_bias


class SeqModel(nn.Module):
    def __init__(self, input_size: int, output_size: int, cell: str = "rnn", hidden_size: int = 64,
                 num_layers: int = 1, nonlinearity: str = "tanh", vocab_size: int | None = None,
                 embedding_dim: int = 0, forget_bias: float | None = None):
        super().__init__()
        # The Config's bounds, for a model built from Python too.
        cell, nonlinearity = check_setting("cell", cell), check_setting("nonlinearity", nonlinearity)
        if cell != "rnn" and nonlinearity != "tanh":
            raise InputError("Only the plain RNN cell takes a relu nonlinearity; LSTM and GRU use their own gates.")
        hidden_size, num_layers = check_setting("hidden_size", hidden_size), check_setting("num_layers", num_layers)
        if vocab_size is not None:
            vocab_size = check_whole("vocabulary size", vocab_size, 1, MAX_SYMBOLS)
        input_size = check_whole("input size", input_size, 1, MAX_SYMBOLS)
        output_size = check_whole("output size", output_size, 1, MAX_SYMBOLS)
        embedding_dim = check_setting("embedding_dim", embedding_dim)
        if forget_bias is not None:
            forget_bias = check_setting("forget_bias", forget_bias)
        self.cell = cell
        self.nonlinearity = nonlinearity
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.vocab_size = vocab_size
        self.output_size = output_size
        self.embedding_dim = embedding_dim if vocab_size else 0
        self.forget_bias = forget_bias
        self.embedding = nn.Embedding(vocab_size, embedding_dim) if vocab_size and embedding_dim else None
        rnn_input = embedding_dim if self.embedding is not None else input_size
        self.input_size = input_size
        kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        self.rnn = CELLS[cell](rnn_input, hidden_size, num_layers, batch_first=True, **kwargs)
        self.head = nn.Linear(hidden_size, output_size)
        if cell == "lstm" and forget_bias is not None:
            with torch.no_grad():
                for layer in range(num_layers):
                    # PyTorch orders LSTM gates i, f, g, o; the forget gate is the second quarter.
                    getattr(self.rnn, f"bias_ih_l{layer}")[hidden_size:2 * hidden_size].fill_(forget_bias)
                    getattr(self.rnn, f"bias_hh_l{layer}")[hidden_size:2 * hidden_size].zero_()

    @classmethod
    def for_dataset(cls, ds, cell: str = "rnn", hidden_size: int = 64, num_layers: int = 1,
                    nonlinearity: str = "tanh", embedding_dim: int = 0, forget_bias: float | None = None):
        vocab = ds.vocab_size if ds.is_tokens else None
        return cls(ds.input_size, ds.output_size, cell=cell, hidden_size=hidden_size,
                   num_layers=num_layers, nonlinearity=nonlinearity, vocab_size=vocab,
                   embedding_dim=embedding_dim, forget_bias=forget_bias)

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    def settings(self) -> dict:
        """Everything needed to build the same architecture again."""
        return {
            "input_size": self.input_size, "output_size": self.output_size, "cell": self.cell,
            "hidden_size": self.hidden_size, "num_layers": self.num_layers,
            "nonlinearity": self.nonlinearity, "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim, "forget_bias": self.forget_bias,
        }

    def features(self, inputs: torch.Tensor) -> torch.Tensor:
        """The float tensor [B, T, I] fed to `model.rnn`: one-hot, embedded, or values as given."""
        inputs = inputs.to(self.device)
        if self.vocab_size is None:
            return inputs.to(self.head.weight.dtype)
        if self.embedding is not None:
            return self.embedding(inputs)
        return nn.functional.one_hot(inputs, self.vocab_size).to(self.head.weight.dtype)

    def initial_state(self, batch_size: int):
        zeros = torch.zeros(self.num_layers, batch_size, self.hidden_size, device=self.device)
        return (zeros, zeros.clone()) if self.cell == "lstm" else zeros

    def forward(self, inputs: torch.Tensor, state=None):
        """Outputs [B, T, O] (logits or values) and the final state (h, or (h, c) for LSTM)."""
        hidden, state = self.rnn(self.features(inputs), state)
        return self.head(hidden), state

    def parameter_count(self) -> ParameterCount:
        """PyTorch keeps two bias vectors per layer (b_ih and b_hh); the textbook form keeps one."""
        total = sum(p.numel() for p in self.parameters())
        doubled = sum(getattr(self.rnn, f"bias_hh_l{layer}").numel() for layer in range(self.num_layers))
        return ParameterCount(pytorch=total, one_bias=total - doubled)


def describe(cell: str, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh") -> str:
    """The model as a learner says it: "an RNN with 12 units", "a 2-layer LSTM with 32 units each"."""
    name = CELL_NAMES.get(cell, str(cell).upper()) + (" (relu)" if cell == "rnn" and nonlinearity == "relu" else "")
    units = f"{hidden_size} unit{'s' if hidden_size != 1 else ''}"
    if num_layers > 1:
        return f"a {num_layers}-layer {name} with {units} each"
    return f"{'an' if name[0] in 'RLAEIOU' else 'a'} {name} with {units}"


def detach_state(state):
    """Cut the graph at a carried state so backpropagation stops at the batch boundary."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()
