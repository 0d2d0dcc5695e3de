r"""The ``neurona`` command.

    neurona train                          the default MLP on the bundled digits set
    neurona train examples/xor.toml        an experiment file (flags override its keys)
    neurona train --csv prices.csv --target price --layers none --epochs 200
    neurona evaluate model.safetensors --dataset digits --split test
    neurona predict model.safetensors inputs.csv -o predictions.csv
    neurona info model.safetensors
    neurona datasets
    neurona tune                           a small search on the bundled digits (under a minute)
    neurona tune experiment.toml --tuner bayesian --max-trials 20 --workers 2
    neurona playground                     the playground page in the browser (--port, --no-browser)

Exit codes: 0 success; 2 usage error (bad flag or TOML key, unknown dataset, missing or bad
file, conflicting flags: nothing is written); 1 failure while working, with a one-line reason on
stderr (``--debug`` shows the traceback).
"""
from __future__ import annotations

import contextlib
import os
import sys
import traceback

import click
import numpy as np

from .. import metrics, mlp, saving
from ..atomicfile import atomic_writer
from . import experiment, paths, sources
from .csvfile import read_csv, read_csv_chunks
from ..models.sequential import Sequential
from ..mlp import class_probabilities

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
    from ..datasets.download import DownloadError
    try:
        return work()
    except DownloadError:
        raise                   # the work itself failed (exit 1)
    except (experiment.SettingsError, sources.SourceError, saving.ModelFileError, paths.PathError,
            ValueError) as error:
        raise click.UsageError(str(error)) from None
    except OSError as error:
        raise click.UsageError(f"{error.filename}: {error.strerror}" if error.filename else str(error)) from None


# -- train --------------------------------------------------------------------------------------
def _train_options(function):
    r"""One option per setting of ``experiment.SCHEMA``: what it takes, its default and its TOML key."""
    choices = experiment.choices()
    for key in reversed([k for keys in experiment.SCHEMA.values() for k in keys]):
        kind, default = experiment.SCHEMA[experiment.SECTION_OF[key]][key]
        shown = experiment.DEFAULT_TEXT.get(key) or ("none" if default is None or default == [] else
                                                      "on" if default is True else "off" if default is False
                                                      else ",".join(map(str, default)) if isinstance(default, list)
                                                      else default)
        text = experiment.HELP[key]
        if key == "dataset":
            text += f" (one of {', '.join(sources.known_datasets())})"
        help_text = f"{text}. Default: {shown}. TOML: [{experiment.SECTION_OF[key]}] {key}."
        if kind is bool:
            option = click.option(f"{experiment.flag(key)}/--no-{key.replace('_', '-')}", key, default=None,
                                  help=help_text)
        else:
            types = {int: click.INT, float: click.FLOAT, str: click.STRING, list: click.STRING, tuple: click.STRING}
            # the allowed values shown as click shows a Choice; checked by experiment.check, whose
            # errors suggest the closest name
            kind_type = types[kind]
            metavar = f"[{'|'.join(choices[key])}]" if key in choices else {
                "layers": "SIZES", "filters": "SIZES", "drop": "COLUMNS"}.get(key)
            if metavar is None and key in ("csv", "out", "checkpoint"):
                metavar = "FILE"
            elif metavar is None and key in ("data_path", "plots"):
                metavar = "DIR"
            option = click.option(experiment.flag(key), key, type=kind_type, default=None, help=help_text,
                                  metavar=metavar)
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
    for key in ("layers", "filters"):
        if flags[key] is not None:
            flags[key] = usage(lambda: experiment.parse_layers(flags[key], key))
    settings = usage(lambda: experiment.merge(experiment.read_toml(config) if config else {}, flags))
    out, checkpoint = usage(lambda: _train_paths(config, settings))
    plot = _plot_module() if settings["plots"] else None
    say = print if settings["verbose"] else (lambda *args, **kwargs: None)
    say(f"Reading {settings['csv'] or 'dataset ' + settings['dataset']} ...", flush=True)
    source = usage(lambda: sources.load_source(settings["dataset"], settings["csv"], settings["target"],
                                               settings["data_path"], settings["task"], settings["seed"],
                                               drop=settings["drop"], fill=settings["fill"]))
    x_train, x_test, y_train, y_test = usage(lambda: sources.split(source, settings["test_size"], settings["seed"]))
    usage(lambda: experiment.check_validation_split(settings["validation_split"], len(x_train)))
    scale = experiment.scale_wanted(settings)
    if scale:
        features = f"{x_train.shape[1]} feature{'s' if x_train.shape[1] != 1 else ''}"
        say(f"Standardising {features} with the mean and std of the {len(x_train)} training samples ...", flush=True)
    x_train, x_test, scaler = experiment.prepare(x_train, x_test, scale)
    target_scaling = experiment.TargetScaling(y_train) if experiment.scale_target(settings, source) else None
    if target_scaling is not None:
        y_train = target_scaling.transform(y_train)
        say(f"Standardising the target {source.target!r} (mean {target_scaling.mean:.4g}, std "
            f"{target_scaling.std:.4g}): the epochs' losses are of the standardised target; the saved model and "
            f"the test metrics are in its units.", flush=True)
    model = usage(lambda: experiment.build_model(settings, source, x_train.shape[1]))
    _describe(source, settings, len(x_train), len(x_test))
    model.summary()
    try:
        experiment.fit_model(model, settings, x_train, y_train, checkpoint, settings["resume"])
    except saving.ModelFileError as error:          # --resume with a checkpoint of another model
        raise click.UsageError(f"cannot resume: {error}") from None
    if model.stop_reason:
        if os.path.exists(checkpoint):
            os.unlink(checkpoint)           # ours (checked before training); resuming would diverge again
        raise Failure(f"training failed: {model.stop_reason}")
    if target_scaling is not None:
        target_scaling.fold_into(model)
    warning = experiment.barely_moved(model.history, settings)
    if warning:
        print(f"neurona: warning: {warning}", file=sys.stderr)
    result, matrix = _report(model, source, x_test, y_test)
    model.metadata = _metadata(source, settings, scaler)
    model.save(out)                         # the model first: a plot that fails cannot lose it
    if os.path.exists(checkpoint):
        os.unlink(checkpoint)
    if plot is not None:
        try:
            _write_plots(plot, settings["plots"], model, source, matrix)
        except Exception as error:
            raise Failure(f"saved the model to {out}, but writing the plots to {settings['plots']} "
                          f"failed: {error}") from None
    print(f"Saved the model to {out}" + (f" and plots to {settings['plots']}" if plot else ""))
    return result


