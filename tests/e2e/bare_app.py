"""The bare Streamlit page bench_start compares rnnviz's first button with: a title, a line and a button."""

import streamlit as st

st.title("A bare page")
st.write("Nothing but Streamlit itself.")
st.button("A button")
