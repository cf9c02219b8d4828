"""Config: every setting of a lesson in one dataclass, with the bounds that keep a shared server safe.

Widgets, share links, uploaded checkpoints and the command line all pass their
values through `Config.checked`, which clamps numbers into range and drops
what cannot be understood, returning a notice for each change so the app can
say what happened instead of failing. `to_query`/`from_query` round-trip a
lesson through a URL, like TensorFlow Playground's state in the address bar.

Each field carries its group (data, model, training, run, view), its command-line flag and its sidebar
widget as metadata; every "which settings ..." list in the library and the app is derived from them.
Nothing here imports PyTorch: the app draws its lessons and settings before torch has loaded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from rnnviz.choices import MAX_PREFIX, MAX_SERIES_TEXT, MAX_TEXT
from rnnviz.config.checks import (
    CAUTIONS,
    CHOICES,
    LABELS,
    LIMITS,
    SERIES_PATTERN,
    Caution,
    as_text,
    caution,
    check_setting,
    check_value,
    label,
    to_text,
)
from rnnviz.config.defaults import DATASET_DEFAULTS, DATASET_NAMES
from rnnviz.errors import InputError, shown

__all__ = [
    "CAUTIONS", "CHOICES", "DATASET_DEFAULTS", "DATASET_NAMES", "FIELD_NAMES", "FLAGS", "GROUPS", "LABELS", "LIMITS",
    "MAX_PREFIX", "MAX_SERIES_TEXT", "MAX_TEXT", "MAX_URL_TEXT", "NEW_MODEL", "SERIES_PATTERN", "WIDGETS", "Caution",
    "Config", "caution", "check_setting", "defaults_for", "in_groups", "label",
]

MAX_URL_TEXT = 2000  # own text longer than this is not put in a link

# What each setting is about. "run": where and how long a press trains (the same model either way);
# "view": what the prediction shows. Changing a "data" or "model" setting means a new model.
GROUPS = ("data", "model", "training", "run", "view")


def _setting(default, group: str, *, new_model: bool | None = None, flag: str | bool = False,
             widget: str | bool = False):
    """A Config field and what it is: its group; whether changing it needs a new model (by default, data and
    model settings do); its command-line flag and its sidebar widget's key (True: the field's own name)."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    new_model = group in ("data", "model") if new_model is None else new_model
    return field(default=default, metadata={"group": group, "new_model": new_model, "flag": flag, "widget": widget})


