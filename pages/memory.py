"""Memory tasks: the answer lies `lag` steps back. Why a plain RNN forgets and an LSTM or GRU does not."""

import streamlit as st

from rnnviz.charts import memory
from rnnviz.choices import TRACE_BATCH, cell_label
from rnnviz.config import defaults_for
from rnnviz.datasets import load_dataset
from rnnviz.datasets.memory_tasks import MEMORY_TASKS
from rnnviz.insight import memory_sweep
from rnnviz.views import memory_score
from ui import drawing, state, sweep_job, workers
from ui.messages import show

TITLES = {"recall": "M1 · Recall the first letter", "brackets": "M2 · Balanced brackets",
          "adding": "M3 · The adding problem"}
CELL_NAMES = {cell: cell_label(cell) for cell in memory_sweep.CELLS}
SWEEPS, PROFILES = "memory_sweeps", "memory_profiles"  # results kept per settings for this session
LOADED = "memory_loaded"  # the memory task the sidebar's model was on at the last visit
KEEP = 20
MAX_PROFILE_LAG = 160

st.title("Memory tasks")
st.caption("Each task hides the answer's clue many steps back. Train the three cells at growing lags and watch "
           "the plain RNN fall to chance while the gated cells keep learning; the gradient plot shows why.")
drawing.live(lambda experiment: None)  # trains the sidebar's model, with the status line
experiment = state.experiment()
tasks = list(MEMORY_TASKS)
loaded = experiment.config.dataset if experiment.config.dataset in MEMORY_TASKS else None
if loaded and loaded != st.session_state.get(LOADED):  # a memory task was just loaded: show that one
    st.session_state["memory_task"] = loaded
st.session_state[LOADED] = loaded
task = st.selectbox("Task", tasks, key="memory_task", format_func=TITLES.get, persist_state="session")
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
lags = first.multiselect("Lags", memory_score.LAG_CHOICES, default=memory_score.SWEEP_LAGS[task], key=lags_key,
                         persist_state="session")
cells = second.multiselect("Cells", list(memory_sweep.CELLS), default=list(memory_sweep.CELLS), key="memory_cells",
                           format_func=CELL_NAMES.get, persist_state="session")
steps = third.number_input("Steps each", min_value=10, max_value=2000, step=50, value=preset.steps, key=steps_key,
                           persist_state="session")
budget = fourth.number_input("Time budget (s)", min_value=5, max_value=int(memory_score.SWEEP_BUDGET), step=5,
                             value=int(memory_score.SWEEP_BUDGET), key="memory_budget", persist_state="session")
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
lag = first.slider("Lag", 2, MAX_PROFILE_LAG, value=min(max(start_lag, 2), MAX_PROFILE_LAG), key=lag_key,
                   persist_state="session")
trained = second.select_slider("After training steps (each cell, same seed)", [0, 25, 50, 100], value=0,
                               key="memory_profile_steps", persist_state="session")
key = (task, int(lag), int(trained))
profiles = st.session_state.get(PROFILES, {}).get(key)
if profiles is None:  # trained and traced in short turns beside everyone else's models
    profiles = sweep_job.profiles(key, lambda: memory_sweep.GradientProfiles(task, int(lag), steps=int(trained)),
                                  CELL_NAMES, lambda table: remember(PROFILES, key, table))
current = None
if loaded == task and experiment.config.lag == lag:
    with workers.model_lock(experiment):
        current = memory_sweep.gradient_profile(experiment, TRACE_BATCH)
drawing.chart(memory.gradient_profile_figure(profiles, current=current,
                                             current_label=f"your model, step {experiment.step}"),
              "memory_profile_chart",
              "‖∂L_T/∂h_t‖ for a fresh batch: read from the answer (right) back to the clue (left). The tanh RNN's "
              "line falls by orders of magnitude, so its clue gets almost no learning signal; the LSTM's stays "
              "level.")
