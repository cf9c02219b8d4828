"""trace: the step-by-step replay must be the fused module, and its ∂L/∂h_t the true total derivative.

The references here are written without rnnviz.nn.trace: the fused torch module for the states, and
torch's own nn.RNNCell/LSTMCell/GRUCell stepped in a Python loop for the gradients.
"""

import itertools

import pytest
import torch
import torch.nn.functional as F
from conftest import seeded_model, weights_of
from torch import nn

from rnnviz import load_dataset, trace
from rnnviz.nn.trace import loss_per_step

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
HIDDEN = 6
BATCH, STEPS = 3, 7


def make_case(cell, nonlinearity, layers, data, seed=0, embedding_dim=0):
    ds = load_dataset("counting" if data == "tokens" else "sine", seed=0)
    model = seeded_model(ds, seed=seed, cell=cell, nonlinearity=nonlinearity, hidden_size=HIDDEN,
                         num_layers=layers, embedding_dim=embedding_dim)
    inputs, targets = ds.batch(BATCH, STEPS, torch.Generator().manual_seed(seed))
    return ds, model, inputs, targets


def random_state(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    shape = (model.num_layers, BATCH, model.hidden_size)
    h0 = torch.randn(shape, generator=g) * 0.5
    if model.cell == "lstm":
        return h0, torch.randn(shape, generator=g) * 0.5
    return h0


def one_layer_module(model, layer):
    """A fresh 1-layer fused module carrying `layer`'s weights of model.rnn."""
    rnn = model.rnn
    w_ih = getattr(rnn, f"weight_ih_l{layer}")
    kwargs = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}
    single = type(rnn)(w_ih.shape[1], model.hidden_size, 1, batch_first=True, **kwargs)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(single, f"{name}_l0").copy_(getattr(rnn, f"{name}_l{layer}"))
    return single


def layer_state(state, layer, cell):
    if state is None:
        return None
    if cell == "lstm":
        return state[0][layer:layer + 1], state[1][layer:layer + 1]
    return state[layer:layer + 1]


@pytest.mark.parametrize("cell,nonlinearity", CELLS)
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("data", ["tokens", "values"])
@pytest.mark.parametrize("given_state", [False, True])
def test_hidden_states_equal_the_fused_module(cell, nonlinearity, layers, data, given_state):
    ds, model, inputs, targets = make_case(cell, nonlinearity, layers, data)
    state = random_state(model) if given_state else None
    tr = trace(model, inputs, targets, state=state)

    with torch.no_grad():
        features = model.features(inputs)
        top, final = model.rnn(features, state)
        # Every layer from a fused 1-layer module fed the fused output of the layer below.
        per_layer, layer_input = [], features
        for layer in range(layers):
            out, _ = one_layer_module(model, layer)(layer_input, layer_state(state, layer, cell))
            per_layer.append(out)
            layer_input = out

    assert tr.hidden.shape == (layers, BATCH, STEPS, HIDDEN)
    torch.testing.assert_close(tr.hidden[-1], top, atol=1e-5, rtol=0)
    for layer in range(layers):
        torch.testing.assert_close(tr.hidden[layer], per_layer[layer], atol=1e-5, rtol=0)
    h_n, c_n = final if cell == "lstm" else (final, None)
    torch.testing.assert_close(tr.hidden[:, :, -1], h_n, atol=1e-5, rtol=0)
    if cell == "lstm":
        assert tr.cell.shape == tr.hidden.shape
        torch.testing.assert_close(tr.cell[:, :, -1], c_n, atol=1e-5, rtol=0)
    else:
        assert tr.cell is None
    with torch.no_grad():
        outputs, _ = model(inputs, state)
    torch.testing.assert_close(tr.outputs, outputs, atol=1e-5, rtol=0)


def test_trace_with_an_embedding_equals_the_fused_module():
    ds, model, inputs, targets = make_case("gru", "tanh", 2, "tokens", embedding_dim=4)
    assert model.embedding is not None
    tr = trace(model, inputs, targets)
    with torch.no_grad():
        top, _ = model.rnn(model.features(inputs))
    torch.testing.assert_close(tr.hidden[-1], top, atol=1e-5, rtol=0)


