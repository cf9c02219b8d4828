"""Trainer: bounded chunks of optimisation steps, a history of every step, and a seam for views.

`train_steps(n)` runs at most n steps and returns one row per step (the app's worker and the CLI alike).
Every `trace_every` steps the trainer replays part of the batch with
`rnnviz.nn.trace` and logs ∂L/∂h_t per time step, so a view can show vanishing or
exploding gradients appear over training. Snapshots of the weights let a view
replay the model as it was at an earlier step. A loss or gradient that stops
being finite, or a loss that blows up far above where training started, ends
training with a message, and the step that produced it is not applied. Before
that, a gradient norm that grows fast raises `warning`, which the views show.
"""

from __future__ import annotations

import math
import time

import pandas as pd
import torch
from torch.nn.utils import clip_grad_norm_, get_total_norm

from rnnviz.choices import MAX_SNAPSHOT_BYTES, MAX_SNAPSHOTS, TRACE_BATCH
from rnnviz.config import check_setting
from rnnviz.errors import InputError, shown
from rnnviz.nn import alarms
from rnnviz.nn.model import detach_state
from rnnviz.nn.trace import mean_loss, trace

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}  # one for each of config's OPTIMIZERS
HISTORY_COLUMNS = ["step", "loss", "grad_norm", "grad_norm_clipped", "lr", "seconds", "val_loss"]
# A loss this many times the first step's has blown up: no sane run gets 100x worse than the untrained model.
BLOW_UP_FACTOR = 100.0
# The gradient norm growing this much within GROWTH_WINDOW steps, to above GROWTH_FLOOR, is the explosion
# starting (a norm rising from 0.02 to 0.7 is a model leaving a flat start, not an explosion).
GROWTH_FACTOR, GROWTH_WINDOW, GROWTH_FLOOR = 10.0, 5, 1.0
GROWTH_LOOKBACK = 20  # logged steps the alarm looks back over to say what grew before training stopped


def clip_scale(norm: float, clip: float | None) -> float:
    """What clipping at `clip` multiplies a gradient of norm `norm` by: min(1, θ / (‖g‖ + 1e-6)), as
    torch.nn.utils.clip_grad_norm_ does (1 when clipping is off)."""
    return min(1.0, clip / (norm + 1e-6)) if clip else 1.0


def _snapshot_milestone(step: int) -> bool:
    """Steps 0, 1, 2, 5, 10, 20, 50, 100, ...: dense early, where learning is fastest."""
    if step == 0:
        return True
    magnitude = 10 ** int(math.log10(step))
    return step in (magnitude, 2 * magnitude, 5 * magnitude)