PLOT_FILES = ("learning_curves.png", "confusion_matrix.png")


def _train_paths(config, settings) -> tuple[str, str]:
    r"""(out, checkpoint), once every output is known to be safe to write (see ``paths``); an
    existing checkpoint must be a neurona model file (it is resumed or replaced, never another
    file)."""
    out = settings["out"]
    checkpoint = settings["checkpoint"] or os.path.splitext(out)[0] + ".ckpt.safetensors"
    paths.check_paths(
        inputs={"experiment": config, "--csv": settings["csv"],
                "--data-path": paths.directory_files(settings["data_path"])},
        outputs={"--out": out, "--checkpoint": checkpoint},
        directories={"--plots": (settings["plots"], PLOT_FILES)})
    if os.path.lexists(checkpoint) and not saving.is_model_file(checkpoint):
        raise paths.PathError(f"--checkpoint {checkpoint!r} exists and is not a neurona checkpoint; it is "
                              f"left alone. Move it, or give another --checkpoint path.")
    return out, checkpoint


def _describe(source, settings, n_train, n_test):
    shape = f"{len(source.classes)} classes" if source.classes else f"regression of {source.target!r}"
    test = " (test = the training samples)" if source.test is None and settings["test_size"] == 0 else ""
    print(f"{source.description}: {n_train} train / {n_test} test samples{test}, {len(source.features)} "
          f"features, {shape}")
    if settings["csv"] is not None and settings["target"] is None:
        print(f"Target: column {source.target!r}, the last one (--target NAME takes another).")


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
                      "pip install matplotlib (or pip install \".[plot]\" in neurona's checkout).") from None
    return plot


