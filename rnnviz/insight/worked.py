"""Worked maths: one recurrent step with the real numbers in its equations, and the chain BPTT multiplies.

`worked_example()` runs LESSONS L3's fixed weights (input 2, hidden 3, output 1,
zero biases) through the library's own replay, so the numbers the learner sees
are the ones the model computes. `step_terms` does the same for any step of any
trained model (a handful of units shown, the rest summarised) and
`equations_latex` writes them as LaTeX lines. `bptt_chain` gives the Jacobians
∂h_t/∂h_{t-1} backpropagation through time multiplies together, with their
spectral norms: a product of many norms below 1 vanishes, above 1 explodes.

Steps are numbered from 1 as in the lesson: h_0 is the initial state, step t reads x_t.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from rnnviz.config.choices import readable
from rnnviz.errors import InputError
from rnnviz.nn.model import SeqModel
from rnnviz.nn.trace import GATE_NAMES, _layer_weights, _rnn_step, replay

# LESSONS L3: h_t = tanh(W_xh x_t + W_hh h_{t-1}), y_t = W_hy h_t, all biases zero.
L3_W_XH = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
L3_W_HH = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]
L3_W_HY = [[0.2, 0.4, 0.6]]
L3_INPUTS = [[1.0, 0.5], [0.8, 0.3], [0.6, 0.9]]
DEFAULT_UNITS = 4


def lesson_model() -> SeqModel:
    """The L3 network in float64: a SeqModel(2, 1, rnn, hidden 3) carrying the lesson's weights."""
    model = SeqModel(2, 1, cell="rnn", hidden_size=3).double()
    with torch.no_grad():
        model.rnn.weight_ih_l0.copy_(torch.tensor(L3_W_XH, dtype=torch.float64))
        model.rnn.weight_hh_l0.copy_(torch.tensor(L3_W_HH, dtype=torch.float64))
        model.rnn.bias_ih_l0.zero_()
        model.rnn.bias_hh_l0.zero_()
        model.head.weight.copy_(torch.tensor(L3_W_HY, dtype=torch.float64))
        model.head.bias.zero_()
    return model.eval()


@dataclass
class StepTerms:
    """Every term of step `step` of `layer`, for all units (numpy float64); `units` are the ones to show.

    RNN:  parts["a"] = {"x": W_ih x_t, "h": W_hh h_{t-1}, "bias": b_ih + b_hh, "pre": their sum}
    LSTM: parts[gate] for input, forget, candidate, output; GRU: reset, update, candidate
          (the GRU candidate's "h" part is W_hn h_{t-1} + b_hn before the reset gate scales it).
    gates: each gate's value after its squashing (σ or tanh); for the RNN, "a" is the pre-activation.
    """

    cell: str
    nonlinearity: str
    step: int
    layer: int
    units: list[int]
    x: np.ndarray
    x_label: str
    h_prev: np.ndarray
    h: np.ndarray
    parts: dict[str, dict[str, np.ndarray]]
    gates: dict[str, np.ndarray]
    c_prev: np.ndarray | None = None
    c: np.ndarray | None = None
    y: np.ndarray | None = None
    probs: np.ndarray | None = None
    symbols: list[str] | None = None
    extras: dict = field(default_factory=dict)

    @property
    def hidden_size(self) -> int:
        return len(self.h)

    def summary(self) -> str:
        """One line for the units not shown."""
        hidden = [u for u in range(self.hidden_size) if u not in self.units]
        if not hidden:
            return ""
        rest = self.h[hidden]
        units = "unit" if len(hidden) == 1 else "units"
        return (f"{len(hidden)} more {units}: h ranges from {rest.min():.3f} to {rest.max():.3f}, "
                f"mean |h| = {np.abs(rest).mean():.3f}")


def _as_batch(model, inputs) -> torch.Tensor:
    """Accept inputs as ds.batch yields them, or one sequence without the batch dimension."""
    inputs = torch.as_tensor(inputs)
    if model.vocab_size is not None:
        return inputs.reshape(1, -1) if inputs.ndim == 1 else inputs
    if inputs.ndim == 1:
        return inputs.reshape(1, -1, 1) if model.input_size == 1 else inputs.reshape(1, 1, -1)
    return inputs.unsqueeze(0) if inputs.ndim == 2 else inputs


