"""worked: LESSONS L3's example through the library's own forward, step terms and the BPTT chain.

The references are written without rnnviz: numpy for the lesson's equations, torch's own
nn.RNNCell/LSTMCell/GRUCell and autograd for the Jacobians.

A note on LESSONS L3's figures: a_1 and h_1 follow from the stated weights, but the figures
after them (y_1 = 0.62507946, h_2, y_2, h_3, y_3) do not: W_hy h_1 with the lesson's own h_1
is 0.62274399, and running the seed tutorial's code prints the numbers in L3_COMPUTED below.
The seed's printed "output example" was not produced by its code. So a_1 and h_1 are checked
against LESSONS, and every step against the equations themselves.
"""

import numpy as np
import pytest
import torch
from conftest import seeded_model
from torch import nn

from rnnviz import InputError, load_dataset, trace
from rnnviz.insight.bptt import bptt_chain
from rnnviz.insight.equations import equations_latex
from rnnviz.insight.worked import (
    L3_INPUTS,
    L3_W_HH,
    L3_W_HY,
    L3_W_XH,
    lesson_model,
    step_terms,
    worked_example,
)

LESSON_A1 = [0.2, 0.5, 0.8]
LESSON_H1 = [0.19737532, 0.46211716, 0.66403677]
# h_t and y_t of the stated equations (the seed's code prints the same when run).
L3_COMPUTED = {
    1: ([0.19737532, 0.46211716, 0.66403677], 0.62274399),
    2: ([0.42302613, 0.78886928, 0.93357029], 0.96029511),
    3: ([0.61700069, 0.93072552, 0.98918831], 1.08920333),
}


def numpy_forward():
    w_xh, w_hh, w_hy = np.array(L3_W_XH), np.array(L3_W_HH), np.array(L3_W_HY)
    h = np.zeros(3)
    steps = []
    for x in np.array(L3_INPUTS):
        a = w_xh @ x + w_hh @ h
        h = np.tanh(a)
        steps.append((a, h, w_hy @ h))
    return steps


def test_worked_example_matches_lessons_first_step():
    first = worked_example()[0]
    assert np.allclose(first.parts["a"]["pre"], LESSON_A1, atol=1e-6)
    assert np.allclose(first.h, LESSON_H1, atol=1e-6)


def test_worked_example_follows_the_equations_at_every_step():
    steps = worked_example()
    assert [s.step for s in steps] == [1, 2, 3]
    for terms, (a, h, y) in zip(steps, numpy_forward()):
        assert np.allclose(terms.parts["a"]["pre"], a, atol=1e-12)
        assert np.allclose(terms.h, h, atol=1e-12)
        assert np.allclose(terms.y, y, atol=1e-12)
        expected_h, expected_y = L3_COMPUTED[terms.step]
        assert np.allclose(terms.h, expected_h, atol=1e-6)
        assert abs(terms.y[0] - expected_y) < 1e-6


def test_worked_example_terms_add_up():
    for terms in worked_example():
        part = terms.parts["a"]
        assert np.allclose(part["x"] + part["h"] + part["bias"], part["pre"])
        assert np.allclose(part["x"], np.array(L3_W_XH) @ np.array(L3_INPUTS[terms.step - 1]))
        assert np.allclose(part["h"], np.array(L3_W_HH) @ terms.h_prev)
        assert not part["bias"].any()


def test_lesson_model_is_the_library_model():
    # The fused module itself (model.features would round the inputs to float32, so feed model.rnn).
    model = lesson_model()
    hidden, _ = model.rnn(torch.tensor([L3_INPUTS], dtype=torch.float64))
    outputs = model.head(hidden)
    assert np.allclose(hidden[0].detach().numpy(), [v[0] for v in L3_COMPUTED.values()], atol=1e-6)
    assert np.allclose(outputs[0, :, 0].detach().numpy(), [v[1] for v in L3_COMPUTED.values()], atol=1e-6)


def test_equations_latex_carries_the_numbers():
    lines = equations_latex(worked_example()[1], digits=8)
    text = "\n".join(lines)
    assert "0.42302613" in text and "0.96029511" in text and r"\tanh" in text
    for line in lines:
        assert line.count("{") == line.count("}")
        assert line.count(r"\begin{pmatrix}") == line.count(r"\end{pmatrix}")


CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]


def trained_like(cell, nonlinearity, layers=2, hidden=5, embedding_dim=0):
    ds = load_dataset("counting", seed=0)
    model = seeded_model(ds, seed=3, cell=cell, nonlinearity=nonlinearity, hidden_size=hidden, num_layers=layers,
                         embedding_dim=embedding_dim)
    with torch.no_grad():
        for p in model.rnn.parameters():
            p.mul_(3.0)  # larger weights than at init, so the gates and tanh are not all near zero
    inputs, _ = ds.batch(2, 6, torch.Generator().manual_seed(1))
    return ds, model, inputs


