"""Command line: `python -m rnnviz train` and `python -m rnnviz bench`.

`train` builds the same Experiment the app builds and trains it through the
same path (bounded slices of `Experiment.train`, with the trainer's default
instrumentation), so a lesson reproduced here is the lesson the app shows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rnnviz.config import CAUTIONS, CHOICES, FLAGS, Config, caution, defaults_for
from rnnviz.datasets import uploads
from rnnviz.errors import InputError
from rnnviz.experiment import MODEL_SETTINGS, Experiment
from rnnviz.files.disk import check_writable, megabytes, read_limited
from rnnviz.nn.model import describe

# flag → Config field (Config's field metadata); None defaults mean "the dataset's lesson default".
TRAIN_FLAGS = FLAGS
SLICE_SECONDS = 0.2  # one slice of training between two progress reports


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=CHOICES["dataset"],
                        help="which data to learn (default: counting, lesson L0)")
    parser.add_argument("--text-file", help="a UTF-8 text file to learn character by character, up to "
                        f"{megabytes(uploads.MAX_UPLOAD_BYTES)} (sets --dataset text)")
    parser.add_argument("--cell", choices=CHOICES["cell"])
    parser.add_argument("--nonlinearity", choices=CHOICES["nonlinearity"], help="for the rnn cell")
    parser.add_argument("--hidden", type=int, help="hidden units per layer")
    parser.add_argument("--layers", type=int, help="stacked recurrent layers (1-4)")
    parser.add_argument("--embedding", type=int, help="embedding size (0: one-hot input, as the lessons)")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--optimizer", choices=CHOICES["optimizer"])
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--seq-len", type=int, help="time steps per training window")
    parser.add_argument("--clip", type=float, help="gradient-norm clipping threshold (0: off)")
    parser.add_argument("--steps", type=int, help="training steps")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--lag", type=int, help="delay for the memory tasks")
    parser.add_argument("--device", choices=CHOICES["device"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rnnviz", description="Train and inspect small recurrent networks.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model on a lesson's data and continue a prefix")
    _add_model_flags(train)
    train.add_argument("--prefix", help="what the model should continue (default: the lesson's)")
    train.add_argument("--predict", type=int, help="how many symbols (or values) to generate")
    train.add_argument("--temperature", type=float, help="0 is greedy; higher samples more freely")
    train.add_argument("--save", help="write the trained weights and their settings (.safetensors)")
    train.add_argument("--load", help="start from weights saved with --save")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")
    bench = commands.add_parser("bench", help="time the Trainer against a bare PyTorch loop on the same config")
    _add_model_flags(bench)
    bench.add_argument("--rounds", type=int, default=3, help="alternating timed rounds of each loop")
    bench.add_argument("--json", action="store_true")
    return parser


def config_from_args(args) -> Config:
    """The lesson's defaults for the dataset with the given flags applied exactly: out of range is an error.
    A text file is read as the app reads an upload: the same limits, line ends and default prefix."""
    text_file = getattr(args, "text_file", None)
    dataset = "text" if text_file else (args.dataset or "counting")
    if dataset == "text" and not text_file:
        raise InputError("--dataset text needs a text to learn from: add --text-file PATH, a UTF-8 text file of up "
                         f"to {megabytes(uploads.MAX_UPLOAD_BYTES)}.")
    if dataset == "csv":
        raise InputError("The csv data is a column of a CSV file uploaded on the app's page Your data; the command "
                         f"line cannot read one. Choose another --dataset: {', '.join(CHOICES['dataset'][:5])}, ….")
    values = given_values(args)
    config = _caution(Config.exactly(defaults_for(dataset), **values))
    if dataset == "text":
        data = read_limited(text_file, uploads.MAX_UPLOAD_BYTES, "text file")
        text = uploads.text_from_upload(data, filename=Path(text_file).name)
        made, notices = uploads.text_config(text, base=config)  # its prefix: the text's start, as in the app
        if notices:
            raise InputError(" ".join(notices))
        config = made.replace(prefix=config.prefix) if "prefix" in values else made
    return config


def _caution(config: Config) -> Config:
    """Print a caution for each allowed but risky setting (a learning rate above 1): it runs as asked."""
    for name in CAUTIONS:
        if warned := caution(name, getattr(config, name)):
            print(f"note: {warned}", file=sys.stderr)
    return config


def given_values(args) -> dict:
    """The Config fields set by flags on the command line (not the defaults)."""
    return {field: getattr(args, flag) for flag, field in TRAIN_FLAGS.items() if getattr(args, flag, None) is not None}


def loaded_experiment(args) -> Experiment:
    """Start from a saved model: its architecture is the file's; training flags apply on top.

    The data is the file's own unless --dataset or --text-file names other data (its
    vocabulary must then match the model's).
    """
    from rnnviz.files.checkpoint import load_into_experiment

    given = given_values(args)
    data_config = config_from_args(args) if (args.dataset or args.text_file) else None
    experiment, notices = load_into_experiment(Path(args.load), data_config=data_config,
                                               device=given.get("device", "auto"))
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)
    clashing = [field for field, value in given.items()
                if field in MODEL_SETTINGS and field != "device" and value != getattr(experiment.config, field)]
    if clashing:
        raise InputError(f"{', '.join(clashing)} cannot change when loading {args.load}: the file defines the "
                         "model. Leave those flags out, or train a new model without --load.")
    experiment.update(_caution(Config.exactly(experiment.config,
                                              **{f: v for f, v in given.items() if f not in MODEL_SETTINGS})))
    return experiment


def run_training(experiment: Experiment, steps: int, progress=None) -> None:
    """Train in bounded slices, as the app does, until `steps` more steps are done or training stops;
    `progress(steps_done, loss)` after each slice."""
    target = experiment.step + steps
    while experiment.step < target and not experiment.trainer.diverged:
        rows = experiment.train(target - experiment.step, max_seconds=SLICE_SECONDS)
        if progress and rows:
            progress(len(rows), rows[-1]["loss"])


def _progress_bar(steps: int):
    """A progress bar on stderr (tqdm: steps done, steps per second, time left), only on a terminal and never
    with --json, so what is printed to a pipe or a file is the result alone."""
    from tqdm import tqdm  # only when a bar is drawn

    bar = tqdm(total=steps, unit="step", file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, loss: float) -> None:
        bar.set_postfix_str(f"loss {loss:.4f}", refresh=False)
        bar.update(done)

    return bar, progress


def train_command(args) -> dict:
    if args.save:
        check_writable(args.save)  # before any training: a FIFO, a device or a missing folder is refused now
    experiment = loaded_experiment(args) if args.load else Experiment(config_from_args(args))
    config = experiment.config
    before = experiment.predict()
    experiment.trainer.prepare()  # set-up, like building the model: not part of the training time
    bar, progress = _progress_bar(config.steps) if not args.json and sys.stderr.isatty() else (None, None)
    earlier = len(experiment.trainer.rows)  # a loaded model's history came back with it: not this run's
    wall = time.perf_counter()
    try:
        run_training(experiment, config.steps, progress)
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - wall
    after = experiment.predict()
    trainer = experiment.trainer
    history = trainer.history.iloc[earlier:]
    counts = experiment.model.parameter_count()
    if args.save:
        from rnnviz.files.checkpoint import save_checkpoint

        try:
            save_checkpoint(experiment, args.save)
        except OSError as error:
            raise InputError(f"Cannot write {args.save}: {error.strerror}.") from None
    return {
        "dataset": config.dataset, "cell": config.cell, "nonlinearity": config.nonlinearity,
        "hidden_size": config.hidden_size, "num_layers": config.num_layers, "optimizer": config.optimizer,
        "lr": config.lr, "seed": config.seed, "steps": trainer.step, "steps_this_run": len(history),
        "loaded": args.load,
        "first_loss": float(history.loss.iloc[0]) if len(history) else None,
        "final_loss": float(history.loss.iloc[-1]) if len(history) else None,
        "prefix": config.prefix, "prediction_before": before.text, "prediction": after.text,
        "device": str(experiment.device), "seconds": round(trainer.seconds, 4), "wall_seconds": round(wall, 4),
        "steps_per_second": round(len(history) / trainer.seconds, 2) if trainer.seconds else None,
        "parameters": counts.pytorch, "parameters_one_bias": counts.one_bias,
        "diverged": trainer.diverged, "saved": args.save,
    }


def _print_summary(result: dict) -> None:
    model = describe(result["cell"], result["hidden_size"], result["num_layers"], result.get("nonlinearity", "tanh"))
    print(f"{result['dataset']}: {model}, {result['parameters']:,} parameters, on {result['device']}")
    if result["first_loss"] is not None:
        print(f"trained {result['steps_this_run']} steps in {result['seconds']:.2f} s "
              f"({result['steps_per_second']} steps/s; now at step {result['steps']}); "
              f"loss {result['first_loss']:.4f} → {result['final_loss']:.4f}")
    if result["diverged"]:
        print(result["diverged"])
    before = f"as loaded from {_printable(result['loaded'])}" if result["loaded"] else "before training"
    print(f"{before}: {result['prediction_before']!r}")
    print(f"after training: {result['prediction']!r}")
    if result["saved"]:
        print(f"saved to {_printable(result['saved'])}")


def _printable(path: str) -> str:
    """A path as given, even with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            result = train_command(args)
            if args.json:
                print(json.dumps(result))
            else:
                _print_summary(result)
        else:
            from rnnviz.nn.bench import bench_command

            result = bench_command(args, config_from_args(args))
            print(json.dumps(result) if args.json else result["summary"])
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
