"""Memory tasks: the answer lies `lag` steps back. Why a plain RNN forgets and an LSTM or GRU does not."""

import streamlit as st

from rnnviz.charts import memory
from rnnviz.config import defaults_for
from rnnviz.datasets import load_dataset
from rnnviz.datasets.memory_tasks import MEMORY_TASKS
from rnnviz.insight import memory_sweep
from rnnviz.serving.budget import TRACE_BATCH
from rnnviz.views import memory_score
from ui import drawing, state, sweep_job, training
from ui.messages import show

TITLES = {"recall": "M1 · Recall the first letter", "brackets": "M2 · Balanced brackets",
          "adding": "M3 · The adding problem"}
CELL_NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
SWEEPS, PROFILES = "memory_sweeps", "memory_profiles"  # results kept per settings for this session
KEPT = "memory_kept"  # the controls' values, kept while another page is open
KEEP = 20
MAX_PROFILE_LAG = 160


def kept(key: str, fallback):
    """A control's value from the last visit: Streamlit forgets the state of widgets a page did not draw."""
    return st.session_state.setdefault(KEPT, {}).get(key, fallback)


def keep(**values) -> None:
    st.session_state.setdefault(KEPT, {}).update(values)


st.title("Memory tasks")
st.caption("Each task hides the answer's clue many steps back. Train the three cells at growing lags and watch "
           "the plain RNN fall to chance while the gated cells keep learning; the gradient plot shows why.")
drawing.live(lambda experiment: None)  # trains the sidebar's model, with the status line
experiment = state.experiment()
tasks = list(MEMORY_TASKS)
loaded = experiment.config.dataset if experiment.config.dataset in MEMORY_TASKS else None
initial = kept("memory_task", loaded or "recall")
if loaded and loaded != kept("memory_loaded", None):  # a memory task was just loaded: show that one
    initial = loaded
    st.session_state.pop("memory_task", None)
task = st.selectbox("Task", tasks, index=tasks.index(initial), key="memory_task", format_func=TITLES.get)
keep(memory_task=task, memory_loaded=loaded)
preset = defaults_for(task)
st.caption(load_dataset(task, lag=preset.lag).description + " Press M1–M3 in the sidebar to train one yourself.")


def remember(store: str, key, value):
    """Keep a result for these settings (the newest KEEP of them) in the session."""
    results = st.session_state.setdefault(store, {})
    results[key] = value
    while len(results) > KEEP:
        results.pop(next(iter(results)))
    return value


# -- the loaded model ---------------------------------------------------------------------------------------
def loaded_views(experiment):
    scores = memory_score.memory_score(experiment)
    if scores is None:
        st.info("The sidebar's model is not on a memory task. Press M1, M2 or M3 in the sidebar: its accuracy "
                "and gradients then show here as it trains.")
        return
    config = experiment.config
    which = "the last answer (the outer bracket)" if scores["which"] == "accuracy_last" else "every answer"
    first, second, third = st.columns(3)
    first.metric(f"Your {config.cell.upper()} at lag {config.lag}: accuracy on {which}", f"{scores['headline']:.0%}",
                 help="On fresh items it never trained on.")
    second.metric("Chance", f"{scores['chance']:.0%}")
    third.metric("Training step", f"{experiment.step}")
    profile = memory_sweep.gradient_profile(experiment, TRACE_BATCH)
    label = f"your {config.cell.upper()}, step {experiment.step}"
    drawing.chart(memory.gradient_profile_figure(None, current=profile, current_label=label,
                                                 title=f"Your model's gradient reach · {label}"),
                  "memory_model_chart",
                  "Your model's ‖∂L_T/∂h_t‖: the dotted line's drop from right to left is how much of the answer's "
                  "error reaches the clue.")


st.subheader("Your model")
drawing.live(loaded_views, trains=False)