# -- reporting ----------------------------------------------------------------------------------
def _report(model, source, x_test, y_test, split="test"):
    r"""Print the loss and metrics on (x_test, y_test), named by ``split``; for classes also the
    confusion matrix and the report. Returns (metrics, confusion matrix or None)."""
    result = model.evaluate(x_test, y_test, return_dict=True)
    if split == "test":
        shown = " - ".join(f"test {k}: {v:.4f}" for k, v in result.items() if k != "loss")
        print(f"Test loss: {result['loss']:.4f}" + (f" - {shown}" if shown else ""))
    else:
        text = " - ".join(f"{k} on {split} samples: {v:.4f}" for k, v in result.items())
        print(text[0].upper() + text[1:])
    if source.task != "classification":
        return result, None
    predicted = class_probabilities(model.predict(x_test)).argmax(axis=1)
    matrix = confusion_matrix(y_test, predicted, len(source.classes))
    print(_confusion_table(matrix, source.classes))
    print(metrics.classification_report(y_test, predicted, labels=list(range(len(source.classes))),
                                        target_names=source.classes, zero_division=0))
    return result, matrix


def _write_plots(plot, directory, model, source, matrix):
    os.makedirs(directory, exist_ok=True)
    plot.learning_curves(model.history, path=os.path.join(directory, PLOT_FILES[0]))
    if matrix is not None:
        plot.confusion_matrix(matrix, labels=source.classes, path=os.path.join(directory, PLOT_FILES[1]))


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


# -- tune ---------------------------------------------------------------------------------------
TUNERS = ("random", "grid", "bayesian", "hyperband", "optuna")


@cli.command("tune")
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@click.option("--tuner", "tuner_name", type=click.Choice(TUNERS), default="random", show_default=True,
              help="the search algorithm")
@click.option("--max-trials", type=click.IntRange(min=1), default=10, show_default=True,
              help="trials to run (hyperband: its brackets decide, this caps them)")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="run trials in N local processes")