def _copy64(model):
    # A float64 copy on the CPU: exact enough to print 8 digits, and MPS has no float64.
    return copy.deepcopy(model).cpu().double().eval()


def _features64(model64, inputs: torch.Tensor) -> torch.Tensor:
    # model.features would round values to float32 first; the lesson's numbers deserve float64.
    return inputs.double() if model64.vocab_size is None else model64.features(inputs).double()


def _zero_state64(model64):
    state = model64.initial_state(1)
    return tuple(s.double() for s in state) if isinstance(state, tuple) else state.double()


def _check_step(model, inputs, step: int, layer: int, item: int) -> None:
    steps = inputs.shape[1]
    if not isinstance(step, int) or not 1 <= step <= steps:
        raise InputError(f"Choose a step from 1 to {steps}; got {step!r}.")
    if not 0 <= layer < model.num_layers:
        raise InputError(f"Choose a layer from 0 to {model.num_layers - 1}; got {layer!r}.")
    if not 0 <= item < inputs.shape[0]:
        raise InputError(f"Choose a sequence from 0 to {inputs.shape[0] - 1}; got {item!r}.")


def _pick_units(h_change: np.ndarray, units, count: int) -> list[int]:
    if units is None:
        # The units that moved most at this step: the ones worth reading.
        return sorted(np.argsort(-np.abs(h_change), kind="stable")[:count].tolist())
    units = [int(u) for u in units]
    bad = [u for u in units if not 0 <= u < len(h_change)]
    if bad:
        raise InputError(f"Units must be from 0 to {len(h_change) - 1}; got {bad}.")
    return units


@torch.no_grad()
def step_terms(model, inputs, step: int, units=None, layer: int = 0, item: int = 0, symbols=None,
               max_units: int = DEFAULT_UNITS) -> StepTerms:
    """The terms of step `step` (1-based) of `layer` for sequence `item` of `inputs`, in float64."""
    inputs = _as_batch(model, inputs)
    _check_step(model, inputs, step, layer, item)
    model64 = _copy64(model)
    seq = inputs[item:item + 1, :step].cpu()
    features = _features64(model64, seq)
    hiddens, cells, gates = replay(model64, features, _zero_state64(model64))
    t = step - 1
    layer_input = features[0, t] if layer == 0 else hiddens[layer - 1][t][0]
    w_ih, w_hh, b_ih, b_hh = _layer_weights(model64.rnn, layer)
    hidden_size = model64.hidden_size
    h_prev = hiddens[layer][t - 1][0] if t > 0 else torch.zeros(hidden_size, dtype=torch.float64)
    x_part = w_ih @ layer_input
    h_part = w_hh @ h_prev
    b_i = b_ih if b_ih is not None else torch.zeros_like(x_part)
    b_h = b_hh if b_hh is not None else torch.zeros_like(h_part)
    names = ("a",) if model64.cell == "rnn" else GATE_NAMES[model64.cell]
    parts, gate_values = {}, {}
    for k, name in enumerate(names):
        rows = slice(k * hidden_size, (k + 1) * hidden_size)
        if model64.cell == "gru" and name == "candidate":
            # The reset gate scales the whole recurrent part, its bias included.
            part = {"x": x_part[rows], "h": h_part[rows] + b_h[rows], "bias": b_i[rows]}
            part["pre"] = part["x"] + part["bias"] + gates[layer][t][0][0] * part["h"]
        else:
            part = {"x": x_part[rows], "h": h_part[rows], "bias": b_i[rows] + b_h[rows]}
            part["pre"] = part["x"] + part["h"] + part["bias"]
        parts[name] = {key: value.numpy().copy() for key, value in part.items()}
        gate_values[name] = gates[layer][t][k][0].numpy().copy()
    h = hiddens[layer][t][0]
    y = model64.head(hiddens[-1][t][0])
    if model64.cell == "lstm":
        c = cells[layer][t][0].numpy().copy()
        c_prev = cells[layer][t - 1][0].numpy().copy() if t > 0 else np.zeros(hidden_size)
    else:
        c = c_prev = None
    if symbols is None and model64.vocab_size is not None:
        symbols = [str(i) for i in range(model64.vocab_size)]
    probs = torch.softmax(y, dim=-1).numpy().copy() if model64.vocab_size is not None else None
    if model64.vocab_size is not None and model64.embedding is None:
        x_label = r"\text{one-hot}(\texttt{" + _tex_text(symbols[int(seq[0, t])]) + "})"
    else:
        x_label = ""
    h_np, h_prev_np = h.numpy().copy(), h_prev.numpy().copy()
    return StepTerms(
        cell=model64.cell, nonlinearity=model64.nonlinearity, step=step, layer=layer,
        units=_pick_units(h_np - h_prev_np, units, max_units), x=layer_input.numpy().copy(), x_label=x_label,
        h_prev=h_prev_np, h=h_np, parts=parts, gates=gate_values, c_prev=c_prev, c=c,
        y=y.numpy().copy(), probs=probs, symbols=symbols,
    )


