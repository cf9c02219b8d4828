"""Experiment: one Config built into a dataset, a model and its trainer, as a learner sees them.

The app keeps one Experiment per browser session; the command line builds one
per run; both train through `Experiment.train`, so they share one path.
Settings that only steer training (learning rate, clipping, batch size,
sequence length, carried state) change in place; those that define the model
need a new Experiment, and `needs_reset` names them.
"""

from __future__ import annotations

import threading
import weakref

import torch

from rnnviz.choices import LAGGED
from rnnviz.config import NEW_MODEL, Config
from rnnviz.datasets import load_dataset
from rnnviz.nn.device import pick_device
from rnnviz.nn.model import SeqModel
from rnnviz.nn.predict import predict
from rnnviz.nn.train import Trainer

# Settings that define the data or the network (Config's field metadata): changing one means a new model.
MODEL_SETTINGS = NEW_MODEL

_init_lock = threading.Lock()  # torch's global RNG is shared by every session in the process


def dataset_for(config: Config):
    options = {}
    if config.dataset == "text":
        options["text"] = config.text
    if config.dataset == "csv":
        options["values"] = config.series
    if config.dataset in LAGGED:
        options["lag"] = config.lag
    return load_dataset(config.dataset, seed=config.seed, **options)


_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def model_lock(experiment) -> threading.RLock:
    """The lock to hold while training, tracing or changing `experiment`'s model: one owner at a time.

    A background trainer holds it for one slice; a page that traces the live model (or a script run that
    Streamlit started while the last one still finishes) takes it too, so no two threads touch the weights at once.
    """
    with _locks_guard:
        return _locks.setdefault(experiment, threading.RLock())


class Experiment:
    def __init__(self, config: Config, dataset=None, model_settings: dict | None = None):
        self.config = config
        self.device = pick_device(config.device)
        self.dataset = dataset if dataset is not None else dataset_for(config)
        with _init_lock, torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            if model_settings is not None:
                self.model = SeqModel(**model_settings)
            else:
                self.model = SeqModel.for_dataset(
                    self.dataset, cell=config.cell, hidden_size=config.hidden_size,
                    num_layers=config.num_layers, nonlinearity=config.nonlinearity,
                    embedding_dim=config.embedding_dim,
                    forget_bias=config.forget_bias if config.cell == "lstm" and config.forget_bias else None)
        self.model.to(self.device)
        self.trainer = Trainer(self.model, self.dataset, lr=config.lr, optimizer=config.optimizer,
                               batch_size=config.batch_size, seq_len=self._seq_len(config),
                               clip=config.clip or None, seed=config.seed, carry_state=config.carry_state)
        self._milestones: dict = {}

    def _seq_len(self, config: Config) -> int:
        return config.seq_len

    @property
    def step(self) -> int:
        return self.trainer.step

    def needs_reset(self, config: Config) -> list[str]:
        """The model-defining settings that differ between this experiment and `config`."""
        return [name for name in MODEL_SETTINGS if getattr(config, name) != getattr(self.config, name)]

    def update(self, config: Config) -> None:
        """Apply the settings that can change between steps; the model and history stay."""
        if self.needs_reset(config):
            raise ValueError("update() only takes settings that keep the model; build a new Experiment")
        if config.seq_len != self.trainer.seq_len:
            self.dataset.check_seq_len(config.seq_len)
        self.trainer.lr = config.lr
        self.trainer.clip = config.clip or None
        if config.batch_size != self.trainer.batch_size:
            self.trainer.state = None  # a carried state has one row per lane: it cannot serve a new batch size
        self.trainer.batch_size = config.batch_size
        self.trainer.seq_len = config.seq_len
        if config.carry_state != self.trainer.carry_state:
            self.trainer.carry_state, self.trainer.state = config.carry_state, None
        self.config = config

    def train(self, steps: int, max_seconds: float | None = None) -> list[dict]:
        return self.trainer.train_steps(steps, max_seconds=max_seconds)

    def predict(self, prefix=None, n=None, temperature=None, generator=None, model=None):
        config = self.config
        return predict(model or self.model, self.dataset, config.prefix if prefix is None else prefix,
                       n=config.predict_len if n is None else n,
                       temperature=config.temperature if temperature is None else temperature,
                       generator=generator)

    def milestones(self, prefix=None, n=None) -> list[tuple[int, str]]:
        """The greedy continuation of the prefix at each weight snapshot: before training, then on."""
        prefix = self.config.prefix if prefix is None else prefix
        n = self.config.predict_len if n is None else n
        rows = []
        for step in self.trainer.snapshot_steps():
            key = (step, prefix if isinstance(prefix, str) else tuple(prefix), n)
            if key not in self._milestones:
                if len(self._milestones) > 5000:  # many prefixes typed: start the cache afresh
                    self._milestones.clear()
                earlier = self.trainer.model_at(step)
                self._milestones[key] = predict(earlier, self.dataset, prefix, n=n).continuation
            rows.append((step, self._milestones[key]))
        return rows
