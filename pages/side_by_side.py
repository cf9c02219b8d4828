"""Side by side: two or three models, one setting apart, trained together on the same data from the same seed."""

import pandas as pd
import streamlit as st

from rnnviz.charts import compare
from rnnviz.compare import DATA_SETTINGS
from rnnviz.config import label as setting_label
from rnnviz.views import continuation
from rnnviz.views.labels import visible_text
from ui import drawing, side_by_side, state
from ui.messages import show

st.title("Side by side")
st.caption("The sidebar's settings, trained two or three times with one thing changed: the same data, the same "
           "batches in the same order, the same seed. Any difference in the curves is that one setting.")
# The sidebar's own model has its own status line (and trains should its Train be pressed here), named apart
# from the side-by-side models' line below.
who, status = st.columns(side_by_side.STATUS_COLUMNS, vertical_alignment="center")
who.markdown("**The sidebar's model**")
with status:
    drawing.live(lambda experiment: None)
going = side_by_side.comparison()
side_by_side.compare_controls(going)
if going is None:
    show("error", side_by_side.build_comparison(st.session_state.get(side_by_side.COMPARE_KIND, "cells"))
         or "No models to compare.")
    st.stop()
experiment = state.experiment()
if going.needs_rebuild(experiment.config) and going.step == 0 and not going.diverged:
    # Nothing trained yet: follow the sidebar (a lesson just chosen, say) without asking.
    message = side_by_side.build_comparison(st.session_state.get(side_by_side.COMPARE_KIND, "cells"))
    going = side_by_side.comparison()
    if message:
        show("error", message)
if going.needs_rebuild(experiment.config):
    st.info("The sidebar's settings changed since these models were built: press **Rebuild** to compare with them.")
base = going.base
shared = ("dataset", "hidden_size", "num_layers", "optimizer", "lr", "batch_size", "seed")
st.caption(" · ".join(f"{setting_label(name)}: **{getattr(base, name)}**" for name in shared) + " · models: "
           + ", ".join(f"**{model}**" for model in going.labels))
same_data = all(getattr(experiment.config, name) == getattr(base, name) for name in DATA_SETTINGS)
if same_data:
    drawing.prefix_box(key="compare_prefix")
prefix = experiment.config.prefix if same_data else base.prefix


def written(prediction) -> str:
    """What a model wrote after the prefix, as the learner reads it (a series without its leading comma)."""
    if prediction is None:
        return "(this prefix cannot be read)"
    ds = going.dataset
    text = continuation.split_text(ds, prediction)[1]
    characters = ds.is_tokens and getattr(ds, "separator", " ") == ""
    return visible_text(ds, text) if characters else text.lstrip(", ")


def text_views(going, shown):
    """Redrawn a few times a second while they train: what each model writes after the same prefix."""
    rows = [{"model": label, "writes after the prefix": written(prediction)} for label, prediction in shown.predictions]
    drawing.text_table(pd.DataFrame(rows), key="compare_continuations")
    st.caption("Each model continues the same prefix; the models that learn sooner get it right sooner.")
    for label, message in shown.diverged.items():
        show("error", f"{label}: {message}")


def chart_views(going, shown):
    """Redrawn about once a second: loss, gradient and prediction charts on shared axes."""
    histories = shown.histories()
    labels = shown.labels
    left, right = st.columns(2)
    with left:
        drawing.chart(compare.compare_loss_figure(histories, labels), "compare_loss_chart",
                      "Same batches, same order: the line that falls first belongs to the setting that learns fastest.")
    with right:
        drawing.chart(compare.compare_grad_norm_figure(histories, labels, [model.clip for model in shown.models]),
                      "compare_grad_chart",
                      "Spikes are exploding gradients; a dashed line is a model's clipping threshold θ.")
    left, right = st.columns(2)
    with left:
        entries = [(model.label, model.latest_gradients) for model in shown.models]
        drawing.chart(compare.compare_step_grad_figure(entries), "compare_step_grad_chart",
                      "Read right to left: a level line still carries the last step's error to the first; a steep "
                      "fall is a vanishing gradient.")
    with right:
        drawing.chart(compare.compare_prediction_figure(shown.predictions), "compare_prediction_chart",
                      "The same question to each model: its top candidates at each generated step, the one taken "
                      "outlined.")


side_by_side.live_views(text_views, prefix)
side_by_side.live_views(chart_views, prefix, trains=False)
