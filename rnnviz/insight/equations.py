"""The worked step's equations as LaTeX lines (for st.latex), its numbers filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rnnviz.choices import readable

if TYPE_CHECKING:
    from rnnviz.insight.worked import StepTerms


def tex_text(text: str) -> str:
    """A symbol as LaTeX text: its spaces and line ends visible, LaTeX's special characters escaped."""
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
    if terms.x_symbol is not None:
        lines.append(rf"\mathbf{{x}}_{{{t}}} = \text{{one-hot}}(\texttt{{{tex_text(terms.x_symbol)}}})")
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
    pieces = [rf"p(\texttt{{{tex_text(terms.symbols[k])}}}) = {_num(terms.probs[k], 3)}" for k in best]
    return [rf"\mathbf{{y}}_{{{t}}} = W_{{hy}}{top_layer}_{{{t}}} + \mathbf{{b}}_y,\quad "
            rf"\operatorname{{softmax}}(\mathbf{{y}}_{{{t}}}):\ " + r",\ ".join(pieces)]