def make_cell(model, layer):
    """torch's own single-step cell carrying `layer`'s weights."""
    rnn = model.rnn
    w_ih = getattr(rnn, f"weight_ih_l{layer}")
    if model.cell == "rnn":
        cell = nn.RNNCell(w_ih.shape[1], model.hidden_size, nonlinearity=model.nonlinearity)
    elif model.cell == "lstm":
        cell = nn.LSTMCell(w_ih.shape[1], model.hidden_size)
    else:
        cell = nn.GRUCell(w_ih.shape[1], model.hidden_size)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(rnn, f"{name}_l{layer}"))
    return cell


def unrolled_grad_norms(model, inputs, targets, state=None, last_only=False):
    """[L, T] mean over the batch of ‖∂loss/∂h_t‖ from a Python loop over torch cells."""
    features = model.features(inputs).detach()
    batch, steps = features.shape[:2]
    layers = model.num_layers
    cells = [make_cell(model, layer) for layer in range(layers)]
    if state is None:
        state = model.initial_state(batch)
    h = [state[0][layer] for layer in range(layers)] if model.cell == "lstm" else list(state)
    c = [state[1][layer] for layer in range(layers)] if model.cell == "lstm" else None
    kept = [[None] * steps for _ in range(layers)]
    outputs = []
    for t in range(steps):
        x = features[:, t]
        for layer in range(layers):
            if model.cell == "lstm":
                h[layer], c[layer] = cells[layer](x, (h[layer], c[layer]))
            else:
                h[layer] = cells[layer](x, h[layer])
            h[layer].retain_grad()
            kept[layer][t] = h[layer]
            x = h[layer]
        outputs.append(model.head(x))
    outputs = torch.stack(outputs, dim=1)
    if last_only:
        outputs, targets = outputs[:, -1:], targets[:, -1:]
    if model.vocab_size is None:
        loss = F.mse_loss(outputs, targets)
    else:
        loss = F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1))
    loss.backward()
    return torch.tensor([[0.0 if kept[layer][t].grad is None else float(kept[layer][t].grad.norm(dim=-1).mean())
                          for t in range(steps)] for layer in range(layers)]), float(loss.detach())


