"""Command line: `python -m rnnviz train` and `python -m rnnviz bench`.

`train` builds the same Experiment the app builds and trains it through the
same path (bounded chunks of `Experiment.train`, with the trainer's default
instrumentation), so a lesson reproduced here is the lesson the app shows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .config import Caution, Config, defaults_for
from .datasets import dataset_names
from .errors import InputError
from .experiment import MODEL_SETTINGS, Experiment

# flag → Config field; None defaults mean "the dataset's lesson default".
TRAIN_FLAGS = {
    "cell": "cell", "nonlinearity": "nonlinearity", "hidden": "hidden_size", "layers": "num_layers",
    "lr": "lr", "optimizer": "optimizer", "batch_size": "batch_size", "seq_len": "seq_len", "clip": "clip",
    "steps": "steps", "seed": "seed", "device": "device", "prefix": "prefix", "predict": "predict_len",
    "temperature": "temperature", "lag": "lag", "embedding": "embedding_dim",
}
CHUNK_SECONDS = 0.2  # the same bounded chunk the app's training tick runs


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=dataset_names(),
                        help="which data to learn (default: counting, lesson L0)")
    parser.add_argument("--text-file", help="a UTF-8 text file to learn character by character (sets --dataset text)")
    parser.add_argument("--cell", choices=["rnn", "lstm", "gru"])
    parser.add_argument("--nonlinearity", choices=["tanh", "relu"], help="for the rnn cell")
    parser.add_argument("--hidden", type=int, help="hidden units per layer")
    parser.add_argument("--layers", type=int, help="stacked recurrent layers (1-4)")
    parser.add_argument("--embedding", type=int, help="embedding size (0: one-hot input, as the lessons)")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--optimizer", choices=["adam", "sgd"])
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--seq-len", type=int, help="time steps per training window")
    parser.add_argument("--clip", type=float, help="gradient-norm clipping threshold (0: off)")
    parser.add_argument("--steps", type=int, help="training steps")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--lag", type=int, help="delay for the memory tasks")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])


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
    """The lesson's defaults for the dataset, with the given flags applied; out of range is an error."""
    dataset = "text" if getattr(args, "text_file", None) else (args.dataset or "counting")
    base = defaults_for(dataset)
    values = given_values(args)
    if dataset == "text":
        values["text"] = _read_text_file(args.text_file)
    config, notices = Config.checked(base, **values)
    _refuse_changes(notices)
    return config


def _refuse_changes(notices: list[str]) -> None:
    """Out of range is an error on the command line; a caution (a learning rate above 1) is only printed."""
    for notice in notices:
        if isinstance(notice, Caution):
            print(f"note: {notice}", file=sys.stderr)
    refused = [notice for notice in notices if not isinstance(notice, Caution)]
    if refused:
        raise InputError(" ".join(refused))


def given_values(args) -> dict:
    """The Config fields set by flags on the command line (not the defaults)."""
    return {field: getattr(args, flag) for flag, field in TRAIN_FLAGS.items() if getattr(args, flag, None) is not None}


def loaded_experiment(args) -> Experiment:
    """Start from a saved model: its architecture is the file's; training flags apply on top.

    The data is the file's own unless --dataset or --text-file names other data (its
    vocabulary must then match the model's).
    """
    from .checkpoint import load_into_experiment

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
    config, notices = Config.checked(experiment.config, **{f: v for f, v in given.items() if f not in MODEL_SETTINGS})
    _refuse_changes(notices)
    experiment.update(config)
    return experiment


def _read_text_file(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path} is not UTF-8 text (first bad byte at offset {error.start}).") from None


def _progress(done: int, total: int, loss: float, stream) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} steps  loss {loss:.4f}")
    stream.flush()


def run_training(experiment: Experiment, steps: int, progress=None) -> None:
    """Train in the app's bounded chunks until `steps` more steps are done or training stops."""
    target = experiment.step + steps
    while experiment.step < target and not experiment.trainer.diverged:
        rows = experiment.train(target - experiment.step, max_seconds=CHUNK_SECONDS)
        if progress and rows:
            progress(steps - (target - experiment.step), steps, rows[-1]["loss"])


def train_command(args) -> dict:
    experiment = loaded_experiment(args) if args.load else Experiment(config_from_args(args))
    config = experiment.config
    before = experiment.predict()
    show_progress = not args.json and sys.stderr.isatty()
    progress = (lambda d, t, loss: _progress(d, t, loss, sys.stderr)) if show_progress else None
    experiment.trainer.prepare()  # set-up, like building the model: not part of the training time
    wall = time.perf_counter()
    run_training(experiment, config.steps, progress)
    wall = time.perf_counter() - wall
    if show_progress:
        sys.stderr.write("\n")
    after = experiment.predict()
    trainer = experiment.trainer
    history = trainer.history
    counts = experiment.model.parameter_count()
    if args.save:
        from .checkpoint import save_checkpoint

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
    print(f"{result['dataset']}: {result['cell']} × {result['num_layers']} layer(s), "
          f"{result['hidden_size']} hidden units, {result['parameters']:,} parameters, on {result['device']}")
    if result["first_loss"] is not None:
        print(f"trained {result['steps_this_run']} steps in {result['seconds']:.2f} s "
              f"({result['steps_per_second']} steps/s; now at step {result['steps']}); "
              f"loss {result['first_loss']:.4f} → {result['final_loss']:.4f}")
    if result["diverged"]:
        print(result["diverged"])
    before = f"as loaded from {result['loaded']}" if result["loaded"] else "before training"
    print(f"{before}: {result['prediction_before']!r}")
    print(f"after training: {result['prediction']!r}")
    if result["saved"]:
        print(f"saved to {result['saved']}")


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
            from .bench import bench_command

            result = bench_command(args, config_from_args(args))
            print(json.dumps(result) if args.json else result["summary"])
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
