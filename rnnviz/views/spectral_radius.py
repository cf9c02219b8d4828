"""The spectral radius of W_hh over training, on the Gradients page."""

from __future__ import annotations

import weakref

import pandas as pd

from rnnviz.insight import spectral

_spectral_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def spectral_history(experiment) -> pd.DataFrame:
    """spectral.spectral_over_training, plus the model as it is now; measured once per snapshot.

    A snapshot's weights never change, and the eigenvalues of a large W_hh at many snapshots are slow,
    so each snapshot is measured once.
    """
    trainer = experiment.trainer
    cache = _spectral_cache.setdefault(experiment, {})
    frames = []
    for step in trainer.snapshot_steps():
        if step not in cache:
            table = spectral.spectral_table(trainer.snapshots[step], cell=trainer.model.cell)
            table.insert(0, "step", step)
            cache[step] = table
        frames.append(cache[step])
    if experiment.step not in trainer.snapshots:
        now = spectral.spectral_table(experiment.model)
        now.insert(0, "step", experiment.step)
        frames.append(now)
    return pd.concat(frames, ignore_index=True)
