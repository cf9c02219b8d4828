"""rnnviz: train a recurrent network in your browser session and watch it learn.

This file only routes: the page setup, the pages, and the sidebar every page shares.
Start it with `streamlit run app.py`.

Until the model's code (PyTorch) is loaded, and the tab has said whether it comes back to a model
(ui.reconnect), the app draws its first frame (ui.loading): controls, page links, the page's title and text.
"""

import streamlit as st

from ui import loading, reconnect
from ui.chart_library import load_chart_library

st.set_page_config(layout="wide", page_title="rnnviz", page_icon="🔁")
load_chart_library()  # first: the browser loads Plotly while the server loads torch
loading.start()  # once per process, in the background

PAGES = [
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
]
page = st.navigation(PAGES, position="hidden")  # the sidebar draws the links (ui.page_links)
secret = reconnect.tab_secret()

if not (loading.ready() and reconnect.known(secret)):
    loading.first_frame(page, PAGES)
    loading.wait()
    if reconnect.known(secret):
        st.rerun()
    st.stop()  # the tab's answer reruns the app

from rnnviz.train import warm_up_optimizers  # noqa: E402 - loaded by now (ui.loading)
from ui import sidebar  # noqa: E402

reconnect.settle(secret)
sidebar.controls(PAGES)
page.run()
# After the page, so the first page does not share the interpreter with it: see its docstring.
warm_up_optimizers()
