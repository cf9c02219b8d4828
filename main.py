"""rnnviz: the script each browser session runs (the server itself is app.py: start it with `streamlit run app.py`).

This file only routes: the page setup, the pages, and the sidebar every page shares.

Until the model's code (PyTorch) is loaded, and the tab has said whether it comes back to a model
(ui.reconnect), the app draws its first frame (ui.loading): controls, page links, lessons and settings, the
page's title and text.
"""

import streamlit as st

from ui import loading
from ui.feed_route import train_in_panel

# The tab's icon: 🔁 (percent-encoded), drawn as Streamlit draws an emoji icon. Given the emoji itself,
# set_page_config would first load Streamlit's list of every emoji, which a fresh server's first page waits for.
ICON = ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'>"
        "<text y='.9em' font-size='90'>%F0%9F%94%81</text></svg>")
st.set_page_config(layout="wide", page_title="rnnviz", page_icon=ICON)

PAGES = [
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
    st.Page("pages/class_board.py", title="Class board"),
]
page = st.navigation(PAGES, position="hidden")  # the sidebar draws the links (ui.page_links)
# The Train page's live charts are drawn on a canvas (ui/live_canvas.js): Plotly's JavaScript, which takes the
# browser a while to compile (docs/benchmarks.md), would only hold its first chart back.
needs_plotly = page is not PAGES[0]
fresh_server = not loading.ready()
if fresh_server:  # the controls first, before even Plotly is imported
    loading.first_sidebar(PAGES, train_in_panel(PAGES, page))

from ui import reconnect  # noqa: E402

if needs_plotly:
    from ui.chart_library import load_chart_library  # imports Plotly: only for pages that draw it

    load_chart_library()  # first on the page: the browser loads Plotly while the server loads torch
secret = reconnect.tab_secret()
if fresh_server or not reconnect.known(secret):
    if not fresh_server:
        loading.first_sidebar(PAGES, train_in_panel(PAGES, page))
    loading.first_page(page)
    # Once per process, torch and the model's code load in the background from here: not sooner, as the import holds
    # the interpreter in long stretches and the first frame, drawn beside it, came later (docs/benchmarks.md).
    loading.start()
    loading.wait()
    if reconnect.known(secret):
        st.rerun()
    st.stop()  # the tab's answer reruns the app

from rnnviz.serving.warm_up import warm_up_optimizers  # noqa: E402 - loaded by now (ui.loading)
from ui import sidebar  # noqa: E402

reconnect.settle(secret)
sidebar.controls(PAGES, page)
page.run()
# After the page, once it is on screen (or a while later), so that it does not share the interpreter: see its docstring.
warm_up_optimizers()
