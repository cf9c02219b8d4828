"""The model's continuation of the learner's prefix: while training, and as samples on the Predict page."""

from __future__ import annotations

import torch

from rnnviz.nn.predict import Prediction, predict

SAMPLING_SEED = 0  # a fixed seed, so a sampled continuation only changes when the model does


def split_text(ds, prediction: Prediction) -> tuple[str, str]:
    """Prediction.text cut into the part the learner typed and the part the model wrote."""
    typed = ds.format(list(prediction.prefix))
    if prediction.text.startswith(typed):
        return typed, prediction.text[len(typed):]
    return typed, prediction.text  # a format that does not start with the prefix: show it all as written


def live_prediction(experiment, prefix: str | None = None, n: int | None = None, model=None) -> Prediction:
    """The continuation shown while training; sampled with a fixed seed so it only moves when the model does."""
    return experiment.predict(prefix, n=n, model=model, generator=torch.Generator().manual_seed(SAMPLING_SEED))


def samples(experiment, prefix: str, n: int, temperature: float, count: int, seed: int = 0,
            model=None) -> list[Prediction]:
    """`count` continuations of the prefix, each drawn with its own seed (all the same at temperature 0), by
    `model` (an earlier snapshot) or the current one."""
    return [predict(model or experiment.model, experiment.dataset, prefix, n=n, temperature=temperature,
                    generator=torch.Generator().manual_seed(seed + k)) for k in range(count)]
