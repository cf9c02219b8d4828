"""Is the instrumented Trainer as fast as a bare PyTorch loop on the same config?

Both loops train a fresh copy of the same model on the same batches; rounds
alternate between them so a noisy machine slows both alike, and the median
steps per second of each is compared.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch.nn.utils import clip_grad_norm_

from rnnviz.experiment import Experiment
from rnnviz.nn.trace import mean_loss


def bare_loop(experiment: Experiment, steps: int) -> float:
    """The loop a tutorial would write: batch, forward, loss, backward, (clip), step. Returns seconds."""
    model, ds, config = experiment.model, experiment.dataset, experiment.config
    optimizer = experiment.trainer.optimizer
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    started = time.perf_counter()
    state = None
    for index in range(steps):
        if config.carry_state:
            inputs, targets = ds.next_batch(config.batch_size, config.seq_len, index)
        else:
            inputs, targets = ds.batch(config.batch_size, config.seq_len, generator)
        outputs, end_state = model(inputs.to(model.device), state)
        loss = mean_loss(model, outputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip:
            clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        loss.item()
        if config.carry_state:
            state = end_state.detach() if not isinstance(end_state, tuple) else tuple(s.detach() for s in end_state)
    return time.perf_counter() - started


def trainer_loop(experiment: Experiment, steps: int) -> float:
    started = time.perf_counter()
    experiment.train(steps)
    return time.perf_counter() - started


def bench_command(args, config) -> dict:
    steps = config.steps
    rates = {"bare": [], "trainer": []}
    for _ in range(max(1, args.rounds)):
        for name, loop in (("bare", bare_loop), ("trainer", trainer_loop)):
            experiment = Experiment(config)
            loop(experiment, min(5, steps))  # warm-up: first calls allocate
            experiment = Experiment(config)
            rates[name].append(steps / loop(experiment, steps))
    bare, trainer = statistics.median(rates["bare"]), statistics.median(rates["trainer"])
    ratio = trainer / bare
    summary = (
        f"{config.dataset}, {config.cell}, {config.hidden_size} hidden × {config.num_layers}, "
        f"batch {config.batch_size} × {config.seq_len} steps, {steps} steps × {len(rates['bare'])} rounds, "
        f"{torch.get_num_threads()} threads\n"
        f"bare PyTorch loop: {bare:8.1f} steps/s  (rounds: {', '.join(f'{r:.1f}' for r in rates['bare'])})\n"
        f"rnnviz Trainer:    {trainer:8.1f} steps/s  (rounds: {', '.join(f'{r:.1f}' for r in rates['trainer'])})\n"
        f"ratio Trainer / bare: {ratio:.3f}  (target ≥ 0.9)"
    )
    return {"dataset": config.dataset, "cell": config.cell, "hidden_size": config.hidden_size,
            "num_layers": config.num_layers, "steps": steps, "rounds": len(rates["bare"]),
            "bare_steps_per_second": round(bare, 2), "trainer_steps_per_second": round(trainer, 2),
            "ratio": round(ratio, 4), "threads": torch.get_num_threads(), "summary": summary}