@dataclass(frozen=True)
class Config:
    dataset: str = _setting("counting", "data", widget=True)
    text: str = _setting("", "data", widget=True)
    series: str = _setting("", "data")  # the csv dataset's numbers, comma-separated (an uploaded column)
    cell: str = _setting("rnn", "model", flag=True)  # the sidebar's one cell widget sets cell and nonlinearity
    nonlinearity: str = _setting("tanh", "model", flag=True)
    hidden_size: int = _setting(256, "model", flag="hidden", widget=True)
    num_layers: int = _setting(1, "model", flag="layers", widget=True)
    embedding_dim: int = _setting(0, "model", flag="embedding")
    forget_bias: float = _setting(0.0, "model", widget=True)
    lr: float = _setting(0.01, "training", flag=True, widget=True)
    optimizer: str = _setting("adam", "training", new_model=True, flag=True, widget=True)  # its moments are per kind
    batch_size: int = _setting(50, "training", flag=True, widget=True)
    seq_len: int = _setting(20, "training", flag=True, widget=True)
    clip: float = _setting(0.0, "training", flag=True, widget=True)
    seed: int = _setting(0, "data", flag=True, widget=True)  # draws the memory tasks' items, the batches, the weights
    device: str = _setting("auto", "run", new_model=True, flag=True, widget=True)  # the model lives on it
    carry_state: bool = _setting(False, "training", widget=True)
    steps: int = _setting(60, "run", flag=True, widget="step_count")
    prefix: str = _setting("234", "view", flag=True)
    predict_len: int = _setting(5, "view", flag="predict")
    temperature: float = _setting(0.0, "view", flag=True)
    lag: int = _setting(20, "data", flag=True, widget=True)

    def replace(self, **changes) -> Config:
        return replace(self, **changes)

    # -- bounds ------------------------------------------------------------------------------
    @classmethod
    def checked(cls, base: Config | None = None, /, **values) -> tuple[Config, list[str]]:
        """A Config from `base` with `values` applied, each clamped or dropped; plus notices (and a caution
        for an allowed but risky value, such as a learning rate above 1)."""
        # base is positional-only: a link's ?base= or ?cls= is then an unknown setting, not a crash.
        base = base or cls()
        config, notices = _applied(base, values, strict=False)
        return _within_budget(config, base, notices)

    @classmethod
    def exactly(cls, base: Config | None = None, /, **values) -> Config:
        """A Config from `base` with `values` applied as given, for the command line and the Python API: what
        `checked` would clamp, cut or drop is refused instead (one InputError naming each), since nothing
        should run on settings other than those asked for; so is a combination over the work budget."""
        from rnnviz.serving.budget import over_budget  # here: the budget reads its tables from rnnviz.config

        config, refusals = _applied(base or cls(), values, strict=True)
        if not refusals:
            refusals = [refusal] if (refusal := over_budget(config, _lesson_of(config))) else []
        if refusals:
            raise InputError(" ".join(refusals))
        return config

    # -- share links -------------------------------------------------------------------------
    def to_query(self) -> dict[str, str]:
        """The settings that differ from the dataset's defaults, as URL query parameters."""
        defaults = defaults_for(self.dataset)
        query = {"dataset": self.dataset}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in ("dataset", "device") or value == getattr(defaults, item.name):
                continue
            if item.name in ("text", "series") and len(value) > MAX_URL_TEXT:
                continue
            query[item.name] = to_text(value)
        return query

    @classmethod
    def from_query(cls, params) -> tuple[Config, list[str]]:
        """A Config from URL parameters; anything out of range is clamped or dropped with a notice."""
        params = {str(k): (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in dict(params).items()}
        notices = []
        dataset = params.pop("dataset", None)
        base = cls()
        if dataset is not None:
            try:
                name = as_text("dataset", dataset).strip().lower()  # a link may carry anything, even a nested list
            except InputError:
                name = None
            if name in DATASET_DEFAULTS:
                base = defaults_for(name)
            else:
                notices.append(f"Unknown dataset {shown(name if name is not None else dataset)} in the link; "
                               "using counting.")
        config, more = cls.checked(base, **params)
        return config, notices + more

    def to_dict(self) -> dict:
        return asdict(self)


FIELD_NAMES = {f.name for f in fields(Config)}


def in_groups(*groups: str) -> tuple[str, ...]:
    """The names of the settings in these groups, in Config's order."""
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown group {', '.join(sorted(unknown))}")
    return tuple(f.name for f in fields(Config) if f.metadata["group"] in groups)


NEW_MODEL = tuple(f.name for f in fields(Config) if f.metadata["new_model"])  # a change needs a new Experiment
FLAGS = {(f.name if f.metadata["flag"] is True else f.metadata["flag"]): f.name  # command-line flag → field
         for f in fields(Config) if f.metadata["flag"]}
WIDGETS = {(f.name if f.metadata["widget"] is True else f.metadata["widget"]): f.name  # sidebar widget key → field
           for f in fields(Config) if f.metadata["widget"]}


def _applied(base: Config, values: dict, strict: bool) -> tuple[Config, list[str]]:
    """`base` with `values` applied, and a notice for each change (`strict`: a refusal for each)."""
    ignored = "" if strict else "Ignored "
    accepted, notices = {}, []
    for name, raw in values.items():
        if name not in FIELD_NAMES:
            notices.append(f"{'Unknown' if strict else 'Ignored unknown'} setting {name[:40]!r}.")
            continue
        try:
            value, notice = check_value(name, raw, strict)
        except InputError as error:
            notices.append(f"{ignored}{error}")
            continue
        accepted[name] = value
        if notice:
            notices.append(notice)
        if not strict and (warned := caution(name, value)):  # allowed, but the learner should know
            notices.append(warned)
    config = replace(base, **accepted)
    if config.cell != "rnn" and config.nonlinearity != "tanh":
        if strict:
            notices.append(f"Only the plain RNN cell takes relu; the {config.cell} cell uses tanh in its gates.")
        else:
            config = replace(config, nonlinearity="tanh")
            notices.append("Only the plain RNN cell takes relu; switched the nonlinearity back to tanh.")
    return config, notices


# What the work budget (rnnviz.serving.budget) takes back, in this order, when a combination costs too much.
WORK_FIELDS = ("batch_size", "seq_len", "lag", "predict_len", "prefix")
SHAPE_FIELDS = ("cell", "nonlinearity", "hidden_size", "num_layers", "embedding_dim")


def _within_budget(config: Config, base: Config, notices: list[str]) -> tuple[Config, list[str]]:
    """`config` if one step, trace and prediction of it fit the server's budget; else the nearest that does:
    the work settings of `base` or of the lesson, then those halved, and only then a smaller network."""
    from rnnviz.serving.budget import over_budget

    defaults = _lesson_of(config)
    refusal = over_budget(config, defaults)
    if refusal is None:
        return config, notices
    for fallback in _fallbacks(config, base, defaults):
        if over_budget(fallback, defaults) is None:
            kept = [f"{label(name).lower()} {to_text(getattr(fallback, name))[:20]}"
                    for name in WORK_FIELDS + SHAPE_FIELDS
                    if name not in ("nonlinearity", "prefix") and getattr(fallback, name) != getattr(config, name)]
            return fallback, notices + [f"{refusal} Using {', '.join(kept) or 'the earlier prefix'} instead."]
    return defaults, notices + [f"{refusal} Started from the {config.dataset} lesson's settings instead."]


def _fallbacks(config: Config, base: Config, defaults: Config):
    for source in (base, defaults):
        yield replace(config, **{name: getattr(source, name) for name in WORK_FIELDS})
    smaller = replace(config, **{name: getattr(defaults, name) for name in WORK_FIELDS})
    while smaller.batch_size > 1 or smaller.seq_len > 1 or smaller.predict_len > 1:  # a model file keeps its network
        smaller = replace(smaller, batch_size=max(1, smaller.batch_size // 2), seq_len=max(1, smaller.seq_len // 2),
                          predict_len=max(1, smaller.predict_len // 2))
        yield smaller
    for source in (base, defaults):
        yield replace(config, **{name: getattr(source, name) for name in WORK_FIELDS + SHAPE_FIELDS})


def _lesson_of(config: Config) -> Config:
    """The dataset's lesson settings, which the budget measures a combination against."""
    return defaults_for(config.dataset) if config.dataset in DATASET_DEFAULTS else Config()


def defaults_for(dataset: str) -> Config:
    if dataset not in DATASET_DEFAULTS:
        raise InputError(f"Unknown dataset {dataset!r}: choose one of {', '.join(DATASET_NAMES)}.")
    return Config(dataset=dataset, **DATASET_DEFAULTS[dataset])