@click.option("--scheduler", default=None, help="a Dask scheduler's address, e.g. tcp://host:8786")
@click.option("--directory", default="tune_runs", show_default=True, help="where the trials are kept")
@click.option("--project-name", default=None, help="the search's folder in --directory (default: the file's name)")
@click.option("--overwrite", is_flag=True, help="start afresh instead of continuing a search found there")
@click.option("--objective", default=None, help="the value to optimise (default: val_accuracy or val_loss)")
@click.option("--out", default=None, help="where the best model goes (default: [output] out)")
@debug_option
def tune_command(config, tuner_name, max_trials, workers, scheduler, directory, project_name, overwrite, objective,
                 out):
    r"""Search hyperparameters: the [search] table of CONFIG over the settings of `neurona train`.

    Prints a table of the trials while it runs, then the results; the best model is saved (as by
    `neurona train`). Running it again continues the search (finished trials are kept)."""
    from . import search
    from .. import tune

    document = usage(lambda: experiment.load_document(config)) if config else {}
    table = document.pop("search", None) if config else search.DEFAULT_SEARCH
    if table is None:
        raise click.UsageError(f"{config} has no [search] table: add one, e.g. [search] units = {{int = [16, 128]}}.")
    space = usage(lambda: search.parse_search(table))
    usage(lambda: search.check_searchable(space))
    # with no file, 10 epochs a trial keep the default search of the digits under a minute
    settings = usage(lambda: experiment.merge(experiment.settings_from(document, config) if config else {"epochs": 10},
                                              {"out": out}))
    if settings["model"] != "mlp":
        raise click.UsageError(f"neurona tune searches the MLP's settings; [model] model = {settings['model']!r} "
                               f"is trained by `neurona train` (its search is not there yet).")
    if workers and scheduler:
        raise click.UsageError("conflicting options: --workers and --scheduler; give one place to run the trials.")
    source = usage(lambda: sources.load_source(settings["dataset"], settings["csv"], settings["target"],
                                               settings["data_path"], settings["task"], settings["seed"]))
    x_train, x_test, y_train, y_test = usage(lambda: sources.split(source, settings["test_size"], settings["seed"]))
    if not settings["validation_split"]:
        raise click.UsageError("neurona tune scores trials on validation data: --validation-split "
                               "([fit] validation_split) must be > 0.")
    usage(lambda: experiment.check_validation_split(settings["validation_split"], len(x_train)))
    out_path = settings["out"]
    usage(lambda: paths.check_paths(
        inputs={"experiment": config, "--csv": settings["csv"],
                "--data-path": paths.directory_files(settings["data_path"])},
        outputs={"--out": out_path}))
    x_train, x_test, scaler = experiment.prepare(x_train, x_test, settings["scale"])
    order = np.random.default_rng(settings["seed"]).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]
    if source.task == "classification":
        units, activation, loss = mlp.output_for("classification", len(source.classes))
        metric_names, objective = ["accuracy"], objective or "val_accuracy"
    else:
        units, activation, loss = mlp.output_for("regression")
        metric_names, objective = ["mae"], objective or "val_loss"
    hypermodel = search.ExperimentHyperModel(settings, space, x_train.shape[1], units, activation, loss, metric_names)
    executor = _executor(workers, scheduler)
    name = project_name or (os.path.splitext(os.path.basename(config))[0] if config else "digits")
    kinds = {"random": tune.RandomSearch, "grid": tune.GridSearch, "bayesian": tune.BayesianOptimization,
             "hyperband": tune.Hyperband, "optuna": tune.OptunaSearch}
    options = {"max_epochs": settings["epochs"], "max_trials": max_trials} if tuner_name == "hyperband" else {
        "max_trials": max_trials}
    try:
        tuner = usage(lambda: kinds[tuner_name](hypermodel, objective=objective, directory=directory,
                                                project_name=name, overwrite=overwrite, executor=executor,
                                                seed=settings["seed"], **options))
    except tune.SearchLocked as error:
        raise Failure(str(error)) from None
    _describe(source, settings, len(x_train), len(x_test))
    print(f"Searching {', '.join(hp.name for hp in space)} with {tuner_name} ({max_trials} trials at most), "
          f"objective {tuner.oracle.objective.name} ({tuner.oracle.objective.direction}); trials in "
          f"{tuner.storage.path}")
    try:
        with _live_trials(tuner) as show:
            tuner.on_trial_end = show
            tuner.search(x_train, y_train, epochs=settings["epochs"], batch_size=settings["batch_size"],
                         validation_split=settings["validation_split"], verbose=0)
    except (tune.SearchStopped, tune.SearchLocked, tune.SearchDirectoryError) as error:
        raise Failure(str(error)) from None
    best_trials = tuner.oracle.get_best_trials(1)
    if not best_trials:
        failed = [t for t in tuner.oracle.trials.values() if t.message]
        last = f"; the last, trial {failed[-1].trial_id}, with: {failed[-1].message}" if failed else ""
        raise Failure(f"no trial finished with a score{last}")
    print(_results_table(tuner))
    model = tuner.get_best_models(1)[0]
    result = _report(model, source, x_test, y_test)
    model.metadata = _metadata(source, settings, scaler)
    model.save(out_path)
    print(f"Best trial {best_trials[0].trial_id}: {tuner.oracle.objective.name} = {best_trials[0].score:.4f}; "
          f"saved its model to {out_path}")
    return result


def _executor(workers, scheduler):
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise Failure('--scheduler needs dask.distributed: pip install "dask[distributed]" '
                          '(or pip install ".[dask]" in neurona\'s checkout).') from None
        try:
            return Client(scheduler, timeout=10)
        except (OSError, TimeoutError) as error:
            raise Failure(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    return workers


def _trial_row(trial):
    score = "" if trial.score is None else f"{trial.score:.4f}"
    values = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in trial.values.items() if v is not None and not k.startswith("tuner/"))
    return [trial.trial_id, trial.status, score, "" if trial.best_epoch is None else str(trial.best_epoch),
            f"{trial.seconds or 0:.1f}", values]


def _trials_table(tuner, title):
    from rich.table import Table
    table = Table(title=title)
    for column in ("trial", "status", tuner.oracle.objective.name, "best epoch", "seconds", "hyperparameters"):
        table.add_column(column, overflow="fold")       # a narrow terminal wraps a value, never cuts it
    for trial in tuner.oracle.trials.values():
        table.add_row(*_trial_row(trial))
    return table


