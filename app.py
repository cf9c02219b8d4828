"""rnnviz: train a recurrent network in your browser session and watch it learn. Start it with `streamlit run app.py`.

The server: Streamlit running main.py (each session's pages), plus one route of rnnviz's own, which the Train page
polls for its live views while the model trains (ui.feed_route).
"""

import streamlit as st

from ui import feed_route

app = st.App("main.py", routes=feed_route.routes())
