"""Pure chart functions: rnnviz results (History, Trace, Prediction) in, Plotly figures out.

No Streamlit here, so every chart is tested without a browser. Each function's docstring says
what a learner should see in it; the pages show that as the chart's caption.
"""

from rnnviz.charts.gradients import grad_heatmap_figure, param_grad_figure, step_grad_figure
from rnnviz.charts.hidden import gates_figure, hidden_heatmap_figure, units_figure
from rnnviz.charts.prediction import candidates_figure, series_figure, trajectory_figure
from rnnviz.charts.training import grad_norm_figure, loss_figure
from rnnviz.charts.unrolled import unrolled_figure

__all__ = [
    "loss_figure", "grad_norm_figure", "step_grad_figure", "grad_heatmap_figure", "param_grad_figure",
    "hidden_heatmap_figure", "gates_figure", "units_figure", "candidates_figure", "trajectory_figure",
    "series_figure", "unrolled_figure",
]