@pytest.mark.parametrize("cell,nonlinearity", CELLS)
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_grad_norms_equal_an_unrolled_reference(cell, nonlinearity, layers):
    ds, model, inputs, targets = make_case(cell, nonlinearity, layers, "tokens")
    tr = trace(model, inputs, targets)
    total, loss = unrolled_grad_norms(model, inputs, targets)
    last, _ = unrolled_grad_norms(model, inputs, targets, last_only=True)
    assert tr.grad_norms.shape == tr.grad_norms_last.shape == (layers, STEPS)
    assert (total > 0).all()
    torch.testing.assert_close(tr.grad_norms, total, rtol=1e-4, atol=1e-9)
    torch.testing.assert_close(tr.grad_norms_last, last, rtol=1e-4, atol=1e-9)
    assert tr.loss == pytest.approx(loss, rel=1e-5)
    model.zero_grad(set_to_none=True)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_grad_norms_on_series_data_and_a_given_state(cell):
    ds, model, inputs, targets = make_case(cell, "tanh", 2, "values")
    state = random_state(model)
    tr = trace(model, inputs, targets, state=state)
    total, loss = unrolled_grad_norms(model, inputs, targets, state=state)
    last, _ = unrolled_grad_norms(model, inputs, targets, state=state, last_only=True)
    torch.testing.assert_close(tr.grad_norms, total, rtol=1e-4, atol=1e-9)
    torch.testing.assert_close(tr.grad_norms_last, last, rtol=1e-4, atol=1e-9)
    assert tr.loss == pytest.approx(loss, rel=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_direct_part_alone_is_not_the_total_gradient(cell):
    """autograd.grad through the fused module's output misses every later step: why trace replays."""
    ds, model, inputs, targets = make_case(cell, "tanh", 1, "tokens")
    tr = trace(model, inputs, targets)
    top, _ = model.rnn(model.features(inputs))
    loss = loss_per_step(model, model.head(top), targets).mean()
    (direct,) = torch.autograd.grad(loss, top)
    direct_norms = direct.norm(dim=-1).mean(dim=0)
    # At the last step nothing comes later, so both agree ...
    assert float(tr.grad_norms[0, -1]) == pytest.approx(float(direct_norms[-1]), rel=1e-4)
    # ... earlier, the recurrent path adds to the direct part.
    differences = (tr.grad_norms[0, :-1] - direct_norms[:-1]).abs() / direct_norms[:-1]
    assert float(differences.max()) > 1e-2


@pytest.mark.parametrize("layers", [1, 3])
def test_last_step_loss_and_total_agree_at_the_last_step(layers):
    """h_T touches only L_T, and L is the mean of T step losses: ∂L/∂h_T = ∂L_T/∂h_T / T in every layer."""
    ds, model, inputs, targets = make_case("lstm", "tanh", layers, "tokens")
    tr = trace(model, inputs, targets)
    torch.testing.assert_close(tr.grad_norms_last[:, -1], tr.grad_norms[:, -1] * STEPS, rtol=1e-4, atol=0)
    # Earlier steps also feed their own losses, so there the two differ.
    assert not torch.allclose(tr.grad_norms_last[:, 0], tr.grad_norms[:, 0] * STEPS, rtol=1e-2)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gates_satisfy_the_cell_equations(cell):
    ds, model, inputs, targets = make_case(cell, "tanh", 2, "tokens")
    state = random_state(model)
    tr = trace(model, inputs, targets, state=state)
    h0 = state[0] if cell == "lstm" else state
    previous_h = torch.cat([h0[:, :, None], tr.hidden[:, :, :-1]], dim=2)
    if cell == "rnn":
        torch.testing.assert_close(torch.tanh(tr.gates["preactivation"]), tr.hidden, atol=1e-6, rtol=0)
    elif cell == "lstm":
        i, f, g, o = (tr.gates[k] for k in ("input", "forget", "candidate", "output"))
        previous_c = torch.cat([state[1][:, :, None], tr.cell[:, :, :-1]], dim=2)
        torch.testing.assert_close(f * previous_c + i * g, tr.cell, atol=1e-6, rtol=0)
        torch.testing.assert_close(o * torch.tanh(tr.cell), tr.hidden, atol=1e-6, rtol=0)
        assert ((f > 0) & (f < 1)).all()
    else:
        z, n = tr.gates["update"], tr.gates["candidate"]
        torch.testing.assert_close((1 - z) * n + z * previous_h, tr.hidden, atol=1e-6, rtol=0)
    for value in tr.gates.values():
        assert value.shape == tr.hidden.shape


def test_trace_without_targets_has_no_gradients():
    ds, model, inputs, targets = make_case("lstm", "tanh", 1, "tokens")
    tr = trace(model, inputs)
    assert tr.loss is None and tr.grad_norms is None and tr.grad_norms_last is None
    assert tr.steps == STEPS and tr.num_layers == 1


def test_trace_leaves_the_model_as_it_was():
    ds, model, inputs, targets = make_case("gru", "tanh", 2, "tokens")
    before = weights_of(model)
    model.train()
    trace(model, inputs, targets)
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    model.eval()
    trace(model, inputs, targets)
    assert not model.training


def test_loss_per_step_averages_to_the_training_loss():
    for data, cell in itertools.product(("tokens", "values"), ("rnn", "gru")):
        ds, model, inputs, targets = make_case(cell, "tanh", 1, data)
        with torch.no_grad():
            outputs, _ = model(inputs)
            per_step = loss_per_step(model, outputs, targets)
            if data == "tokens":
                expected = F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1))
            else:
                expected = F.mse_loss(outputs, targets)
        assert per_step.shape == (STEPS,)
        assert float(per_step.mean()) == pytest.approx(float(expected), rel=1e-5)