def worked_example() -> list[StepTerms]:
    """LESSONS L3 stepped t = 1, 2, 3: a_t, h_t and y_t as the library computes them."""
    model = lesson_model()
    inputs = torch.tensor([L3_INPUTS], dtype=torch.float64)
    return [step_terms(model, inputs, t, units=[0, 1, 2]) for t in range(1, len(L3_INPUTS) + 1)]


# -- LaTeX ---------------------------------------------------------------------------------------

def _tex_text(text: str) -> str:
    shown = readable(text)
    for char, escaped in (("\\", r"\backslash "), ("{", r"\{"), ("}", r"\}"), ("_", r"\_"), ("#", r"\#"),
                          ("$", r"\$"), ("%", r"\%"), ("&", r"\&"), ("^", r"\^{}"), ("~", r"\sim ")):
        shown = shown.replace(char, escaped)
    return shown


def _num(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _column(values: np.ndarray, units: list[int], size: int, digits: int) -> str:
    rows = [_num(values[u], digits) for u in units]
    if len(units) < size:
        rows.append(r"\vdots")
    return r"\begin{pmatrix}" + r"\\".join(rows) + r"\end{pmatrix}"


def equations_latex(terms: StepTerms, digits: int = 4) -> list[str]:
    """The step's equations as LaTeX lines (for st.latex), the shown units' numbers filled in."""
    t, units, size = terms.step, terms.units, terms.hidden_size

    def col(values):
        return _column(values, units, size, digits)

    lines = []
    if len(units) < size:
        lines.append(r"\text{units } " + ", ".join(str(u) for u in units) + rf"\text{{ of {size}}}")
    if terms.x_label:
        lines.append(rf"\mathbf{{x}}_{{{t}}} = {terms.x_label}")
    elif len(terms.x) <= 8:
        lines.append(rf"\mathbf{{x}}_{{{t}}} = " + _column(terms.x, list(range(len(terms.x))), len(terms.x), digits))
    h_prev = rf"\mathbf{{h}}_{{{t - 1}}}"
    if terms.cell == "rnn":
        part = terms.parts["a"]
        squash = r"\tanh" if terms.nonlinearity == "tanh" else r"\operatorname{relu}"
        lines.append(rf"\mathbf{{a}}_{{{t}}} = W_{{xh}}\mathbf{{x}}_{{{t}}} + W_{{hh}}{h_prev} + \mathbf{{b}}_h = "
                     f"{col(part['x'])} + {col(part['h'])} + {col(part['bias'])} = {col(part['pre'])}")
        lines.append(rf"\mathbf{{h}}_{{{t}}} = {squash}(\mathbf{{a}}_{{{t}}}) = {col(terms.h)}")
    else:
        letters = {"input": "i", "forget": "f", "candidate": "g" if terms.cell == "lstm" else "n",
                   "output": "o", "reset": "r", "update": "z"}
        for name, part in terms.parts.items():
            letter = letters[name]
            squash = r"\tanh" if name == "candidate" else r"\sigma"
            if terms.cell == "gru" and name == "candidate":
                inside = (rf"W_{{x{letter}}}\mathbf{{x}}_{{{t}}} + \mathbf{{b}}_{{x{letter}}} + \mathbf{{r}}_{{{t}}}"
                          rf"\odot(W_{{h{letter}}}{h_prev} + \mathbf{{b}}_{{h{letter}}})")
                numbers = rf"{col(part['x'])} + {col(part['bias'])} + {col(terms.gates['reset'])}\odot{col(part['h'])}"
            else:
                inside = rf"W_{{x{letter}}}\mathbf{{x}}_{{{t}}} + W_{{h{letter}}}{h_prev} + \mathbf{{b}}_{letter}"
                numbers = f"{col(part['x'])} + {col(part['h'])} + {col(part['bias'])}"
            lines.append(rf"\mathbf{{{letter}}}_{{{t}}} = {squash}({inside}) = {squash}\left({numbers}\right) = "
                         f"{col(terms.gates[name])}")
        if terms.cell == "lstm":
            lines.append(rf"\mathbf{{c}}_{{{t}}} = \mathbf{{f}}_{{{t}}}\odot\mathbf{{c}}_{{{t - 1}}} + "
                         rf"\mathbf{{i}}_{{{t}}}\odot\mathbf{{g}}_{{{t}}} = {col(terms.gates['forget'])}\odot"
                         rf"{col(terms.c_prev)} + {col(terms.gates['input'])}\odot{col(terms.gates['candidate'])}"
                         f" = {col(terms.c)}")
            lines.append(rf"\mathbf{{h}}_{{{t}}} = \mathbf{{o}}_{{{t}}}\odot\tanh(\mathbf{{c}}_{{{t}}}) = "
                         f"{col(terms.h)}")
        else:
            lines.append(rf"\mathbf{{h}}_{{{t}}} = (1-\mathbf{{z}}_{{{t}}})\odot\mathbf{{n}}_{{{t}}} + "
                         rf"\mathbf{{z}}_{{{t}}}\odot{h_prev} = {col(terms.h)}")
    lines.extend(_output_latex(terms, digits))
    return lines


def _output_latex(terms: StepTerms, digits: int, top: int = 3) -> list[str]:
    t = terms.step
    top_layer = r"\mathbf{h}" if terms.layer == 0 else r"\mathbf{h}^{\text{top}}"
    if terms.probs is None:
        shown = ", ".join(_num(v, digits) for v in terms.y)
        value = shown if len(terms.y) == 1 else rf"({shown})"
        return [rf"y_{{{t}}} = W_{{hy}}{top_layer}_{{{t}}} + b_y = {value}"]
    best = np.argsort(-terms.probs, kind="stable")[:top]
    pieces = [rf"p(\texttt{{{_tex_text(terms.symbols[k])}}}) = {_num(terms.probs[k], 3)}" for k in best]
    return [rf"\mathbf{{y}}_{{{t}}} = W_{{hy}}{top_layer}_{{{t}}} + \mathbf{{b}}_y,\quad "
            rf"\operatorname{{softmax}}(\mathbf{{y}}_{{{t}}}):\ " + r",\ ".join(pieces)]


# -- the BPTT chain ------------------------------------------------------------------------------

@dataclass
class Chain:
    """The Jacobians of one layer's recurrence along a sequence.

    jacobians[t - 1] = ∂s_t/∂s_{t-1} for t = 1..T, where the state s is h (RNN, GRU) or h and c
    stacked (LSTM: the cell state is the path that lets an LSTM remember). Backpropagation
    multiplies by their transposes: ∂L/∂s_{t-1} = J_tᵀ ∂L/∂s_t, for the RNN W_hhᵀ diag(tanh'(a_t)).
    norms[t - 1] is J_t's spectral norm (its largest singular value).
    """

    cell: str
    layer: int
    jacobians: torch.Tensor
    norms: torch.Tensor

    @property
    def steps(self) -> int:
        return self.jacobians.shape[0]

    def product(self, start: int, end: int) -> torch.Tensor:
        """∂s_end/∂s_start = J_end ⋯ J_{start+1} (identity when start == end); 0 ≤ start ≤ end ≤ T."""
        if not 0 <= start <= end <= self.steps:
            raise InputError(f"A span needs 0 ≤ start ≤ end ≤ {self.steps}; got {start} to {end}.")
        size = self.jacobians.shape[-1]
        result = torch.eye(size, dtype=self.jacobians.dtype)
        for t in range(start + 1, end + 1):
            result = self.jacobians[t - 1] @ result
        return result

    def product_norm(self, start: int, end: int) -> float:
        """‖∂s_end/∂s_start‖₂: how much a change at step `start` can still move step `end`."""
        return float(torch.linalg.matrix_norm(self.product(start, end), ord=2))

    def span_norms(self, end: int | None = None) -> np.ndarray:
        """‖∂s_end/∂s_t‖₂ for t = 0..end-1 (end defaults to T): the fading reach of the last step."""
        end = self.steps if end is None else end
        self.product(0, end)  # checks the span
        size = self.jacobians.shape[-1]
        back = torch.eye(size, dtype=self.jacobians.dtype)
        norms = np.zeros(end)
        for t in range(end, 0, -1):
            back = back @ self.jacobians[t - 1]
            norms[t - 1] = float(torch.linalg.matrix_norm(back, ord=2))
        return norms


def bptt_chain(model, inputs, layer: int = 0, item: int = 0) -> Chain:
    """∂s_t/∂s_{t-1} at every step of `layer` on sequence `item`, with each one's spectral norm.

    The RNN's is diag(f'(a_t)) W_hh in closed form; LSTM and GRU steps are differentiated by
    autograd (one replayed step, its input projection held fixed).
    """
    inputs = _as_batch(model, inputs)
    _check_step(model, inputs, 1, layer, item)
    model64 = _copy64(model)
    with torch.no_grad():
        features = _features64(model64, inputs[item:item + 1].cpu())
        hiddens, cells, gates = replay(model64, features, _zero_state64(model64))
    w_ih, w_hh, b_ih, b_hh = _layer_weights(model64.rnn, layer)
    layer_input = features[0] if layer == 0 else torch.stack(hiddens[layer - 1], dim=1)[0]
    with torch.no_grad():
        x_proj = torch.nn.functional.linear(layer_input, w_ih, b_ih).detach()
    hidden_size = model64.hidden_size
    jacobians = []
    for t in range(len(hiddens[layer])):
        if model64.cell == "rnn":
            a = gates[layer][t][0][0]
            slope = 1 - torch.tanh(a) ** 2 if model64.nonlinearity == "tanh" else (a > 0).double()
            jacobians.append(slope[:, None] * w_hh.detach())
            continue
        h_prev = hiddens[layer][t - 1][0] if t > 0 else torch.zeros(hidden_size, dtype=torch.float64)
        if model64.cell == "lstm":
            c_prev = cells[layer][t - 1][0] if t > 0 else torch.zeros(hidden_size, dtype=torch.float64)

            def lstm_step(state, x=x_proj[t]):
                h, c, _ = _rnn_step("lstm", "tanh", x, state[:hidden_size], state[hidden_size:], w_hh, b_hh)
                return torch.cat([h, c])

            jacobian = torch.autograd.functional.jacobian(lstm_step, torch.cat([h_prev, c_prev]))
        else:
            def gru_step(h, x=x_proj[t]):
                return _rnn_step("gru", "tanh", x, h, None, w_hh, b_hh)[0]

            jacobian = torch.autograd.functional.jacobian(gru_step, h_prev)
        jacobians.append(jacobian.detach())
    stacked = torch.stack(jacobians)
    return Chain(cell=model64.cell, layer=layer, jacobians=stacked,
                 norms=torch.linalg.matrix_norm(stacked, ord=2))
