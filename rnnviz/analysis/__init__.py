"""Looking inside a trained recurrent network: one idea per module.

  spectral      the spectral radius and largest singular value of W_hh, now and over training
  connectivity  how strongly each earlier input moves the prediction at a chosen step
  units         what one hidden unit responds to: its mean per input symbol and its top contexts
"""

from .connectivity import Connectivity, connectivity, connectivity_matrix, prefix_inputs
from .spectral import recurrent_blocks, spectral_over_training, spectral_radius, spectral_table
from .units import UnitReport, unit_report

__all__ = ["Connectivity", "connectivity", "connectivity_matrix", "prefix_inputs", "recurrent_blocks",
           "spectral_over_training", "spectral_radius", "spectral_table", "UnitReport", "unit_report"]
