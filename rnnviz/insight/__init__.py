"""Looking inside a trained network, one idea per module.

  worked        one recurrent step with its real numbers, replayed in float64
  equations     that step's equations as LaTeX, the numbers filled in
  bptt          the chain of Jacobians backpropagation through time multiplies
  spectral      W_hh's spectral radius and largest singular value, now and over training
  connectivity  how strongly each earlier input moves the prediction at a chosen step
  units         what one hidden unit responds to: its mean per input symbol and its top contexts
  memory_sweep  accuracy against lag, and how far back the gradient reaches, for each cell
  many_to_one   a whole sequence in, one label out: the readout of the last hidden state
  carried       the hidden state carried from one batch to the next (lesson L4)
  series_truth  a series continuation beside what really follows in the data (lesson L4)
"""