@pytest.mark.parametrize("cell,nonlinearity", CELLS)
@pytest.mark.parametrize("layer", [0, 1])
def test_step_terms_match_the_trace(cell, nonlinearity, layer):
    ds, model, inputs = trained_like(cell, nonlinearity)
    reference = trace(model, inputs)
    for step in (1, 4):
        terms = step_terms(model, inputs, step, layer=layer, item=1, symbols=ds.symbols, max_units=3)
        assert np.allclose(terms.h, reference.hidden[layer, 1, step - 1].numpy(), atol=1e-5)
        assert np.allclose(terms.y, reference.outputs[1, step - 1].numpy(), atol=1e-5)
        assert len(terms.units) == 3 and terms.summary().startswith("2 more units")
        for name, part in terms.parts.items():
            if not (cell == "gru" and name == "candidate"):
                assert np.allclose(part["x"] + part["h"] + part["bias"], part["pre"])
        if cell == "rnn":
            assert np.allclose(terms.parts["a"]["pre"], reference.gates["preactivation"][layer, 1, step - 1], atol=1e-5)
        else:
            for name, values in reference.gates.items():
                assert np.allclose(terms.gates[name], values[layer, 1, step - 1].numpy(), atol=1e-5)
        if cell == "lstm":
            assert np.allclose(terms.c, reference.cell[layer, 1, step - 1].numpy(), atol=1e-5)
        lines = equations_latex(terms)
        assert any(r"\vdots" in line for line in lines)


def test_step_terms_refuse_bad_requests():
    ds, model, inputs = trained_like("rnn", "tanh")
    with pytest.raises(InputError, match="step from 1 to 6"):
        step_terms(model, inputs, 7)
    with pytest.raises(InputError, match="Units must be from 0 to 4"):
        step_terms(model, inputs, 1, units=[9])
    with pytest.raises(InputError, match="layer"):
        step_terms(model, inputs, 1, layer=2)


def torch_cell(model, layer):
    """torch's own single-step cell carrying `layer`'s weights: the independent reference."""
    kinds = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
    w_ih = getattr(model.rnn, f"weight_ih_l{layer}")
    kwargs = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}
    cell = kinds[model.cell](w_ih.shape[1], model.hidden_size, **kwargs).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(model.rnn, f"{name}_l{layer}"))
    return cell


def layer_inputs(model, inputs, layer):
    with torch.no_grad():
        features = model.features(inputs[1:2]).double()
        if layer == 0:
            return features[0]
        single = type(model.rnn)(features.shape[-1], model.hidden_size, layer, batch_first=True,
                                 **({"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {})).double()
        for name, value in model.rnn.named_parameters():
            if int(name[-1]) < layer:
                getattr(single, name).copy_(value)
        return single(features)[0][0]


@pytest.mark.parametrize("cell,nonlinearity", CELLS)
@pytest.mark.parametrize("layer", [0, 1])
def test_bptt_chain_is_the_jacobian_of_the_recurrence(cell, nonlinearity, layer):
    _, model, inputs = trained_like(cell, nonlinearity)
    chain = bptt_chain(model, inputs, layer=layer, item=1)
    reference_cell = torch_cell(model, layer)
    xs = layer_inputs(model, inputs, layer)
    hidden = model.hidden_size

    def run(state, start, end):
        for t in range(start, end):
            if cell == "lstm":
                h, c = reference_cell(xs[t:t + 1], (state[None, :hidden], state[None, hidden:]))
                state = torch.cat([h[0], c[0]])
            else:
                state = reference_cell(xs[t:t + 1], state[None])[0]
        return state

    size = 2 * hidden if cell == "lstm" else hidden
    state = torch.zeros(size, dtype=torch.float64)
    assert chain.jacobians.shape == (6, size, size)
    for t in range(1, 7):
        expected = torch.autograd.functional.jacobian(lambda s, t=t: run(s, t - 1, t), state)
        assert torch.allclose(chain.jacobians[t - 1], expected, atol=1e-8)
        assert abs(chain.norms[t - 1] - torch.linalg.svdvals(expected)[0]) < 1e-8
        state = run(state, t - 1, t).detach()
    start_state = run(torch.zeros(size, dtype=torch.float64), 0, 2).detach()
    span = torch.autograd.functional.jacobian(lambda s: run(s, 2, 6), start_state)
    assert torch.allclose(chain.product(2, 6), span, atol=1e-8)
    assert abs(chain.product_norm(2, 6) - torch.linalg.svdvals(span)[0]) < 1e-8
    assert np.allclose(chain.span_norms(), [chain.product_norm(t, 6) for t in range(6)])


def test_rnn_chain_is_diag_tanh_prime_times_w_hh():
    model = lesson_model()
    chain = bptt_chain(model, torch.tensor([L3_INPUTS], dtype=torch.float64))
    for t, (_, h, _) in enumerate(numpy_forward()):
        assert np.allclose(chain.jacobians[t].numpy(), np.diag(1 - h ** 2) @ np.array(L3_W_HH))
    assert chain.product_norm(1, 1) == pytest.approx(1.0)
    with pytest.raises(InputError, match="span"):
        chain.product(2, 1)
