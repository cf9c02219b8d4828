"""What a hosted session needs apart from Streamlit: links that carry a lesson, and models let go when a tab closes.

A share link is the Config's query parameters (`Config.to_query`) plus, for a teacher's
focused view, `classroom=1`, which hides the settings. `link_settings` reads one back,
clamping or dropping what it cannot use with a notice for each.

A closed tab's Streamlit session is kept for a while in case it reconnects, and with it
everything its last script run still refers to (fragments, callbacks, widget values), so
dropping the registry's reference may free nothing for minutes. `keep_sessions` keeps the
sessions that are still connected alive in `sessions.SESSIONS` and sweeps the rest after its
time-to-live; `let_go` then empties what each swept Experiment holds, whoever still refers to it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Hashable
from urllib.parse import quote, urlencode, urlsplit

import torch

from rnnviz.config import Config
from rnnviz.experiment import MODEL_SETTINGS, Experiment
from rnnviz.lessons import LESSONS
from rnnviz.serving.live import worker_of

CLASSROOM = "classroom"  # ?classroom=1: the focused view, settings hidden
MODEL = "model"  # ?model=<id>: a copy of a shared trained model (rnnviz.serving.store)
YES, NO = {"1", "true", "yes", "on", ""}, {"0", "false", "no", "off"}


# -- share links -------------------------------------------------------------------------------------------------
def _last(value):
    """A parameter given twice (`?a=1&a=2`) counts once, as the browser's last value."""
    if isinstance(value, (list, tuple)):
        return value[-1] if value else ""
    return value


def link_settings(params) -> tuple[Config | None, bool, list[str]]:
    """What a link's parameters ask for: a Config (None if the link names no setting), the classroom
    view on or off, and a notice for each value that was clamped or dropped."""
    params = {str(key): _last(value) for key, value in dict(params).items()}
    notices = []
    classroom = False
    if CLASSROOM in params:
        value = str(params.pop(CLASSROOM)).strip().lower()
        classroom = value in YES
        if not classroom and value not in NO:
            notices.append(f"Ignored classroom={value[:20]!r}: use classroom=1 for the focused view.")
    if not params:
        return None, classroom, notices
    config, more = Config.from_query(params)
    return config, classroom, notices + more


def share_query(config: Config, classroom: bool = False) -> dict[str, str]:
    """The link parameters that rebuild `config` (and hide the settings, with `classroom`)."""
    query = config.to_query()
    if classroom:
        query[CLASSROOM] = "1"
    return query


def share_url(base: str, query: dict[str, str]) -> str:
    """`base` (the app's address, as the browser shows it) with the query; a bare host gets its "/"."""
    if base and not urlsplit(base).path:
        base += "/"
    return base + "?" + urlencode(query, quote_via=quote)


def left_out(config: Config) -> list[str]:
    """Settings too long to travel in a link (Config.to_query leaves them out): a link would open without them."""
    query = config.to_query()
    return [name for name in ("text", "series") if getattr(config, name) and name not in query]


def same_model(config: Config, other: Config) -> bool:
    """Whether two configs build the same model on the same data (training settings may differ)."""
    return all(getattr(config, name) == getattr(other, name) for name in MODEL_SETTINGS)


def lesson_of(config: Config) -> str | None:
    """The key of the lesson whose model `config` builds (its training settings may differ), or None."""
    return next((key for key, lesson in LESSONS.items() if same_model(lesson.config, config)), None)


# -- letting closed sessions go ----------------------------------------------------------------------------------
def keep_sessions(registry, is_active: Callable[[Hashable], bool]) -> list:
    """Mark every session that is still connected as seen, then sweep those unseen for the time-to-live.
    Returns the swept session ids."""
    for session_id in registry.session_ids():
        if is_active(session_id):
            registry.touch(session_id)
    return registry.sweep()


def let_go(experiment) -> None:
    """Empty an Experiment no session will use again: its weights, optimizer moments, snapshots, history.

    Whatever still refers to the Experiment (a closed tab's last script run) then holds a shell of a few
    kilobytes. Only for swept sessions: the model cannot train or predict afterwards.
    """
    worker = worker_of(experiment)
    if worker is not None:
        worker.stop()  # its background training ends before its next slice
    trainer = experiment.trainer
    for store in (trainer.rows, trainer.gradient_log, trainer.snapshots):
        store.clear()
    trainer.history  # noqa: B018 - rebuilt from the now empty rows, so its cached frame goes too
    trainer.last_batch = trainer.state = None
    if trainer.step:  # the optimizer exists once a step was taken
        trainer.optimizer.state.clear()
    with torch.no_grad():
        for parameter in experiment.model.parameters():
            parameter.data = torch.empty(0, dtype=parameter.dtype)


def was_let_go(experiment) -> bool:
    """Whether `let_go` emptied this Experiment (a model's weights are never empty otherwise)."""
    return any(parameter.numel() == 0 for parameter in experiment.model.parameters())


def held_experiments() -> list:
    """Every Experiment in this process that still holds a model (not let go)."""
    # Found by the garbage collector rather than a registry, so the library keeps no server bookkeeping.
    return [item for item in gc.get_objects() if issubclass(type(item), Experiment) and not was_let_go(item)]


def models_in_memory() -> tuple[int, int]:
    """How many Experiments in this process still hold a model (not let go), and the bytes of their tensors:
    weights, optimizer moments and weight snapshots. After every tab closes and the keeper has run, (0, 0)."""
    count = size = 0
    for experiment in held_experiments():
        count += 1
        trainer = experiment.trainer
        tensors = [*experiment.model.parameters()]
        if trainer.step:
            tensors += [value for state in trainer.optimizer.state.values() for value in state.values()
                        if torch.is_tensor(value)]
        tensors += [value for snapshot in trainer.snapshots.values() for value in snapshot.values()]
        size += sum(tensor.numel() * tensor.element_size() for tensor in tensors)
    return count, size


def return_memory() -> None:
    """Collect cycles and hand freed heap pages back to the OS (glibc keeps them otherwise), so the server's
    memory use falls when sessions close."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):
            pass  # not glibc: its allocator returns memory on its own terms
