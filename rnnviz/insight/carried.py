"""The carried hidden state (lesson L4): the next batch's chain starts where the previous batch's ended.

With carry_state on, the trainer cuts the data into lanes and feeds each lane's next stretch in the
next batch, starting the recurrence from the last h of the batch before (detached, so gradients stop
at the boundary). This module picks lane 1 of the batch the trainer will train on next, with the
state it will start from, so the unrolled view can draw the chain as it really begins.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnnviz.nn.trace import Trace, trace


@dataclass
class CarriedChain:
    """Lane 1 of the next batch, traced from the carried state.

    start:  [num_layers, H] the h the chain starts from (zeros before the first step or after a reset)
    carried: True when `start` is the previous batch's last h rather than zeros
    batch:  the number of the batch these inputs are (the trainer's step)
    """

    result: Trace
    inputs: torch.Tensor
    start: torch.Tensor
    carried: bool
    batch: int
    items: list  # what each step reads, as the data writes it (token ids, or values on the data's scale)


def lane_state(state, lane: int = 0):
    """One lane of a carried state ([L, B, H], or (h, c) for an LSTM), kept as a batch of one."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s[:, lane:lane + 1] for s in state)
    return state[:, lane:lane + 1]


def next_chain(experiment, max_steps: int | None = None) -> CarriedChain:
    """The chain the trainer runs next on lane 1: the stretch it will read, from the state it will start with."""
    trainer, model = experiment.trainer, experiment.model
    inputs, targets = experiment.dataset.next_batch(trainer.batch_size, trainer.seq_len, trainer.step)
    inputs, targets = inputs[:1], targets[:1]
    if max_steps is not None:
        inputs, targets = inputs[:, :max_steps], targets[:, :max_steps]
    state = lane_state(trainer.state)
    if state is not None:
        state = tuple(s.to(model.device) for s in state) if isinstance(state, tuple) else state.to(model.device)
    result = trace(model, inputs, targets, state=state)
    h = state[0] if isinstance(state, tuple) else state
    start = torch.zeros(model.num_layers, model.hidden_size) if h is None else h[:, 0].detach().cpu()
    ds = experiment.dataset
    items = inputs[0].tolist() if ds.is_tokens else ds.from_model(inputs[0, :, 0])
    return CarriedChain(result, inputs, start, carried=h is not None, batch=trainer.step + 1, items=items)
