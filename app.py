"""rnnviz: train a recurrent network in your browser session and watch it learn.

This file only routes: the page setup, the pages, and the sidebar every page shares.
Start it with `streamlit run app.py`.
"""

import streamlit as st

from ui.chart_library import load_chart_library

st.set_page_config(layout="wide", page_title="rnnviz", page_icon="🔁")
load_chart_library()  # before torch is imported: the browser loads Plotly meanwhile

from rnnviz.train import warm_up_optimizers  # noqa: E402 - imports torch (about 2 s): after the line above
from ui import sidebar  # noqa: E402

page = st.navigation([
    st.Page("pages/train.py", title="Train", default=True),
    st.Page("pages/unrolled.py", title="Unrolled recurrence"),
    st.Page("pages/hidden_states.py", title="Hidden states"),
    st.Page("pages/gradients.py", title="Gradients"),
    st.Page("pages/predict.py", title="Predict"),
    st.Page("pages/your_data.py", title="Your data"),
    st.Page("pages/worked_maths.py", title="Worked maths"),
    st.Page("pages/memory.py", title="Memory tasks"),
    st.Page("pages/one_label.py", title="Sequence → label"),
    st.Page("pages/side_by_side.py", title="Side by side"),
    st.Page("pages/inside_model.py", title="Inside the model"),
])
sidebar.controls()
page.run()
# After the page, so the first page does not share the interpreter with it: see its docstring.
warm_up_optimizers()
