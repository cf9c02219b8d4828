"""rnnviz: train a recurrent network in your browser session and watch it learn.

This file only routes: the page setup, the pages, and the sidebar every page shares.
Start it with `streamlit run app.py`.
"""

import streamlit as st

from rnnviz import session
from rnnviz.train import warm_up_optimizers

st.set_page_config(layout="wide", page_title="rnnviz", page_icon="🔁")
page = st.navigation([
    st.Page("pages/train.py", title="Train", default=True),
    st.Page("pages/unrolled.py", title="Unrolled recurrence"),
    st.Page("pages/hidden_states.py", title="Hidden states"),
    st.Page("pages/gradients.py", title="Gradients"),
    st.Page("pages/predict.py", title="Predict"),
    st.Page("pages/your_data.py", title="Your data"),
    st.Page("pages/worked_maths.py", title="Worked maths"),
    st.Page("pages/memory.py", title="Memory tasks"),
    st.Page("pages/side_by_side.py", title="Side by side"),
    st.Page("pages/inside_model.py", title="Inside the model"),
])
session.controls()
page.run()
# After the page, so the first page does not share the interpreter with it: see its docstring.
warm_up_optimizers()