class _live_trials:
    r"""A rich live table of the trials, redrawn as each one ends (plain lines when not a terminal)."""

    def __init__(self, tuner):
        self.tuner = tuner

    def __enter__(self):
        from rich.console import Console
        from rich.live import Live
        console = Console()
        self.live = Live(_trials_table(self.tuner, "Trials"), console=console, auto_refresh=False) \
            if console.is_terminal else None
        if self.live is not None:
            self.live.__enter__()
        return self.show

    def show(self, trial):
        failure = _failure(trial)
        if self.live is not None:
            if failure:
                self.live.console.print(failure, markup=False, highlight=False)
            self.live.update(_trials_table(self.tuner, "Trials"), refresh=True)
        else:
            print("  ".join(_trial_row(trial)), flush=True)
            if failure:
                print(failure, flush=True)

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)
        return False


def _failure(trial) -> str | None:
    r"""Why a trial failed or has no score (its error), None for a scored one."""
    if trial.status not in ("FAILED", "INVALID") or not trial.message:
        return None
    return f"  trial {trial.trial_id} {trial.status.lower()}: {trial.message}"


def _results_table(tuner) -> str:
    r"""The trials as text: as wide as the terminal, or 140 columns in a pipe or a file."""
    from rich.console import Console
    screen = Console()
    console = Console(width=screen.width if screen.is_terminal else 140, record=True, file=open(os.devnull, "w"))
    console.print(_trials_table(tuner, "Results"))
    return console.export_text()


# -- using a saved model ------------------------------------------------------------------------
def _load(path, compile: bool = True) -> Sequential:
    model = usage(lambda: saving.load_model(sources.check_file(path, "MODEL"), compile=compile))
    if not model.metadata.get("features"):
        raise click.UsageError(f"{path} holds no description of its inputs (features, scaling); it was "
                               f"not written by `neurona train`. Use neurona.load_model in Python.")
    return model


def _scaled(model, x):
    scaler = sources.scaler_from_dict(model.metadata.get("scaler"))
    return x if scaler is None else scaler.transform(x)


def _model_inputs(model, table, path):
    r"""The CSV table's features as the model takes them (scaled as in training), checked to
    fit the model's dtype: a finite 1e300 becomes inf in a float32 model and predicts NaN."""
    x = _scaled(model, table.x)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(x) | (np.abs(x) > np.finfo(model.dtype).max)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        scaled = "" if x is table.x else f" ({x[row, column]:g} once scaled as in training)"
        raise sources.SourceError(
            f"{path}: line {table.lines[row]}, column {table.features[column]!r}: {table.x[row, column]:g}{scaled} "
            f"is too large for the model's {model.dtype.name} inputs (largest {np.finfo(model.dtype).max:.3g}); "
            f"{int(bad.sum())} value(s) in all.")
    return x


@cli.command()
@click.argument("model_path", metavar="MODEL")
@click.option("--dataset", help="a known dataset (see `neurona datasets`)")
@click.option("--csv", "csv_path", help="a CSV file with the model's feature columns and its target column")
@click.option("--target", help="the target column of --csv (default: the one the model was trained on)")
@click.option("--data-path", help="directory of the IDX files (mnist, fashion_mnist)")
@click.option("--split", type=click.Choice(["test", "all"]), default=None,
              help="test: the samples `neurona train` held out (its split, saved in the model); all: every "
                   "sample. Default: test on the data the model was trained on (unless it was trained with "
                   "--test-size 0), all on other data.")
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
    saved = meta.get("split") or {}
    test_size, seed = saved.get("test_size", 0.2), saved.get("seed", 0)
    if split is None:               # the held-out part, if this is the data the model was trained on
        trained_on = meta.get("source") == source.description
        split = "test" if source.test is not None or (trained_on and test_size > 0) else "all"
    if split == "test":
        _, x, _, y = usage(lambda: sources.split(source, test_size, seed))
        how = ("the dataset's own test set" if source.test is not None else
               f"the {test_size:g} held out by `neurona train`, seed {seed}")
    else:
        x, y = source.x, source.y
        if source.test is not None:
            x, y = np.concatenate([x, source.test[0]]), np.concatenate([y, source.test[1]])
        how = "every sample"
    print(f"{source.description}: {len(x)} samples ({split} split: {how})")
    return usage(lambda: _report(model, source, _scaled(model, x), y, split))[0]


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


