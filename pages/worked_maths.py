"""Worked maths: the recurrence with its real numbers, first LESSONS L3's example, then the model you trained."""

import pandas as pd
import streamlit as st

from rnnviz.charts import maths
from rnnviz.charts.by_hand import by_hand_figure
from rnnviz.errors import InputError
from rnnviz.insight import equations, worked
from rnnviz.nn import by_hand, param_count
from rnnviz.views import sequence, worked_maths
from ui import drawing, state, workers
from ui.messages import show

st.title("Worked maths")
st.caption("The equations every step computes, with the numbers filled in: first a tiny network with fixed "
           "weights you can check by hand, then any step of the model you are training.")
drawing.live(lambda experiment: None)  # trains, with the status line; the equations below hold still to be read

st.subheader("The tutorial's example: 2 inputs, 3 hidden units, 1 output, no biases")
st.latex(r"\mathbf{a}_t = W_{xh}\mathbf{x}_t + W_{hh}\mathbf{h}_{t-1},\qquad \mathbf{h}_t = \tanh(\mathbf{a}_t),"
         r"\qquad y_t = W_{hy}\mathbf{h}_t,\qquad \mathbf{h}_0 = \mathbf{0}")
st.latex(r"W_{xh} = \begin{pmatrix}0.1&0.2\\0.3&0.4\\0.5&0.6\end{pmatrix},\ "
         r"W_{hh} = \begin{pmatrix}0.1&0.2&0.3\\0.4&0.5&0.6\\0.7&0.8&0.9\end{pmatrix},\ "
         r"W_{hy} = \begin{pmatrix}0.2&0.4&0.6\end{pmatrix},\ "
         r"\mathbf{x}_{1,2,3} = (1.0, 0.5),\,(0.8, 0.3),\,(0.6, 0.9)")
example = worked.worked_example()
for terms in example:
    with st.container(key=f"worked_t{terms.step}", border=True):
        st.markdown(f"**t = {terms.step}**")
        for line in worked_maths.compact_latex(equations.equations_latex(terms, digits=8)):
            st.latex(line)
left, right = st.columns(2)
with left:
    drawing.chart(maths.worked_figure(example), "worked_chart",
                  "Each step adds what the units remember (W_hh·h_{t−1}) to the new input, so h_t climbs towards "
                  "tanh's ceiling of 1 and y_t grows with it.")
with right:
    st.warning("The tutorial prints values for y_1, h_2, y_2, h_3 and y_3 that do not follow from its own equations "
               "(a_1 and h_1 do). The numbers above are computed from the equations; here are both.")
    drawing.text_table(worked_maths.printed_vs_computed(example), key="worked_printed")

st.subheader("The same step in your model")
st.caption("Your model reading the prefix, at the current training step. Pick a step: the units that moved most "
           "there are shown, the others summarised.")
drawing.prefix_box(key="worked_prefix")
experiment = state.experiment()
try:
    with workers.model_lock(experiment):
        inputs, labels = sequence.prefix_steps(experiment)
        steps = inputs.shape[1]
        # Forget choices the current model or prefix does not have (a shorter prefix, fewer units or layers).
        for key, high in (("worked_step", steps), ("worked_units", min(8, experiment.model.hidden_size)),
                          ("worked_layer", experiment.model.num_layers)):
            if key in st.session_state and not 1 <= st.session_state[key] <= high:
                del st.session_state[key]
        left, middle, right = st.columns([4, 1, 1])
        step = steps
        if steps > 1:
            step = left.slider("Step t (the symbol read there)", 1, steps, value=steps, key="worked_step",
                               persist_state="session")
        left.caption(f"Step {step} reads **{labels[step - 1]}**.")
        units = middle.number_input("Units shown", min_value=1, max_value=min(8, experiment.model.hidden_size),
                                    value=min(4, experiment.model.hidden_size), key="worked_units",
                                    persist_state="session")
        layer = 1
        if experiment.model.num_layers > 1:
            layer = right.number_input("Layer", min_value=1, max_value=experiment.model.num_layers,
                                       key="worked_layer", persist_state="session")
        terms = worked_maths.model_step(experiment, step, units=units, layer=layer - 1)
        chain = worked_maths.model_chain(experiment, layer=layer - 1)
    trained_at = experiment.step
    with st.container(key="worked_model_equations", border=True):
        for line in worked_maths.compact_latex(equations.equations_latex(terms)):
            st.latex(line)
        if terms.summary():
            st.caption(terms.summary())
    left, right = st.columns(2)
    with left:
        look_for = (f"At training step {trained_at}: is each unit driven by the input it reads now (blue) or by what "
                    "it remembers (red)?" if terms.cell == "rnn" else
                    f"At training step {trained_at}: each gate per unit, 0 shut and 1 open. A forget gate (LSTM) near "
                    "1 keeps the cell's memory; a GRU's update gate near 1 keeps h_{t−1}.")
        drawing.chart(maths.step_terms_figure(terms, labels), "step_terms_chart", look_for)
    with right:
        st.markdown("**The BPTT chain**")
        st.latex(r"\frac{\partial L}{\partial \mathbf{h}_{t-1}} = \frac{\partial L_{t-1}}{\partial \mathbf{h}_{t-1}}"
                 r" + W_{hh}^\top\,\mathrm{diag}\big(\tanh'(\mathbf{a}_t)\big)\,"
                 r"\frac{\partial L}{\partial \mathbf{h}_t}")
        st.latex(r"\frac{\partial \mathbf{h}_T}{\partial \mathbf{h}_t} = \prod_{k=t+1}^{T}"
                 r"\mathrm{diag}\big(\tanh'(\mathbf{a}_k)\big)\,W_{hh}")
        carried = "(h, c)" if experiment.config.cell == "lstm" else "h"
        st.caption(f"Every step back multiplies the gradient by one such matrix (here for {carried} of your "
                   f"{experiment.config.cell.upper()}; LSTM and GRU steps are differentiated the same way, gates "
                   "included). Its norm is the most it can stretch the gradient.")
    drawing.chart(maths.bptt_figure(chain, labels), "bptt_chart",
                  "Bars below the dashed line shrink the gradient at each step back; the orange line multiplies "
                  "them from the end: if it falls steeply to the left, the last step cannot teach the first "
                  "(vanishing), if it climbs, it explodes.")
