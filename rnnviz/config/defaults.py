"""Each dataset's lesson settings, made to teach fast: the one table of the datasets a learner can choose.

Its order is the order the app, the command line and every "choose one of" message list the datasets in.
"""

DATASET_DEFAULTS = {
    "counting": dict(hidden_size=256, lr=0.01, batch_size=50, seq_len=20, steps=60,
                     prefix="234", predict_len=5),
    "sentences": dict(hidden_size=12, lr=0.01, batch_size=3, seq_len=14, steps=100,
                      prefix="good", predict_len=11),
    "shakespeare": dict(hidden_size=64, lr=0.01, batch_size=32, seq_len=40, steps=300,
                        prefix="To be", predict_len=60, temperature=0.0),
    "sine": dict(hidden_size=5, lr=0.01, batch_size=1, seq_len=20, steps=1000, carry_state=True,
                 prefix="0, 0.16, 0.31, 0.45", predict_len=20),
    "text": dict(hidden_size=128, lr=0.005, batch_size=32, seq_len=50, steps=500,
                 prefix="The", predict_len=100, temperature=0.5),
    # An uploaded column; the app sets series and a prefix from the data (uploads.csv_config).
    "csv": dict(hidden_size=16, lr=0.01, batch_size=16, seq_len=20, steps=300, prefix="", predict_len=20),
    # Memory tasks (datasets.memory_tasks): the lag sets the length, so seq_len is not used. A gated cell (an LSTM
    # whose forget gate starts open, bias 5, or a GRU) learns them in a few hundred steps; a tanh RNN fails.
    "recall": dict(cell="lstm", forget_bias=5.0, hidden_size=32, lr=0.01, batch_size=64, clip=1.0, lag=40,
                   steps=300, prefix="c" + "0123" * 10 + "?", predict_len=1),
    "brackets": dict(cell="gru", hidden_size=32, lr=0.005, batch_size=32, clip=1.0, lag=80, steps=400,
                     prefix="(()[[]](())()[][[]](())(()[][])[()]()()()[]()(()()[]())[][]()[[]]()[][()[]()[]][]",
                     predict_len=1),
    "adding": dict(cell="gru", hidden_size=32, lr=0.005, batch_size=32, clip=1.0, lag=20, steps=500,
                   predict_len=1,
                   prefix="0.24, -1, 0.37, 0.6, 0.63, 0.07, 0.01, 0.84, 0.26, 0.23, 0.98, 0.47, -1, 0.48, 0.64, "
                          "0.15, 0.63, 0.87, 0.52, 0.74, 0.67, 0.06, 0.76"),
    # Many-to-one (rnnviz.insight.many_to_one): six digits in, yes or no out, from the last hidden state.
    "climbs": dict(hidden_size=32, lr=0.01, batch_size=64, steps=300, prefix="135789", predict_len=1),
}
DATASET_NAMES = tuple(DATASET_DEFAULTS)
