"""What only a server shared by a class needs.

  turns            the process's few training turns (a fair queue), torch's threads, the sessions' models
  live             one background worker per model that trains beside the page and publishes what the views draw
  steered          what both workers share: Train and Pause, a place in line, views within their share
  published        what a worker publishes (read by the views without waiting), and the model's lock
  live_comparison  the same for Side by side: one worker trains the models of a comparison in turn
  capacity         a cap on the memory all sessions' models keep together (RNNVIZ_MODEL_MEMORY)
  budget           the work one training step may cost, estimated from the sizes
  hosting          share links that carry a lesson, and letting a closed tab's model go
  tabs             which browser tab owns which model, so a reload brings the model back to its own tab only
  warm_up          work done once at start (building an optimizer) so that no learner waits for it
"""
