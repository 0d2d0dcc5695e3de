r"""The ``neurona`` command.

    neurona train                          the default MLP on the bundled digits set
    neurona train examples/xor.toml        an experiment file (flags override its keys)
    neurona train --csv prices.csv --target price --layers none --epochs 200
    neurona evaluate model.safetensors --dataset digits --split test
    neurona predict model.safetensors inputs.csv -o predictions.csv
    neurona info model.safetensors
    neurona datasets
    neurona playground                     the playground page in the browser (--port, --no-browser)

Exit codes: 0 success; 2 usage error (bad flag or TOML key, unknown dataset, missing or bad
file, conflicting flags: nothing is written); 1 failure while working, with a one-line reason on
stderr (``--debug`` shows the traceback).
"""
from __future__ import annotations

import os
import sys
import traceback

import click
import numpy as np

from .. import metrics, saving
from . import experiment, sources
from .csvfile import read_csv
from ..model import Sequential

_debug = False


class Failure(Exception):
    r"""The work itself failed (exit code 1)."""


def _set_debug(ctx, param, value):
    global _debug
    _debug = _debug or value


debug_option = click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
                            help="Show the traceback of a failure.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neurona")
@debug_option
def cli():
    r"""Neural networks from first principles on NumPy: train, evaluate and use models."""


