r"""Export a page's experiment: a Python script that trains the same network on the same data with
the same seed and prints, epoch for epoch, the losses the page showed (the same engine, so the
same numbers, bit for bit), and the nearest TOML experiment for ``neurona train``.

The script replays what the page did: the data, the split, the input features, ``build_mlp`` and
``compile`` with the page's values, one ``fit`` epoch at a time, and the changes made while it
trained (learning rate, regularization rate, batch size, edited weights) at the epochs they were
made.
"""
from __future__ import annotations

import numpy as np

from .experiment import Experiment, seed_number
from .settings import FEATURES, MULTICLASS_SETS

CLI_DATASETS = ("circle", "xor", "gauss", "spiral")


def _array(values: np.ndarray) -> str:
    return "np.array(" + repr(values.tolist()) + ")"


def _data_lines(experiment: Experiment) -> list[str]:
    s = experiment.settings
    if experiment.uses_user_data:
        x, y, _ = experiment.user_data
        return [f"# the page's own data ({len(y)} points, features as the page scaled them)",
                f"x = {_array(x)}",
                f"y = {_array(y)}",
                f"order = np.random.default_rng({seed_number(s['seed'])}).permutation(len(y))",
                "x, y = x[order], y[order]"]
    name = experiment.dataset
    maker = "make_" + name.replace("reg-", "reg_")
    extra = f", n_classes={s['numClasses']}" if name in MULTICLASS_SETS else ""
    return [f"# {name}: noise {s['noise']} %, the page's seed {s['seed']!r}",
            f"x, y = nr.datasets.{maker}({len(experiment.y_all)}, {s['noise'] / 100!r}, "
            f"seed={seed_number(s['seed'])}{extra})"]


def _target_line(experiment: Experiment) -> str:
    if experiment.problem == "regression":
        return "    return y.astype(np.float64)"
    if experiment.n_classes == 2:
        return ("    return y.astype(np.float64)" if experiment.cross_entropy
                else "    return 2.0 * y - 1.0                 # the tanh output's classes: -1 and +1")
    return ("    return y" if experiment.cross_entropy
            else f"    return np.eye({experiment.n_classes})[y]     # one-hot rows for the softmax")


def _event_lines(key: str, value, regularizer: str) -> list[str]:
    if key == "learningRate":
        return [f"model.optimizer.learning_rate = {value!r}"]
    if key == "batchSize":
        return [f"batch_size = {value!r}"]
    if key == "regularizationRate":
        return ["for layer in dense:",
                "    if layer.kernel_regularizer is not None:",
                f"        layer.kernel_regularizer.{regularizer} = {value!r}"]
    layer, unit, source, number = value
    target = f"dense[{layer}].bias[{unit}]" if source is None else f"dense[{layer}].kernel[{source}, {unit}]"
    return [f"{target} = {number!r}          # edited on the page"]


def script(experiment: Experiment) -> str:
    r"""The Python script of the experiment as it stands (its epochs so far)."""
    s = experiment.settings
    spec = dict(experiment.spec)
    optimizer, loss = spec.pop("optimizer"), spec.pop("loss")
    keys = experiment.feature_keys
    n_train = len(experiment.y_train)
    by_epoch: dict[int, list[str]] = {}
    for epoch, key, value in experiment.events:
        by_epoch.setdefault(epoch, []).extend(_event_lines(key, value, s["regularization"].lower()))
    arguments = ",\n                  ".join(f"{k}={v!r}" for k, v in spec.items())
    out = [
        'r"""The neurona playground\'s experiment, as a script: the same data, network, seed and',
        "training, so the same losses, epoch for epoch, as the page showed.",
        "",
        "    python this_script.py      # prints: epoch, training loss, test loss",
        '"""',
        "import numpy as np",
        "",
        "import neurona as nr",
        "from neurona.mlp import build_mlp",
        "",
        *_data_lines(experiment),
        f"n_train = {n_train}                     # the first {s['percTrainData']} % train, the rest test",
        "x_train, x_test, y_train, y_test = x[:n_train], x[n_train:], y[:n_train], y[n_train:]",
        "",
        "",
        "def inputs(x):",
        f"    # {', '.join(FEATURES[k][0] for k in keys)}",
        "    return np.stack([" + ", ".join(FEATURES[k][1] for k in keys) + "], axis=1)",
        "",
        "",
        "def targets(y):",
        _target_line(experiment),
        "",
        "",
        f"model = build_mlp({arguments})",
        f"model.compile(optimizer=nr.optimizers.get({optimizer!r}),",
        f"              loss=nr.losses.get({loss!r}))",
        "dense = [layer for layer in model.layers if isinstance(layer, nr.layers.Dense)]",
        "inputs_train, inputs_test = inputs(x_train), inputs(x_test)",
        "targets_train, targets_test = targets(y_train), targets(y_test)",
        f"batch_size = {experiment.start_settings['batchSize']}",
        "",
        "",
        "def changes(epoch):",
        '    r"""What was changed on the page after ``epoch`` epochs."""',
        "    global batch_size",
    ]
    if by_epoch:
        for epoch in sorted(by_epoch):
            out.append(f"    if epoch == {epoch}:")
            out.extend("        " + line for line in by_epoch[epoch])
    else:
        out.append("    pass")
    out += [
        "",
        "",
        f"for epoch in range({experiment.epoch}):",
        "    changes(epoch)",
        "    model.fit(inputs_train, targets_train, epochs=1, batch_size=batch_size, initial_epoch=epoch, verbose=0)",
        '    train_loss = model.evaluate(inputs_train, targets_train, verbose=0, return_dict=True)["loss"]',
        '    test_loss = model.evaluate(inputs_test, targets_test, verbose=0, return_dict=True)["loss"]',
        '    print(epoch + 1, repr(float(train_loss)), repr(float(test_loss)))',
        f"changes({experiment.epoch})",
        '# model.save("playground.safetensors")     # the trained model, as the page\'s download gives it',
        "",
    ]
    return "\n".join(out)


def toml(experiment: Experiment) -> str | None:
    r"""The nearest ``neurona train`` experiment (None for sets the command does not generate).
    The command takes x1 and x2 as inputs, scales them and picks its own output layer and loss,
    so its numbers are its own; the script is the exact replay."""
    s = experiment.settings
    if experiment.uses_user_data or experiment.dataset not in CLI_DATASETS:
        return None
    spec = experiment.spec
    optimizer = {"momentum": "sgd"}.get(s["optimizer"], s["optimizer"])
    dropout = max(spec["dropout"], default=0.0)
    return "\n".join([
        "# The neurona playground's experiment for `neurona train` (x1, x2 as inputs; the command picks",
        "# its own output layer and loss). The exported Python script replays the page exactly.",
        "",
        "[data]",
        f'dataset = "{experiment.dataset}"',
        f"test_size = {1 - s['percTrainData'] / 100:.2f}",
        "",
        "[model]",
        f"layers = {list(spec['hidden'])}",
        f'activation = "{spec["activation"][0] if spec["activation"] else s["activation"]}"',
        f"dropout = {dropout}",
        "",
        "[compile]",
        f'optimizer = "{optimizer}"',
        f"learning_rate = {s['learningRate']}",
        "",
        "[fit]",
        f"epochs = {max(experiment.epoch, 1)}",
        f"batch_size = {s['batchSize']}",
        "validation_split = 0",
        f"seed = {seed_number(s['seed']) % 2**31}",
        "",
    ])
