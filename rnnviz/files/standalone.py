"""A model exported from rnnviz as plain PyTorch: build it, load its weights, train it and predict as the app does.

Needs only torch and safetensors (pip install torch safetensors). Run it beside its weights file:

    python {script} --predict              continue the lesson's prefix (the app's Predict)
    python {script} --train 100            train 100 more steps, as pressing Train in the app would
    python {script} --prefix "2 3" --n 8   continue another prefix
    python {script} --train 100 --save more.safetensors

The model is an embedding or one-hot input, PyTorch's own nn.RNN / nn.LSTM / nn.GRU (batch first)
and a Linear head on every step's h_t. Batches are drawn as the app draws them, from a generator
seeded with the lesson's seed, so `--train N` gives the losses the app shows when the same file is
loaded there and trained N steps (datasets made of items drawn at random train on a fixed sample of them).
"""

import argparse
import json
import math
import re
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

SETTINGS: dict = {}  # filled in by rnnviz when it exports: the model's sizes, the training settings, the weights file
DATA: dict = {}  # filled in by rnnviz: the symbols or the value scale, and the training data itself
IGNORE_INDEX = -100  # a token target that does not count; a value target that does not count is NaN
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class Model(nn.Module):
    """Input features → the recurrent module → a Linear head; the names match the weights file's."""

    def __init__(self):
        super().__init__()
        s = SETTINGS
        self.vocab_size = s["vocab_size"]
        self.embedding = nn.Embedding(s["vocab_size"], s["embedding_dim"]) if s["embedding_dim"] else None
        width = s["embedding_dim"] or s["input_size"]
        extra = {"nonlinearity": s["nonlinearity"]} if s["cell"] == "rnn" else {}
        self.rnn = CELLS[s["cell"]](width, s["hidden_size"], s["num_layers"], batch_first=True, **extra)
        self.head = nn.Linear(s["hidden_size"], s["output_size"])

    def features(self, inputs):
        if self.vocab_size is None:
            return inputs.float()
        if self.embedding is not None:
            return self.embedding(inputs)
        return F.one_hot(inputs, self.vocab_size).float()

    def forward(self, inputs, state=None):
        hidden, state = self.rnn(self.features(inputs), state)
        return self.head(hidden), state


# -- the data, batched as the app batches it ----------------------------------------------------------------
def stream() -> torch.Tensor:
    if "text" in DATA:
        index = {symbol: i for i, symbol in enumerate(DATA["symbols"])}
        return torch.tensor([index[c] for c in DATA["text"]])
    return torch.tensor(DATA["stream"], dtype=torch.long if DATA["kind"] == "tokens" else torch.float32)


def _values(rows) -> torch.Tensor:
    if DATA["kind"] == "tokens":
        return torch.tensor(rows, dtype=torch.long)
    return torch.tensor([[math.nan if v is None else v for v in row] for row in rows]).unsqueeze(-1)


def windows(data, starts, seq_len):
    chunk = data[starts[:, None] + torch.arange(seq_len + 1)[None, :]]
    inputs, targets = chunk[:, :-1], chunk[:, 1:]
    return (inputs, targets) if DATA["kind"] == "tokens" else (inputs.unsqueeze(-1), targets.unsqueeze(-1))


def random_batch(data, generator):
    """A random batch: windows of the stream, or a random choice of the items."""
    size = SETTINGS["batch_size"]
    if isinstance(data, tuple):
        inputs, targets = data
        if size < len(inputs):
            chosen = torch.randperm(len(inputs), generator=generator)[:size]
            inputs, targets = inputs[chosen], targets[chosen]
        return inputs, targets
    seq_len = SETTINGS["seq_len"]
    return windows(data, torch.randint(0, len(data) - seq_len, (size,), generator=generator), seq_len)