class Trainer:
    def __init__(self, model, ds, lr: float = 0.01, optimizer: str = "adam", batch_size: int = 50,
                 seq_len: int = 20, clip: float | None = None, seed: int = 0, carry_state: bool = False,
                 trace_every: int = 25, trace_batch: int = TRACE_BATCH, validate_every: int = 50,
                 snapshot_every: int = 100):
        if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
            raise InputError(f"Unknown optimizer {shown(optimizer)}: choose adam or sgd.")
        # The Config's bounds, for a trainer built from Python too.
        batch_size, seq_len, seed = (check_setting(name, value) for name, value in
                                     (("batch_size", batch_size), ("seq_len", seq_len), ("seed", seed)))
        if clip:
            clip = check_setting("clip", clip)
        try:
            lr = float(lr)
        except (TypeError, ValueError, OverflowError):
            lr = math.nan
        if not (math.isfinite(lr) and lr > 0):
            raise InputError(f"The learning rate must be a number above 0; got {shown(lr)}.")
        ds.check_seq_len(seq_len)
        self.model, self.ds = model, ds
        self.optimizer_name = optimizer
        self._lr = float(lr)
        self._optimizer = None  # built on the first step: see `optimizer`
        self.batch_size, self.seq_len = batch_size, seq_len
        self.clip = clip or None
        self.seed = seed
        self.carry_state = carry_state
        self.trace_every, self.trace_batch = trace_every, trace_batch
        self.validate_every, self.snapshot_every = validate_every, snapshot_every
        self.generator = torch.Generator().manual_seed(seed)
        self.step = 0
        self.seconds = 0.0
        self.state = None  # the carried hidden state, when carry_state is on
        self.rows: list[dict] = []
        self.gradient_log: list[dict] = []  # {"step", "grad_norms" [L, T], "grad_norms_last" [L, T]}
        self.snapshots: dict[int, dict] = {}
        self.diverged: str | None = None
        self.warning: str | None = None  # the gradient norm is growing fast (see _watch_growth)
        self.warning_step: int | None = None
        self.last_batch = None
        self.callbacks = []  # called as callback(trainer, row) after every step
        self._history_cache = None
        self.take_snapshot()

    # -- settings that may change between steps without a reset ---------------------------
    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """Built on first use: constructing torch's optimizers imports torch._dynamo, which a page that only
        shows the untrained model should not wait for."""
        if self._optimizer is None:
            self._optimizer = OPTIMIZERS[self.optimizer_name](self.model.parameters(), lr=self._lr)
        return self._optimizer

    def prepare(self) -> torch.optim.Optimizer:
        """Build what the first step needs now, rather than inside it."""
        return self.optimizer

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = float(value)
        if self._optimizer is not None:
            for group in self._optimizer.param_groups:
                group["lr"] = self._lr

    # -- training ----------------------------------------------------------------------------
    def _next_batch(self):
        if self.carry_state:
            return self.ds.next_batch(self.batch_size, self.seq_len, self.step)
        return self.ds.batch(self.batch_size, self.seq_len, self.generator)

    def _loss(self, outputs, targets):
        return mean_loss(self.model, outputs, targets)

    def _stop(self, what: str, loss_value: float | None = None) -> None:
        grew, advice = alarms.growth(self.rows[-GROWTH_LOOKBACK:], loss_value), alarms.advice(self.lr, self.clip)
        self.diverged = f"Training stopped at step {self.step + 1}: the {what}. {grew}{advice}"

    def _blew_up(self, loss_value: float) -> bool:
        first = self.rows[0]["loss"] if self.rows else None
        return first is not None and first > 0 and loss_value > BLOW_UP_FACTOR * first

    def _watch_growth(self) -> None:
        """Warn while the gradient norm has grown GROWTH_FACTOR-fold within the last GROWTH_WINDOW steps;
        the warning stays up until the norm falls back near where the growth started. With clipping on,
        every update is already capped at θ, so there is nothing to warn of."""
        norms = [row["grad_norm"] for row in self.rows[-(GROWTH_WINDOW + 1):]]
        if len(norms) < 2 or self.clip:
            self.warning = self.warning_step = None
            return
        low, now = min(norms[:-1]), norms[-1]
        if low > 0 and now >= GROWTH_FACTOR * low and now >= GROWTH_FLOOR:
            if self.warning is None:
                self.warning_step = self.step
            self.warning = (f"The gradient norm grew from {low:.3g} to {now:.3g} in the last {len(norms) - 1} steps "
                            f"(step {self.step}): the updates are growing fast and training may blow up. "
                            + alarms.advice(self.lr, self.clip).replace(", and start a new model", ""))
        elif self.warning is not None and now < 2 * min(norms):
            self.warning = self.warning_step = None

    def train_steps(self, n: int, max_seconds: float | None = None) -> list[dict]:
        """Run up to n steps (fewer if `max_seconds` runs out or training diverges); return their rows."""
        rows = []
        if self.diverged:
            return rows
        deadline = None if max_seconds is None else time.perf_counter() + max_seconds
        optimizer = self.prepare()  # before the clock starts: the first build imports torch._dynamo
        device = self.model.device
        params = [p for p in self.model.parameters()]
        self.model.train()
        for _ in range(int(n)):
            started = time.perf_counter()
            inputs, targets = self._next_batch()
            inputs, targets = inputs.to(device), targets.to(device)
            start_state = self.state if self.carry_state else None
            outputs, end_state = self.model(inputs, start_state)
            loss = self._loss(outputs, targets)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                self._stop("loss became NaN or infinite")
                break
            if self._blew_up(loss_value):
                self._stop(f"loss blew up to {loss_value:.3g}, more than {BLOW_UP_FACTOR:g} times the "
                           f"{self.rows[0]['loss']:.3g} it started at", loss_value)
                break
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.clip:
                grad_norm = float(clip_grad_norm_(params, self.clip))
                clipped = grad_norm * clip_scale(grad_norm, self.clip)
            else:
                grad_norm = float(get_total_norm([p.grad for p in params if p.grad is not None]))
                clipped = grad_norm
            if not math.isfinite(grad_norm):
                self._stop("gradient became NaN or infinite")
                break
            optimizer.step()
            if self.carry_state:
                self.state = detach_state(end_state)
            self.step += 1
            self.last_batch = (inputs, targets, start_state)
            row = {"step": self.step, "loss": loss_value, "grad_norm": grad_norm,
                   "grad_norm_clipped": clipped, "lr": self.lr, "seconds": 0.0, "val_loss": math.nan}
            self._instrument(row)
            self.seconds += time.perf_counter() - started
            row["seconds"] = self.seconds
            self.rows.append(row)
            rows.append(row)
            self._watch_growth()
            for callback in self.callbacks:
                callback(self, row)
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return rows

    def _instrument(self, row: dict) -> None:
        """The views' measurements, at a cadence that keeps training near bare speed."""
        if self.trace_every and (self.step % self.trace_every == 0 or self.step == 1):
            self.log_gradients()
            scale = row["grad_norm_clipped"] / row["grad_norm"] if row["grad_norm"] > 0 else 1.0
            self.gradient_log[-1]["weights"] = self._weight_grad_norms(scale)
        if self.validate_every and self.step % self.validate_every == 0:
            row["val_loss"] = self.validation_loss()
        if _snapshot_milestone(self.step) or (self.snapshot_every and self.step % self.snapshot_every == 0):
            self.take_snapshot()

    def log_gradients(self):
        """Trace part of the latest batch and log its per-time-step gradient norms."""
        entry = self.step_gradients()
        if entry is not None:
            self.gradient_log.append(entry)
        return entry

    def step_gradients(self) -> dict | None:
        """The per-time-step gradient norms of part of the latest batch, as logged, without logging them."""
        if self.last_batch is None:
            return None
        inputs, targets, start_state = self.last_batch
        count = min(self.trace_batch, inputs.shape[0])
        state = None
        if start_state is not None:
            state = (tuple(s[:, :count] for s in start_state) if isinstance(start_state, tuple)
                     else start_state[:, :count])
        result = trace(self.model, inputs[:count], targets[:count], state=state)
        return {"step": self.step, "grad_norms": result.grad_norms.numpy(),
                "grad_norms_last": result.grad_norms_last.numpy()}

    @torch.no_grad()
    def _weight_grad_norms(self, scale: float) -> list[dict]:
        """‖∂L/∂W‖ of each weight in this step, before and after clipping (the grads are already clipped)."""
        named = [(name, p) for name, p in self.model.named_parameters() if p.grad is not None]
        after = torch.stack([p.grad.norm() for _, p in named]).tolist() if named else []
        return [{"name": name, "before": norm / scale if scale > 0 else norm, "after": norm}
                for (name, _), norm in zip(named, after)]

    @torch.no_grad()
    def validation_loss(self) -> float:
        held_out = self.ds.validation_batch(self.batch_size, self.seq_len)
        if held_out is None:
            return math.nan
        was_training = self.model.training
        self.model.eval()
        inputs, targets = held_out
        outputs, _ = self.model(inputs.to(self.model.device))
        self.model.train(was_training)
        return float(self._loss(outputs, targets.to(self.model.device)))

    # -- snapshots ---------------------------------------------------------------------------
    def take_snapshot(self) -> None:
        """Keep a copy of the weights as they are now, under the current step (thinning old ones past the cap)."""
        self.snapshots[self.step] = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
        if len(self.snapshots) > self.max_snapshots:
            # Thin the periodic ones first; keep step 0 and the latest.
            steps = sorted(self.snapshots)
            periodic = [s for s in steps[1:-1] if not _snapshot_milestone(s)] or steps[1:-1]
            del self.snapshots[periodic[len(periodic) // 2]]

    @property
    def max_snapshots(self) -> int:
        model_bytes = sum(v.numel() * v.element_size() for v in self.model.state_dict().values())
        return max(3, min(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES // max(model_bytes, 1)))

    def snapshot_steps(self) -> list[int]:
        return sorted(self.snapshots)

    def model_at(self, step: int):
        """A copy of the model with the weights it had at the snapshot nearest to `step`."""
        import copy

        nearest = min(self.snapshots, key=lambda s: (abs(s - step), -s))
        earlier = copy.deepcopy(self.model)
        earlier.load_state_dict(self.snapshots[nearest])
        earlier.eval()
        return earlier

    # -- results -----------------------------------------------------------------------------
    @property
    def history(self) -> pd.DataFrame:
        """Every row so far: step, loss, grad_norm (before clipping), grad_norm_clipped, lr, seconds, val_loss."""
        if self._history_cache is None or len(self._history_cache) != len(self.rows):
            self._history_cache = pd.DataFrame(self.rows, columns=HISTORY_COLUMNS)
        return self._history_cache
