"""Start the browser loading its chart library while the server is still importing PyTorch.

On a fresh start the first page waits on two slow things in turn: the server importing torch,
then the browser fetching and compiling Plotly's JavaScript, which Streamlit loads only when
the first chart arrives (docs/benchmarks.md has the times). Sending an
empty, hidden chart before torch is imported lets the two overlap; the live charts' own plotly.js
(ui.live_chart) is started the same way. main.py sends it on every page but Train, whose live charts are
drawn on a canvas; there ui.live_chart loads Plotly once the page is still. This module must not import
torch or anything that does.
"""

# Plotly finds numpy and pandas in sys.modules, where a module half imported by the loading thread (ui.loading)
# already sits: imported here first, this thread waits until each is whole, and Plotly never sees one half made.
import numpy  # noqa: F401, I001 - before Plotly, for the reason above
import pandas  # noqa: F401
import plotly.graph_objects as go
import streamlit as st

from .live_chart import live_chart

KEY = "chart_library"
# The keyed container sits in a layout wrapper; hiding the wrapper leaves no gap above the page.
HIDE = f"<style>[data-testid=stLayoutWrapper]:has(> .st-key-{KEY}){{display:none}}</style>"


def load_chart_library() -> None:
    """Two empty charts the learner never sees, drawn first on every page (so they are never re-mounted): one
    for Streamlit's own Plotly, one for the live charts' (ui.live_chart)."""
    with st.container(key=KEY):
        st.html(HIDE)
        st.plotly_chart(go.Figure(), key=f"{KEY}_chart")
        live_chart({"data": [], "layout": {"height": 10}}, f"{KEY}_live")
