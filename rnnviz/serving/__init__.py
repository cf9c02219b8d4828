"""What only a server shared by a class needs.

  turns    the process's few training turns (a fair queue), torch's threads, the sessions' models
  live     one background worker per model that trains beside the page and publishes what the views draw
  budget   the work one training step may cost, estimated from the sizes
  hosting  share links that carry a lesson, and letting a closed tab's model go
  tabs     which browser tab owns which model, so a reload brings the model back to its own tab only
  warm_up  work done once at start (building an optimizer) so that no learner waits for it
"""
