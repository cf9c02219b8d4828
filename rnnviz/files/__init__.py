"""What a learner takes home or brings back: model files, the history inside them, CSV and code exports.

  checkpoint     export a model with its settings; load one back without running its code
  safe_load      a model file's bytes read into tensors and settings, running nothing in them
  checkpoint_checks  those settings, tensors and data checked before any weight is used
  saved_history  the loss rows, gradient log and weight snapshots stored beside the weights
  exports        the training history as CSV and the traced arrays as .npz
  export_code    a standalone PyTorch script (standalone.py, filled in) with the weights, zipped
  standalone     the script itself: plain PyTorch, no rnnviz
  disk           files named on the command line: regular files only, read up to a limit
"""