except InputError as error:
    show("warning", error)

st.subheader("By hand: the loop inside nn.RNN (lesson L1)")
st.caption("PyTorch's nn.RNN, nn.LSTM and nn.GRU run every step in one fused call. The same recurrence, written as a "
           "Python loop over one nn.RNNCell (LSTMCell, GRUCell) per layer, each cell holding that layer's very "
           "weights, gives the same numbers: your model on your prefix, both ways.")
try:
    with workers.model_lock(experiment):
        inputs, labels = sequence.prefix_steps(experiment)
        compared = by_hand.compare(experiment.model, inputs)
    left, right = st.columns([1, 1])
    with left:
        st.code(compared.code, language="python")
        verdict = "the same up to float rounding" if compared.agree else "NOT the same: a real difference"
        st.metric("Largest difference, fused vs loop", f"{compared.largest_difference:.1e}", help=verdict)
        st.caption(f"Over every h_t of the top layer and each layer's last h: {verdict}.")
    with right:
        drawing.chart(by_hand_figure(compared, labels), "by_hand_chart",
                      "Lines: the fused module. Rings: the cell loop. Every ring sits on its line.")
except InputError as error:
    show("warning", error)

st.subheader("Counting parameters (lesson L3)")
st.caption("How many numbers a recurrent layer and its Linear head learn. PyTorch's count is sum(p.numel()) of "
           "the real modules; the textbook's writes one bias where PyTorch keeps two.")
columns = st.columns(4)
sizes = {}
for column, (name, label) in zip(columns, (("input_size", "Input size"), ("hidden_size", "Hidden units"),
                                           ("output_size", "Output size"), ("num_layers", "Layers"))):
    low, high = param_count.BOUNDS[name]
    initial = param_count.L3_EXAMPLE.get(name, 1)
    sizes[name] = column.number_input(label, min_value=low, max_value=high, step=1, value=initial,
                                      key=f"params_{name}", persist_state="session")
left, middle, right = st.columns(3)
cell_names = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
cell = cell_names[left.radio("Cell", list(cell_names), horizontal=True, key="params_cell", persist_state="session")]
forms = ["two (PyTorch: b_ih and b_hh)", "one (textbook: b_h)"]
form = middle.radio("Biases per gate", forms, key="params_bias", persist_state="session")
bidirectional = right.checkbox("Bidirectional", key="params_bidirectional", persist_state="session")
try:
    counts = param_count.count_parameters(cell=cell, bidirectional=bidirectional, **sizes)
except InputError as error:
    show("warning", error)
else:
    with st.container(key="param_counts"):
        first, second, third = st.columns(3)
        first.metric("PyTorch: sum(p.numel())", f"{counts.pytorch:,}")
        second.metric("Textbook: one bias", f"{counts.textbook:,}", delta=f"{-counts.extra_biases:,}",
                      delta_color="off")
        third.metric("Output width the head reads", f"{counts.output_width:,}")
        st.markdown(param_count.why_they_differ(counts, cell, sizes["num_layers"], bidirectional))
    rows = [row for row in counts.table() if form == forms[0] or row["in the textbook's form"] == "yes"]
    drawing.text_table(pd.DataFrame(rows), key="param_table")
