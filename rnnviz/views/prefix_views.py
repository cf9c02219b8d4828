"""What the Train page shows of the learner's prefix, made together from one state of the model: its continuation,
the unrolled strip on it, and the continuation at each weight snapshot (the milestones). The training worker makes
these a few times a second and publishes them (rnnviz.serving.live)."""

from __future__ import annotations

from rnnviz.errors import InputError
from rnnviz.experiment import model_lock
from rnnviz.views.continuation import live_prediction
from rnnviz.views.strip import strip_of


def prefix_views(experiment) -> dict:
    """The continuation of the prefix, the strip and the milestones, computed under the model's lock."""
    prefix = experiment.config.prefix
    with model_lock(experiment):
        at_step = experiment.step
        try:
            prediction = live_prediction(experiment)
            milestones = tuple(experiment.milestones())
        except InputError as error:
            return {"prefix": prefix, "prediction": None, "refusal": str(error), "strip": None,
                    "milestones": (), "views_step": at_step}
        strip = strip_of(experiment, prediction)
    return {"prefix": prefix, "prediction": prediction, "refusal": None, "strip": strip,
            "milestones": milestones, "views_step": at_step}