#: what -o takes for standard output (written as the rows are predicted)
STDOUT = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


@cli.command()
@click.argument("model_path", metavar="MODEL")
@click.argument("input_path", metavar="INPUT.csv")
@click.option("-o", "--output", help="write the predictions to this CSV file (default, or - or /dev/stdout: print "
                                     "them)")
@debug_option
def predict(model_path, input_path, output):
    r"""Predict the rows of INPUT.csv (the model's feature columns; other columns are ignored):
    class probabilities and the predicted class, or the predicted value. The file is read and
    predicted a bounded number of rows at a time, its header and first rows checked first."""
    output = None if output in STDOUT else output
    usage(lambda: paths.check_paths(inputs={"MODEL": model_path, "INPUT.csv": input_path},
                                    outputs={"--output": output}))
    model = _load(model_path, compile=False)           # no loss or metric is needed (nor a custom one asked for)
    meta = model.metadata
    chunks = read_csv_chunks(usage(lambda: sources.check_file(input_path, "INPUT.csv")), meta["features"])
    with contextlib.closing(chunks):
        table = usage(lambda: next(chunks))         # the header and the first rows, before anything is written
        if meta["task"] == "classification":
            header = [f"p_{c}" for c in meta["classes"]] + ["class"]
        else:
            header = [meta.get("target") or "prediction"]
        count = 0
        with (contextlib.nullcontext() if output is None else atomic_writer(output)) as file:
            def write(text):
                if file is None:
                    click.echo(text, nl=False)
                else:
                    file.write(text.encode())
            write(",".join(_csv_cell(c) for c in header) + "\n")
            while table is not None:
                write(_predictions(model, table, input_path))
                count += len(table.x)
                table = usage(lambda: next(chunks, None))
    if output is not None:
        print(f"Wrote {count} predictions to {output}")


def _predictions(model, table, path) -> str:
    r"""The CSV lines of the model's predictions for ``table``'s rows."""
    meta = model.metadata
    outputs = model.predict(usage(lambda: _model_inputs(model, table, path)), verbose=0)
    number = "{:.6g}".format
    if meta["task"] == "classification":
        outputs = class_probabilities(outputs)
        names = [_csv_cell(c) for c in meta["classes"]]
        return "".join(f"{','.join(map(number, row))},{names[k]}\n"
                       for row, k in zip(outputs.tolist(), np.argmax(outputs, axis=1).tolist()))
    return "".join(",".join(map(number, row)) + "\n" for row in outputs.tolist())


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
              f"Metrics: {', '.join(name for name, _ in model.named_metrics) or 'none'}")
    meta = model.metadata
    if meta.get("features"):
        target = f"classes {', '.join(meta['classes'])}" if meta.get("classes") else f"target {meta.get('target')!r}"
        print(f"Trained on: {meta.get('source')}, {len(meta['features'])} features, {target}")
        features = meta["features"]
        shown = ", ".join(features) if len(features) <= 20 else f"{', '.join(features[:10])}, ... {features[-1]}"
        print(f"Input columns ({len(features)}): {shown}")
        what = f"{len(meta['classes'])} classes" if meta.get("classes") else "a value"
        print(f"Target column: {meta.get('target')!r} ({meta.get('task')}, {what})"
              + ("; inputs are standardised by the saved scaler" if meta.get("scaler") else ""))
    print(f"Epochs trained: {model.epoch}")
    history = model.history.history if model.history is not None else {}
    for key, values in history.items():
        finite = [v for v in values if np.isfinite(v)]
        if finite:
            direction = metrics.direction(key, model.metrics)
            best = "" if direction is None else f", best {(min if direction == 'min' else max)(finite):.4f}"
            print(f"  {key}: first {values[0]:.4f}, last {values[-1]:.4f}{best}")


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
        raise click.UsageError(f"the playground needs {error.name}: pip install starlette uvicorn (or pip install "
                               f"\".[playground]\" in neurona's checkout)") from None
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
