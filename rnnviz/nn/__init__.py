"""The network and its training: the model, a step-by-step replay of it, continuing a prefix, the trainer.

  model        SeqModel: input features → RNN / LSTM / GRU → a Linear head
  trace        replay a model one time step at a time, recording h_t, gates, outputs and ‖∂L/∂h_t‖
  predict      continue a prefix, greedily or sampled
  train        Trainer: bounded slices of optimisation steps and the history of every step
  device       where the model runs (CUDA, MPS, CPU)
  by_hand      the recurrence written as a loop over a cell, beside the fused module (lesson L1)
  param_count  parameters counted by formula and by the module (lesson L3)
  bench        the trainer against a bare PyTorch loop on the same settings
"""