def usage(work):
    r"""Run ``work()``; the input errors it raises become usage errors (exit code 2)."""
    try:
        return work()
    except (experiment.SettingsError, sources.SourceError, saving.ModelFileError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    except OSError as error:
        raise click.UsageError(f"{error.filename}: {error.strerror}") from None


# -- train --------------------------------------------------------------------------------------
def _train_options(function):
    for key in reversed([k for keys in experiment.SCHEMA.values() for k in keys]):
        kind, default = experiment.SCHEMA[experiment.SECTION_OF[key]][key]
        help_text = f"[{experiment.SECTION_OF[key]}] {key} (default: {default})"
        if kind is bool:
            option = click.option(f"{experiment.flag(key)}/--no-{key.replace('_', '-')}", key, default=None,
                                  help=help_text)
        else:
            types = {int: int, float: float, str: str, list: str}
            option = click.option(experiment.flag(key), key, type=types[kind], default=None, help=help_text)
        function = option(function)
    return function


@cli.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@_train_options
@debug_option
def train(config, **flags):
    r"""Train a model and print its test metrics.

    CONFIG is an optional TOML experiment file; every key is also a flag, and flags win. With no
    arguments: a 64-32 ReLU MLP on the bundled digits set, saved to model.safetensors."""
    if flags["layers"] is not None:
        flags["layers"] = usage(lambda: experiment.parse_layers(flags["layers"]))
    settings = usage(lambda: experiment.merge(experiment.read_toml(config) if config else {}, flags))
    plot = _plot_module() if settings["plots"] else None
    source = usage(lambda: sources.load_source(settings["dataset"], settings["csv"], settings["target"],
                                               settings["data_path"], settings["task"], settings["seed"]))
    x_train, x_test, y_train, y_test = usage(lambda: sources.split(source, settings["test_size"], settings["seed"]))
    usage(lambda: experiment.check_validation_split(settings["validation_split"], len(x_train)))
    out, checkpoint = usage(lambda: _outputs(settings))
    x_train, x_test, scaler = experiment.prepare(x_train, x_test, settings["scale"])
    model = usage(lambda: experiment.build_model(settings, source, x_train.shape[1]))
    _describe(source, settings, len(x_train), len(x_test))
    model.summary()
    try:
        experiment.fit_model(model, settings, x_train, y_train, checkpoint, settings["resume"])
    except saving.ModelFileError as error:          # --resume with a checkpoint of another model
        raise click.UsageError(f"cannot resume: {error}") from None
    if model.stop_reason:
        if os.path.exists(checkpoint):
            os.unlink(checkpoint)           # resuming a diverged run would diverge again
        raise Failure(f"training failed: {model.stop_reason}")
    result = _report(model, source, x_test, y_test, plot, settings["plots"])
    model.metadata = _metadata(source, settings, scaler)
    model.save(out)
    if os.path.exists(checkpoint):
        os.unlink(checkpoint)
    print(f"Saved the model to {out}" + (f" and plots to {settings['plots']}" if plot else ""))
    return result


def _outputs(settings):
    out = settings["out"]
    for path in (out, settings["checkpoint"], settings["plots"]):
        if path is not None:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise experiment.SettingsError(f"cannot write {path!r}: the directory {parent!r} does not exist.")
    if os.path.isdir(out):
        raise experiment.SettingsError(f"--out {out!r} is a directory; give a file name such as model.safetensors.")
    checkpoint = settings["checkpoint"] or os.path.splitext(out)[0] + ".ckpt.safetensors"
    if os.path.abspath(checkpoint) == os.path.abspath(out):
        raise experiment.SettingsError(f"conflicting settings: --checkpoint and --out are the same file {out!r}.")
    return out, checkpoint


def _describe(source, settings, n_train, n_test):
    shape = f"{len(source.classes)} classes" if source.classes else f"regression of {source.target!r}"
    test = " (test = the training samples)" if source.test is None and settings["test_size"] == 0 else ""
    print(f"{source.description}: {n_train} train / {n_test} test samples{test}, {len(source.features)} "
          f"features, {shape}")


def _metadata(source, settings, scaler) -> dict:
    return {"task": source.task, "features": source.features, "target": source.target, "classes": source.classes,
            "scaler": sources.scaler_to_dict(scaler), "source": source.description,
            "split": {"test_size": settings["test_size"], "seed": settings["seed"]}}


def _plot_module():
    r"""neurona.plot, once matplotlib is known to import (checked before any training)."""
    try:
        import matplotlib  # noqa: F401  (the optional extra neurona[plot])
        from .. import plot
    except ImportError:
        raise Failure("--plots needs matplotlib, which is not installed: "
                      "pip install \"neurona[plot]\" (or pip install matplotlib).") from None
    return plot


# -- reporting ----------------------------------------------------------------------------------
def _report(model, source, x_test, y_test, plot=None, plots_dir=None) -> dict:
    result = model.evaluate(x_test, y_test)
    shown = " - ".join(f"test {k}: {v:.4f}" for k, v in result.items() if k != "loss")
    print(f"Test loss: {result['loss']:.4f}" + (f" - {shown}" if shown else ""))
    if plot is not None:
        os.makedirs(plots_dir, exist_ok=True)
        plot.learning_curves(model.history, path=os.path.join(plots_dir, "learning_curves.png"))
    if source.task != "classification":
        return result
    predicted = model.predict(x_test).argmax(axis=1)
    matrix = confusion_matrix(y_test, predicted, len(source.classes))
    print(_confusion_table(matrix, source.classes))
    print(metrics.classification_report(y_test, predicted, labels=list(range(len(source.classes))),
                                        target_names=source.classes, zero_division=0))
    if plot is not None:
        plot.confusion_matrix(matrix, labels=source.classes, path=os.path.join(plots_dir, "confusion_matrix.png"))
    return result


def confusion_matrix(y_true, y_pred, k) -> np.ndarray:
    r"""Counts C[i, j] of samples of class i predicted as j."""
    return metrics.confusion_matrix(y_true, y_pred, labels=list(range(k)))


def _confusion_table(matrix, classes) -> str:
    width = max(max(len(c) for c in classes), len(str(matrix.max()))) + 1
    lines = ["Confusion matrix (rows: true class, columns: predicted):",
             " " * width + "".join(c.rjust(width) for c in classes)]
    for name, row in zip(classes, matrix):
        lines.append(name.rjust(width) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)


# -- using a saved model ------------------------------------------------------------------------
def _load(path) -> Sequential:
    model = usage(lambda: saving.load_model(sources.check_file(path, "MODEL")))
    if not model.metadata.get("features"):
        raise click.UsageError(f"{path} holds no description of its inputs (features, scaling); it was "
                               f"not written by `neurona train`. Use neurona.load_model in Python.")
    return model


def _scaled(model, x):
    scaler = sources.scaler_from_dict(model.metadata.get("scaler"))
    return x if scaler is None else scaler.transform(x)


@cli.command()
@click.argument("model_path", metavar="MODEL")
@click.option("--dataset", help="a known dataset (see `neurona datasets`)")
@click.option("--csv", "csv_path", help="a CSV file with the model's feature columns and its target column")
@click.option("--target", help="the target column of --csv (default: the one the model was trained on)")
@click.option("--data-path", help="directory of the IDX files (mnist, fashion_mnist)")
@click.option("--split", type=click.Choice(["all", "test"]), default="all", show_default=True,
              help="all samples, or the test part of the split made by `neurona train`")
@debug_option
def evaluate(model_path, dataset, csv_path, target, data_path, split):
    r"""Print a saved model's loss and metrics on a dataset or a CSV file."""
    if (dataset is None) == (csv_path is None):
        raise click.UsageError("give one data source: --dataset NAME or --csv FILE.")
    if target is not None and csv_path is None:
        raise click.UsageError("conflicting options: --target names a column of --csv FILE.")
    model = _load(model_path)
    meta = model.metadata
    source = usage(lambda: _evaluation_source(model, dataset, csv_path, target, data_path))
    x, y = source.x, source.y
    if split == "test":
        saved = meta.get("split") or {}
        _, x, _, y = usage(lambda: sources.split(source, saved.get("test_size", 0.2), saved.get("seed", 0)))
    print(f"{source.description}: {len(x)} samples ({split})")
    return _report(model, source, _scaled(model, x), y)


def _evaluation_source(model, dataset, csv_path, target, data_path):
    meta = model.metadata
    if dataset is not None:
        seed = (meta.get("split") or {}).get("seed", 0)          # a generated set is drawn again
        source = sources.load_source(dataset=dataset, data_path=data_path, seed=seed)
        if source.classes != meta.get("classes"):
            raise sources.SourceError(f"dataset {dataset!r} has the classes {source.classes}; the model was "
                                      f"trained on {meta.get('classes')}.")
    else:
        table = read_csv(sources.check_file(csv_path, "--csv"), target=target or meta.get("target"),
                         features=meta["features"])
        y = table.target
        if meta["task"] == "classification":
            y = sources.encode_with(y, meta["classes"], table.target_name)
        elif y.dtype.kind != "f":
            raise sources.SourceError(f"column {table.target_name!r} must hold numbers for a regression model.")
        source = sources.Source(table.x, y, meta["task"], table.features, meta.get("classes"), table.target_name,
                                description=f"CSV {os.path.basename(csv_path)}")
    if source.x.shape[1] != model.input_dim:
        raise sources.SourceError(f"the data has {source.x.shape[1]} features; the model takes {model.input_dim}.")
    return source


@cli.command()
@click.argument("model_path", metavar="MODEL")
@click.argument("input_path", metavar="INPUT.csv")
@click.option("-o", "--output", help="write the predictions to this CSV file (default: print them)")
@debug_option
def predict(model_path, input_path, output):
    r"""Predict the rows of INPUT.csv (the model's feature columns; other columns are ignored):
    class probabilities and the predicted class, or the predicted value."""
    model = _load(model_path)
    meta = model.metadata
    if output is not None:
        usage(lambda: _outputs({"out": output, "checkpoint": None, "plots": None}))
    table = usage(lambda: read_csv(sources.check_file(input_path, "INPUT.csv"), features=meta["features"],
                                   target=meta.get("target"), require_target=False))
    outputs = model.predict(_scaled(model, table.x))
    if meta["task"] == "classification":
        classes = meta["classes"]
        header = [f"p_{c}" for c in classes] + ["class"]
        rows = [[f"{p:.6g}" for p in row] + [classes[int(np.argmax(row))]] for row in outputs]
    else:
        header = [meta.get("target") or "prediction"]
        rows = [[f"{v:.6g}" for v in row] for row in outputs]
    text = "\n".join(",".join(_csv_cell(c) for c in row) for row in [header, *rows]) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        saving.write_atomic(output, text.encode())
        print(f"Wrote {len(rows)} predictions to {output}")


def _csv_cell(text: str) -> str:
    return f'"{text.replace(chr(34), 2 * chr(34))}"' if any(c in text for c in ',"\n') else text


@cli.command()
@click.argument("model_path", metavar="MODEL")
@debug_option
def info(model_path):
    r"""Describe a saved model: architecture, parameters, training settings and history."""
    model = usage(lambda: saving.load_model(sources.check_file(model_path, "MODEL")))
    model.summary()
    if model.compiled:
        print(f"Optimizer: {model.optimizer!r}\nLoss: {model.loss!r}\n"
              f"Metrics: {', '.join(name for name, _ in model.metrics) or 'none'}")
    meta = model.metadata
    if meta.get("features"):
        target = f"classes {', '.join(meta['classes'])}" if meta.get("classes") else f"target {meta.get('target')!r}"
        print(f"Trained on: {meta.get('source')}, {len(meta['features'])} features, {target}")
    print(f"Epochs trained: {model.epoch}")
    history = model.history.history if model.history is not None else {}
    for key, values in history.items():
        finite = [v for v in values if np.isfinite(v)]
        if finite:
            best = min(finite) if "loss" in key or "error" in key or key in ("mse", "mae") else max(finite)
            print(f"  {key}: first {values[0]:.4f}, last {values[-1]:.4f}, best {best:.4f}")


@cli.command("datasets")
@debug_option
def list_datasets():
    r"""List the datasets that --dataset accepts."""
    from .. import datasets
    print("Bundled (no download):")
    for name in sorted(datasets.BUNDLED):
        x, _ = datasets.load(name)
        classes = datasets.class_names(name)
        print(f"  {name:<18} {x.shape[0]:>6} samples x {x.shape[1]:>3} features, {len(classes)} classes")
    print("Generated (the slides' toy sets and the playground's 2-D sets; --seed draws the random ones):")
    for name, recipe in sources.GENERATED.items():
        x, _ = recipe.make(0)
        kind = "regression" if recipe.classes is None else f"{len(recipe.classes)} classes"
        print(f"  {name:<18} {x.shape[0]:>6} samples x {x.shape[1]:>3} features, {kind}: {recipe.description}")
    print("Downloadable (cached after the first use; --data-path DIR reads local IDX files):")
    for name, description in sorted(datasets.DOWNLOADABLE.items()):
        print(f"  {name:<18} {description}")


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0: a free port")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on (other than the "
              "loopback: reachable from the network, with a warning)")
@click.option("--no-browser", is_flag=True, help="do not open the browser")
@debug_option
def playground(port, host, no_browser):
    r"""Open the neurona playground (TensorFlow Playground on neurona's engine) in the browser."""
    try:
        from .. import playground as page
        import starlette, uvicorn  # noqa: F401, E401 (the extra's packages)
    except ImportError as error:
        raise click.UsageError(f"the playground needs {error.name}: pip install \"neurona[playground]\"") from None
    usage(lambda: page.serve(host=host, port=port, open_browser=not no_browser))


# -- entry point --------------------------------------------------------------------------------
def main(argv=None) -> int:
    r"""Run the command; returns the exit code (0, 1 or 2)."""
    global _debug
    _debug = False
    try:
        cli.main(args=argv, prog_name="neurona", standalone_mode=False)
        return 0
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        print("neurona: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a failure of the work itself: one line, or the traceback with --debug
        if _debug:
            traceback.print_exc()
        else:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"neurona: error: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
