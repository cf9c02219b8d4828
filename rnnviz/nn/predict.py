"""Continue a prefix: warm the hidden state up on it, then feed each prediction back in."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnnviz.choices import MAX_PREDICT, MAX_PREFIX, MAX_TEMPERATURE
from rnnviz.errors import InputError
from rnnviz.nn.trace import replay


@dataclass
class Prediction:
    """A prefix and its continuation.

    prefix, generated: token ids (token data) or values (series data)
    text:   the prefix and continuation as a learner reads them
    probs:  [n, V] the distribution each generated token was drawn from (None for series)
    hidden: [num_layers, T, H] the hidden state after each input, prefix then generated
    """

    prefix: list
    generated: list
    text: str
    continuation: str
    probs: torch.Tensor | None
    hidden: torch.Tensor
    symbols: list[str] | None = None
    temperature: float = 0.0

    def top(self, k: int = 5) -> list[list[tuple[str, float]]]:
        """For each generated step, the k most likely symbols with their probabilities."""
        if self.probs is None:
            return []
        k = min(k, self.probs.shape[1])
        values, ids = self.probs.topk(k, dim=1)
        return [[(self.symbols[int(i)], float(p)) for p, i in zip(row_p, row_i)]
                for row_p, row_i in zip(values, ids)]


def _check_request(n, temperature):
    if not isinstance(n, int) or isinstance(n, bool) or n < 1 or n > MAX_PREDICT:
        raise InputError(f"The number of steps to predict must be a whole number from 1 to {MAX_PREDICT}.")
    try:
        temperature = float(temperature)
    except (TypeError, ValueError):
        raise InputError("The temperature must be a number from 0 (greedy) to 10.") from None
    if not (0.0 <= temperature <= MAX_TEMPERATURE):
        raise InputError("The temperature must be a number from 0 (greedy) to 10.")
    if temperature < 1e-3:
        # logits / 1e-190 overflow to inf and softmax gives NaN; this cold, sampling is greedy anyway.
        return 0.0
    return temperature


@torch.no_grad()
def predict(model, ds, prefix, n: int = 5, temperature: float = 0.0,
            generator: torch.Generator | None = None) -> Prediction:
    """Warm up on `prefix`, then generate `n` more (greedy at temperature 0, else sampled)."""
    temperature = _check_request(n, temperature)
    if isinstance(prefix, (str, list, tuple)) and len(prefix) > MAX_PREFIX:
        what = "characters" if isinstance(prefix, str) else "items"
        raise InputError(f"The prefix has {len(prefix):,} {what}; at most {MAX_PREFIX} are allowed.")
    items = ds.parse_prefix(prefix)
    if len(items) == 0:  # e.g. "," parses to nothing; the model needs at least one input to warm up on
        raise InputError("The prefix has nothing in it to continue: type at least one symbol "
                         "(or number, for a series).")
    was_training = model.training
    model.eval()
    try:
        if ds.is_tokens:
            return _predict_tokens(model, ds, items, n, temperature, generator)
        return _predict_values(model, ds, items, n)
    finally:
        model.train(was_training)


def model_input(ds, items) -> torch.Tensor:
    """One sequence of `ds`'s items as one batch of model input: [1, T] ids, or [1, T, 1] values on the
    model's scale."""
    if ds.is_tokens:
        return torch.tensor([list(items)])
    return ds.to_model(list(items)).reshape(1, -1, 1)


def _run(model, inputs, state):
    """Feed `inputs` [1, T, ...] from `state`; return outputs, the new state and
    every layer's hidden state after each input, [num_layers, T, H]."""
    hiddens, cells, _ = replay(model, model.features(inputs), state)
    outputs = model.head(torch.stack(hiddens[-1], dim=1))
    h_n = torch.stack([layer[-1] for layer in hiddens])
    new_state = (h_n, torch.stack([layer[-1] for layer in cells])) if model.cell == "lstm" else h_n
    per_step = torch.stack([torch.stack(layer, dim=1)[0] for layer in hiddens]).cpu()
    return outputs, new_state, per_step


def _predict_tokens(model, ds, ids, n, temperature, generator):
    device = model.device
    out, state, hidden = _run(model, model_input(ds, ids).to(device), None)
    states, generated, dists = [hidden], [], []
    for _ in range(n):
        logits = out[0, -1].float()
        probs = torch.softmax(logits / temperature if temperature > 0 else logits, dim=-1).cpu()
        token = int(torch.multinomial(probs, 1, generator=generator)) if temperature > 0 else int(probs.argmax())
        generated.append(token)
        dists.append(probs)
        out, state, hidden = _run(model, torch.tensor([[token]], device=device), state)
        states.append(hidden)
    return Prediction(
        prefix=list(ids), generated=generated, text=ds.format(list(ids) + generated),
        continuation=ds.format(generated), probs=torch.stack(dists),
        hidden=torch.cat(states, dim=1), symbols=list(ds.symbols), temperature=temperature,
    )


def _predict_values(model, ds, values, n):
    device = model.device
    out, state, hidden = _run(model, model_input(ds, values).to(device), None)
    states, generated = [hidden], []
    for _ in range(n):
        last = out[0, -1, 0]
        generated.append(float(last))
        out, state, hidden = _run(model, last.reshape(1, 1, 1), state)
        states.append(hidden)
    continued = ds.from_model(torch.tensor(generated))
    return Prediction(
        prefix=list(values), generated=continued, text=ds.format(list(values) + continued),
        continuation=ds.format(continued), probs=None, hidden=torch.cat(states, dim=1),
    )
