"""Class board: every learner who joined by the board's link, on one live chart for the projector."""

import streamlit as st

from ui import board_view, state

st.set_page_config(initial_sidebar_state="collapsed")  # the projector's whole width for the board
# The teacher's own model (the sidebar's). Asked first, as every page does: a fresh server's first request for
# this address runs this file alone, and asking reruns it through main.py.
state.experiment()
board_view.fit_screen()
code = board_view.shown_code()
if code is None:
    st.title("Class board")
    board_view.start_offer()
elif board_view.header(code) is not None:
    board_view.live(code)
