"""The page bench_start compares rnnviz's first chart with: it imports torch and draws one Plotly chart."""

import plotly.graph_objects as go
import streamlit as st
import torch

st.title("A torch page")
st.button("A button")
values = torch.sin(torch.linspace(0, 6.28, 100))
st.plotly_chart(go.Figure(go.Scatter(y=values.tolist())))
