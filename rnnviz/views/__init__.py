"""The data behind each view the pages draw, one module per view, with no Streamlit here.

Pages stay thin (read the session, call these, hand the results to `rnnviz.charts`), and
every number a page shows can be checked in a unit test.

  labels           how each step reads to a learner: a symbol with its spaces visible, or a value
  continuation     the model's continuation of the prefix, live while training and as samples
  progress         the status line and the continuation at each milestone
  sequence         one sequence traced step by step (hidden states, unrolled) and the lessons' prefix
  strip            the live unrolled strip on the Train page
  gradients        the latest batch's gradients per time step and per weight
  spectral_radius  W_hh's spectral radius over training
  worked_maths     the lesson's printed example checked, and its equations on the learner's model
  memory_score     a memory task's score against chance, and the lags a sweep tries
  connectivity     the connectivity matrix of the prefix, kept while the model trains
  unit_explorer    what one hidden unit responds to in the training data
"""
