r"""Every option of every registered callback, loss, metric, optimizer and schedule has a comparison.

The registries are walked as they are when this runs, and each class's options are its
constructor's parameters (with those of the parents it hands ``**kwargs`` to). An option is
covered when some comparison case (the case tables of the test files against Keras, PyTorch and
Keras Tuner) builds the class with a value other than the default: the tables are loaded afresh
with every constructor recording what it was given. A new class or option that no case sets fails
here with its name; ``ALLOWED`` says, for each option left out, why."""
import functools
import importlib.util
import inspect
import os
import pathlib
import threading

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("keras")
pytest.importorskip("torch")

from neurona import callbacks, losses, metrics, optimizers, schedules  # noqa: E402

HERE = pathlib.Path(__file__).parent

#: (family, class name or "*", option) -> why no comparison case sets it
ALLOWED = {
    ("*", "*", "name"): "only the name the value is logged under; the log keys are compared with Keras's "
                        "in test_metrics_keras.py and test_losses_keras.py",
    ("metrics", "*", "dtype"): "Keras's signature; neurona's metrics count exactly and return Python floats",
    ("metrics", "CosineSimilarity", "axis"): "only the last axis; another is refused by name "
                                             "(test_metric_options.py)",
    ("callbacks", "*", "verbose"): "only what is printed, not what is done",
    ("callbacks", "ModelCheckpoint", "save_optimizer"): "what the file holds, not when it is written: "
                                                        "checked by test_saving.py's round trips",
    ("callbacks", "TensorBoard", "*"): "accepted and ignored (it writes nothing, and warns)",
    ("callbacks", "BackupAndRestore", "path"): "the file; resuming is checked bit for bit in test_resume_kill.py",
    ("callbacks", "BackupAndRestore", "backup_dir"): "where the state is kept (Keras's folder, or the file, as path); "
                                                     "its folder form is checked in test_callback_options.py",
    ("callbacks", "LearningRateScheduler", "schedule"): "the user's function; checked in test_model.py",
    ("callbacks", "SwapEMAWeights", "swap_on_epoch"): "compared with Keras through fit and evaluate in "
                                                      "test_callbacks_keras_breadth.py (its swap_on_epoch case)",
    ("losses", "*", "dtype"): "Keras's signature (Dice, Tversky), kept in the config; the loss is computed in "
                              "the dtype of y_pred",
    **{("optimizers", "*", option): "the moving averages are the base Optimizer's, one code for every rule: "
                                    "compared with Keras (use_ema, ema_momentum, ema_overwrite_frequency) "
                                    "through fit in test_callbacks_keras_breadth.py"
       for option in ("use_ema", "ema_momentum", "ema_overwrite_frequency")},
}


def family_classes():
    r"""family -> {class name: class}, from the registries (callbacks: the Callback classes exported)."""
    found = {"callbacks": {n: getattr(callbacks, n) for n in callbacks.__all__
                           if inspect.isclass(getattr(callbacks, n)) and issubclass(getattr(callbacks, n),
                                                                                    callbacks.Callback)}}
    for family, module in (("losses", losses), ("metrics", metrics), ("optimizers", optimizers),
                           ("schedules", schedules)):
        classes = {module.registry.lookup(n) for n in module.registry.names()}
        found[family] = {c.__name__: c for c in classes}
    if "TensorBoard" in dir(callbacks):
        found["callbacks"]["TensorBoard"] = callbacks.TensorBoard
    return found


def options(cls) -> dict:
    r"""option -> default, from the constructor and the parents it passes ``**kwargs`` on to."""
    found = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = list(inspect.signature(init).parameters.values())[1:]
        for p in parameters:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                found.setdefault(p.name, p.default)
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return found


_depth = threading.local()


def recording(cls, seen):
    r"""``cls.__init__`` that notes, for the outermost call, the options given other than their defaults."""
    init = cls.__init__
    defaults = options(cls)

    @functools.wraps(init)          # the signature stays the constructor's (the case tables read it)
    def wrapper(self, *args, **kwargs):
        outermost = getattr(_depth, "n", 0) == 0
        _depth.n = getattr(_depth, "n", 0) + 1
        try:
            if outermost:
                names = [n for n in inspect.signature(init).parameters][1:]
                given = {**dict(zip(names, args)), **kwargs}
                seen[type(self).__name__] |= {k for k, v in given.items() if not _is_default(v, defaults.get(k))}
            return init(self, *args, **kwargs)
        finally:
            _depth.n -= 1
    return wrapper