def consecutive_batch(data, index):
    """Batch `index` of consecutive stretches (one lane per batch row), for a hidden state carried across."""
    size, seq_len = SETTINGS["batch_size"], SETTINGS["seq_len"]
    lane = max(len(data) // size, seq_len + 1)
    per_lane = max((lane - 1) // seq_len, 1)
    starts = (torch.arange(size) * lane + (index % per_lane) * seq_len) % (len(data) - seq_len)
    return windows(data, starts, seq_len)


def loss_of(model, outputs, targets):
    """The mean loss over the targets that count (memory tasks score only some steps)."""
    # The app's loss (rnnviz.nn.trace.item_losses) written again on purpose: this script runs without rnnviz.
    if model.vocab_size is None:
        counts = ~torch.isnan(targets).any(dim=-1)
        filled = torch.where(counts[..., None], targets, outputs.detach())
        per_item = ((outputs - filled) ** 2).mean(dim=-1)
    else:
        counts = targets != IGNORE_INDEX
        per_item = F.cross_entropy(outputs.transpose(1, 2), targets, reduction="none", ignore_index=IGNORE_INDEX)
    return (per_item * counts).sum() / counts.sum().clamp(min=1)


def train(model, steps: int, every: int = 10) -> list[float]:
    """`steps` optimisation steps as the app takes them; prints the loss now and then and returns every loss."""
    s = SETTINGS
    data = (_values(DATA["inputs"]), _values(DATA["targets"])) if "inputs" in DATA else stream()
    generator = torch.Generator().manual_seed(s["seed"])
    optimizer = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[s["optimizer"]](model.parameters(), lr=s["lr"])
    carry = s["carry_state"] and not isinstance(data, tuple)
    state, losses = None, []
    model.train()
    for _ in range(steps):
        inputs, targets = consecutive_batch(data, s["step"]) if carry else random_batch(data, generator)
        outputs, end = model(inputs, state if carry else None)
        loss = loss_of(model, outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        if s["clip"]:
            torch.nn.utils.clip_grad_norm_(list(model.parameters()), s["clip"])
        optimizer.step()
        if carry:
            state = tuple(x.detach() for x in end) if isinstance(end, tuple) else end.detach()
        s["step"] += 1
        losses.append(loss.item())
        if s["step"] % every == 0 or len(losses) == steps:
            print(f"step {s['step']}: loss {loss.item():.4f}")
    return losses


# -- prediction: warm up on the prefix, then feed each output back in --------------------------------------
def parse_prefix(text: str) -> list:
    if DATA["kind"] == "values":
        return [float(p) for p in re.split(r"[\s,;]+", text.strip()) if p]
    pieces = list(text)
    if DATA["separator"] and re.search(r"[\s,;]", text):  # numbered symbols such as 0..19 may be typed 2 3 4
        pieces = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    elif DATA["separator"]:
        pieces = [str(int(p)) for p in pieces]
    index = {symbol: i for i, symbol in enumerate(DATA["symbols"])}
    return [index[p] for p in pieces]


@torch.no_grad()
def predict(model, prefix: str, n: int, temperature: float = 0.0) -> tuple[list, str]:
    model.eval()
    items = parse_prefix(prefix)
    if DATA["kind"] == "values":
        scaled = (torch.tensor(items) - DATA["center"]) / DATA["scale"]
        out, state = model(scaled.reshape(1, -1, 1))
        generated = []
        for _ in range(n):
            last = out[0, -1, 0]
            generated.append(float(last) * DATA["scale"] + DATA["center"])
            out, state = model(last.reshape(1, 1, 1), state)
        return generated, ", ".join(f"{v:.2f}" for v in generated)
    out, state = model(torch.tensor([items]))
    generated = []
    for _ in range(n):
        logits = out[0, -1]
        if temperature > 1e-3:
            token = int(torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1))
        else:
            token = int(logits.argmax())
        generated.append(token)
        out, state = model(torch.tensor([[token]]), state)
    return generated, DATA["separator"].join(DATA["symbols"][t] for t in generated)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A model exported from rnnviz, in plain PyTorch.")
    parser.add_argument("--weights", default=str(Path(__file__).with_name(SETTINGS["weights"])))
    parser.add_argument("--train", type=int, default=0, help="steps to train before predicting")
    parser.add_argument("--predict", action="store_true", help="continue the prefix (the default without --train)")
    parser.add_argument("--prefix", default=SETTINGS["prefix"])
    parser.add_argument("--n", type=int, default=SETTINGS["predict_len"])
    parser.add_argument("--temperature", type=float, default=SETTINGS["temperature"])
    parser.add_argument("--save", help="write the weights to this .safetensors file afterwards")
    parser.add_argument("--json", action="store_true", help="print the losses and the continuation as JSON")
    args = parser.parse_args(argv)
    torch.manual_seed(SETTINGS["seed"])
    model = Model()
    weights = load_file(args.weights)
    model.load_state_dict({name: weights[name] for name in model.state_dict()})
    losses = train(model, args.train) if args.train else []
    result = {"step": SETTINGS["step"], "losses": losses}
    if args.predict or not args.train:
        result["generated"], result["continuation"] = predict(model, args.prefix, args.n, args.temperature)
        if not args.json:
            print(f"{args.prefix} → {result['continuation']}")
    if args.save:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, args.save)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
