"""Sequence → label: lesson L1's many-to-one classifier, judged from its last hidden state."""

import pandas as pd
import streamlit as st

from rnnviz.charts.one_label import held_out_figure, last_hidden_figure
from rnnviz.insight import many_to_one
from ui import drawing

st.title("Sequence → label")
st.caption("Many-to-one: the model reads a whole row of digits and gives one answer, yes if each digit is larger "
           "than the one before. The answer comes from the last hidden state h_T through the Linear head; the "
           "steps before it are not scored.")


def live_views(experiment) -> None:
    if experiment.config.dataset != "climbs":
        st.info("The sidebar's model predicts a symbol at every step (many-to-many). Press L1b in the sidebar for "
                "the many-to-one lesson: its accuracy and last hidden states then show here as it trains.")
        return
    result = drawing.unless_refused(many_to_one.readout, experiment.model, experiment.dataset)
    if result is None:
        return
    first, second, third = st.columns(3)
    first.metric("Accuracy on fresh rows", f"{result.accuracy:.0%}", help="512 rows it never trained on.")
    second.metric("Chance (always the same answer)", "50%")
    third.metric("Training step", f"{experiment.step:,}")
    table = pd.DataFrame({"row": result.examples, "climbs?": result.truth, "model": result.said,
                          "P(yes)": [f"{p:.0%}" for p in result.p_yes]})
    left, right = st.columns([2, 3])
    with left:
        drawing.text_table(table, key="one_label_examples")
    with right:
        drawing.chart(held_out_figure(result), "one_label_spread_chart",
                      "Each dot is a held-out row's h_T. Before training the two kinds mix; as the model learns, the "
                      "Linear head can draw a line between them.")
    drawing.chart(last_hidden_figure(result), "one_label_hidden_chart",
                  "The last hidden state of each example row: the head turns this vector, and only this, into yes "
                  "or no. Near misses (two digits swapped) are the hard ones.")


drawing.live(lambda experiment: None)  # trains, with the status line; the views below redraw once a second
drawing.live(live_views, trains=False)