def _is_default(value, default):
    try:
        return value is default or (default is not inspect.Parameter.empty and bool(value == default))
    except (TypeError, ValueError):
        return False


def fresh(name):
    r"""A new copy of the test module ``name`` (its module-level tables built again)."""
    spec = importlib.util.spec_from_file_location(f"_coverage_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_cases():
    r"""Every comparison case's object of neurona, built once (the constructors are recording)."""
    from neurona import optimizers as o, schedules as s
    m = fresh("test_optimizers")
    [make() for make, _ in m.TORCH_PAIRS.values()]
    m = fresh("test_optimizers_keras")
    [make() for make, _ in m.TORCH.values()]
    [make(o) for make in m.KERAS.values()]
    [make(o) for make in fresh("test_optimizers_more").KERAS.values()]
    [build(s) for build, in fresh("test_schedules_keras").CASES.values()]
    [ours() for ours, _, _ in fresh("test_metrics_keras").CASES.values()]
    options_of_metrics = fresh("test_metric_options")
    [ours() for ours, _, _, _ in options_of_metrics.CASES.values()]
    [ours() for ours, _, _ in options_of_metrics.SKLEARN_CASES.values()]
    [getattr(o, name)(**settings) for name, _, settings in fresh("test_optimizer_options").CASES]
    for ours, _, arguments, _, _ in fresh("test_losses_keras").PAIRS.values():
        for reduction in fresh_losses.REDUCTIONS:
            ours(reduction=reduction, **arguments)
    overlap_focal = fresh("test_losses_overlap_focal")
    for ours, _, arguments, _, _ in overlap_focal.PAIRS.values():
        for reduction in overlap_focal.REDUCTIONS:
            ours(reduction=reduction, **arguments)
    [ours(**arguments) for ours, _, arguments, _ in fresh("test_metrics_keras_breadth").CASES.values()]
    [ours(**arguments) for ours, _, arguments, _, _ in fresh("test_metric_options_breadth").CASES.values()]
    [make(o) for make in fresh("test_optimizer_adafactor").KERAS.values()]


fresh_losses = None


def covered():
    r"""family -> class name -> the options some comparison case sets."""
    global fresh_losses
    classes = family_classes()
    seen = {family: {name: set() for name in names} for family, names in classes.items()}
    patch = pytest.MonkeyPatch()
    try:
        for family, names in classes.items():
            for name, cls in names.items():
                patch.setattr(cls, "__init__", recording(cls, seen[family]))
        fresh_losses = fresh("test_loss_options")
        build_cases()
    finally:
        patch.undo()
    for name, (_, _, grid) in fresh_losses.GRIDS.items():
        seen["losses"][name] |= {k for k, values in grid.items() if len(values) > 1} | {"reduction"}
    for name in fresh_losses.EPSILON_CASES:
        seen["losses"][name].add("epsilon")
    for name, refused in fresh_losses.REFUSED.items():
        seen["losses"][name] |= set(refused)
    for name, given in fresh("test_callback_options").CASES:
        seen["callbacks"][name] |= given
    return classes, seen


def allowed(family, name, option):
    return any(key in ALLOWED for key in ((family, name, option), (family, name, "*"), (family, "*", option),
                                          ("*", "*", option)))


def test_every_option_of_every_registered_piece_has_a_comparison():
    classes, seen = covered()
    missing = sorted(f"{family}.{name}({option}=)" for family, names in classes.items()
                     for name, cls in names.items() for option in options(cls)
                     if option not in seen[family][name] and not allowed(family, name, option))
    assert not missing, (f"{len(missing)} options have no comparison case (add one against Keras / PyTorch, "
                         f"or say in ALLOWED why not): {missing}")


def test_the_allowed_options_exist_and_say_why():
    classes = family_classes()
    for (family, name, option), reason in ALLOWED.items():
        assert len(reason) > 20
        if name != "*":
            assert name in classes[family], (family, name)
            if option != "*":
                assert option in options(classes[family][name]), (family, name, option)