# -- accuracy against lag -------------------------------------------------------------------------------------
st.subheader("Accuracy against lag: RNN, LSTM and GRU")
first, second, third, fourth = st.columns([3, 3, 1, 1])
lags_key, steps_key = f"memory_lags_{task}", f"memory_steps_{task}"
lags = first.multiselect("Lags", memory_score.LAG_CHOICES, key=lags_key,
                         default=state.default(lags_key, kept(lags_key, memory_score.SWEEP_LAGS[task])))
cells = second.multiselect("Cells", list(memory_sweep.CELLS), key="memory_cells", format_func=CELL_NAMES.get,
                           default=state.default("memory_cells", kept("memory_cells", list(memory_sweep.CELLS))))
steps = third.number_input("Steps each", min_value=10, max_value=2000, step=50, key=steps_key,
                           value=state.default(steps_key, kept(steps_key, preset.steps), blank="min"))
budget = fourth.number_input("Time budget (s)", min_value=5, max_value=int(memory_score.SWEEP_BUDGET), step=5,
                             key="memory_budget",
                             value=state.default("memory_budget", kept("memory_budget",
                                                                       int(memory_score.SWEEP_BUDGET)), blank="min"))
keep(**{lags_key: lags, "memory_cells": cells, steps_key: steps, "memory_budget": budget})
settings = (task, tuple(sorted(lags)), tuple(cells), int(steps), int(budget))
if st.button("Run the sweep", key="memory_run", type="primary", disabled=not lags or not cells,
             help="Trains every cell at every lag from the task's preset, within the time budget. It trains in short "
                  "turns beside everyone else's models: Pause or Stop it at any time."):
    refused = sweep_job.start(settings, task, lags, cells, steps=int(steps), budget=float(budget))
    if refused:
        show("warning", refused)
sweep_job.live(settings, CELL_NAMES, lambda table: remember(SWEEPS, settings, table))
table = st.session_state.get(SWEEPS, {}).get(settings)
drawing.chart(memory.lag_accuracy_figure(table, memory_score.chance_level(task), TITLES[task]), "memory_lag_chart",
              "Every run starts from the same seed and reads the same data. Look for the lag at which the tanh RNN "
              "drops to the dashed chance line while the LSTM and GRU stay up.")
if table is not None:
    short = table[table["steps"] < int(steps)]
    stopped = short[short["headline"] < 0.99]
    if not stopped.empty:
        st.caption(f"{len(stopped)} run(s) hit the time budget before {int(steps)} steps: hover a point for the "
                   "steps it trained.")

# -- gradient profiles ---------------------------------------------------------------------------------------
st.subheader("How far back the gradient reaches")
first, second = st.columns([3, 2])
start_lag = experiment.config.lag if loaded == task else preset.lag
lag_key = f"memory_lag_{task}"
lag = first.slider("Lag", 2, MAX_PROFILE_LAG, key=lag_key,
                   value=state.default(lag_key, kept(lag_key, min(max(start_lag, 2), MAX_PROFILE_LAG))))
trained = second.select_slider("After training steps (each cell, same seed)", [0, 25, 50, 100],
                               key="memory_profile_steps",
                               value=state.default("memory_profile_steps", kept("memory_profile_steps", 0)))
keep(**{lag_key: lag, "memory_profile_steps": trained})
key = (task, int(lag), int(trained))
profiles = st.session_state.get(PROFILES, {}).get(key)
if profiles is None:
    with st.spinner("Tracing the three cells…"):
        profiles = remember(PROFILES, key, memory_sweep.gradient_profiles(task, int(lag), steps=int(trained)))
current = None
if loaded == task and experiment.config.lag == lag:
    with training.model_lock(experiment):
        current = memory_sweep.gradient_profile(experiment, TRACE_BATCH)
drawing.chart(memory.gradient_profile_figure(profiles, current=current,
                                             current_label=f"your model, step {experiment.step}"),
              "memory_profile_chart",
              "‖∂L_T/∂h_t‖ for a fresh batch: read from the answer (right) back to the clue (left). The tanh RNN's "
              "line falls by orders of magnitude, so its clue gets almost no learning signal; the LSTM's stays "
              "level.")
