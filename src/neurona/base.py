r"""The scikit-learn conventions, kept without depending on scikit-learn.

An estimator stores its constructor arguments unchanged (``get_params`` / ``set_params``), checks
them in ``fit``, learns attributes whose names end in ``_`` (``coef_``, ``classes_``,
``n_features_in_``) and returns ``self`` from ``fit``. That is all ``clone``, ``cross_val_score``,
``GridSearchCV`` and ``Pipeline`` need; ``__sklearn_tags__`` imports scikit-learn only when
scikit-learn itself asks for the tags.

The input checks below raise the messages scikit-learn's own estimators raise, so tools that
recognise those messages (and ``check_estimator``) understand neurona's estimators too.
"""
from __future__ import annotations

import inspect
import numbers
import sys
import warnings

import numpy as np

from .validation import describe_nonfinite, one_seed


class NotFittedError(ValueError, AttributeError):
    r"""The estimator is used before ``fit``."""


class ConvergenceWarning(UserWarning):
    r"""Training stopped before the stopping rule was met (e.g. a perceptron on XOR)."""


class DataConversionWarning(UserWarning):
    r"""The data was converted to the form the estimator needs (e.g. a column y made 1-D)."""


def sklearn_flavoured(cls: type) -> type:
    r"""``cls``, or, once scikit-learn is loaded, a subclass of both ``cls`` and scikit-learn's
    class of the same name, so that scikit-learn's tools recognise neurona's errors and warnings
    (``except sklearn.exceptions.NotFittedError`` catches it) without neurona importing it."""
    module = sys.modules.get("sklearn.exceptions")
    theirs = getattr(module, cls.__name__, None)
    if theirs is None:
        return cls
    if cls.__name__ not in _FLAVOURED:
        _FLAVOURED[cls.__name__] = type(cls.__name__, (cls, theirs), {"__module__": cls.__module__,
                                                                      "__doc__": cls.__doc__})
    return _FLAVOURED[cls.__name__]


_FLAVOURED: dict[str, type] = {}


def warn(category: type, message: str, stacklevel: int = 2):
    warnings.warn(message, sklearn_flavoured(category), stacklevel=stacklevel + 1)


class BaseEstimator:
    r"""``get_params`` / ``set_params`` from the arguments of ``__init__``, each stored unchanged
    under its own name; ``__sklearn_tags__`` for scikit-learn."""

    _estimator_type: str | None = None

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(p.name for p in signature.parameters.values()
                      if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict:
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update({f"{name}__{k}": v for k, v in value.get_params().items()})
            params[name] = value
        return params

    def set_params(self, **params):
        valid = self._param_names()
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                                 f"Valid parameters are: {valid}.")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name)
            same = value is default or (type(value) is type(default) and _equal(value, default))
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags
        tags = Tags(estimator_type=self._estimator_type, target_tags=TargetTags(required=True),
                    input_tags=InputTags())
        if self._estimator_type == "classifier":
            tags.classifier_tags = ClassifierTags()
        elif self._estimator_type == "regressor":
            tags.regressor_tags = RegressorTags()
        self._adjust_tags(tags)
        return tags

    def _adjust_tags(self, tags):
        r"""Subclasses say what they support (multi-class, multi-output, ...)."""

    def _check_fitted(self):
        if not self.__sklearn_is_fitted__():
            raise sklearn_flavoured(NotFittedError)(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                                 f"with appropriate arguments before using this estimator.")


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:       # arrays and the like: compare by identity only
        return False


class ClassifierMixin:
    r"""``score`` = accuracy: the fraction of samples whose predicted class is the true one."""

    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None) -> float:
        y_true, y_pred = np.asarray(y), self.predict(X)
        hits = np.all(y_true == y_pred, axis=1) if y_pred.ndim == 2 else (y_true.ravel() == y_pred)
        return float(np.average(hits, weights=sample_weight))


class RegressorMixin:
    r"""``score`` = R^2 = 1 - sum (y - y_hat)^2 / sum (y - mean(y))^2 (averaged over outputs)."""

    _estimator_type = "regressor"

    def score(self, X, y, sample_weight=None) -> float:
        y_pred = self.predict(X)
        y_true = np.asarray(y, dtype=np.float64).reshape(y_pred.shape)
        weights = np.ones(y_true.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        mean = np.average(y_true, axis=0, weights=weights)
        residual = np.sum(weights[:, None] * (y_true - y_pred).reshape(len(weights), -1) ** 2, axis=0)
        total = np.sum(weights[:, None] * (y_true - mean).reshape(len(weights), -1) ** 2, axis=0)
        r2 = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), np.where(residual > 0, 0.0, 1.0))
        return float(np.mean(r2))


# -- input checks -----------------------------------------------------------------------------

def check_random_state(owner: str, random_state, seed=None):
    r"""``random_state`` (scikit-learn's name) or ``seed`` (neurona's: the same thing, give one) as
    a seed for ``numpy.random.default_rng``: None, an integer or a Generator; a legacy
    ``RandomState`` (which scikit-learn's tools may hand over) draws one."""
    random_state = one_seed(owner, seed, random_state)
    if random_state is None or isinstance(random_state, np.random.Generator) or (
            isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2 ** 31))
    raise TypeError(f"The 'random_state' argument of {owner} must be None, an integer or a "
                    f"numpy.random.Generator; got {random_state!r}.")


def check_flag(owner: str, name: str, value):
    r"""Raise unless ``value`` is True or False (a truthy string such as "no" would read as True)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The {name!r} argument of {owner} must be True or False; got {value!r} "
                        f"({type(value).__name__}).")


def _is_sparse(data) -> bool:
    return hasattr(data, "tocsr") and hasattr(data, "nnz")


def check_X(owner: str, X, dtype=np.float64, n_features: int | None = None) -> np.ndarray:
    r"""``X`` as a 2-D C-contiguous float array of shape (samples, features), else a clear error.

    ``n_features``: the width seen at fit (None at fit itself).
    """
    if X is None:
        raise ValueError(f"{owner} needs X, an array of shape (samples, features); got None.")
    if _is_sparse(X):
        raise TypeError(f"{owner} does not take sparse input (X is a {type(X).__name__}); convert it "
                        f"with X.toarray() first.")
    try:
        array = np.asarray(X)
    except Exception as error:
        raise TypeError(f"X must be array-like of numbers; could not convert it: {error}") from None
    if np.iscomplexobj(array):
        raise ValueError("Complex data not supported: X must hold real numbers.")
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"X must hold numbers; {error}") from None
    elif not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"X must hold numbers; got an array of dtype {array.dtype}.")
    if array.ndim != 2:
        hint = (" Reshape your data either using array.reshape(-1, 1) if your data has a single "
                "feature or array.reshape(1, -1) if it contains a single sample.") if array.ndim < 2 else ""
        raise ValueError(f"Expected 2D array for X, got {array.ndim}D array instead (shape {array.shape}).{hint}")
    if array.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is required by {owner}.")
    if array.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 is required by {owner}.")
    problem = describe_nonfinite("X", array)
    if problem:
        raise ValueError(problem)
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(f"X has {array.shape[1]} features, but {owner} is expecting {n_features} "
                         f"features as input (the width seen at fit).")
    return np.ascontiguousarray(array, dtype=dtype)


def check_y(owner: str, y, n_samples: int) -> np.ndarray:
    r"""``y`` as an array with one row per sample, else a clear error."""
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None.")
    if _is_sparse(y):
        raise TypeError(f"{owner} does not take a sparse y; convert it with y.toarray() first.")
    try:
        array = np.asarray(y)
    except Exception as error:
        raise TypeError(f"y must be array-like; could not convert it: {error}") from None
    if np.iscomplexobj(array):
        raise ValueError("Complex data not supported: y must hold real numbers or class labels.")
    if array.ndim == 0 or array.ndim > 2:
        raise ValueError(f"y should be a 1d array (one target per sample) or 2-D (samples, outputs); "
                         f"got shape {array.shape}.")
    if array.shape[0] != n_samples:
        raise ValueError(f"X and y have inconsistent numbers of samples: {n_samples} and {array.shape[0]}.")
    return array


def column_to_1d(y: np.ndarray) -> np.ndarray:
    r"""A column vector y of shape (n, 1) made 1-D, with the warning scikit-learn gives."""
    if y.ndim == 2 and y.shape[1] == 1:
        warn(DataConversionWarning, "A column-vector y was passed when a 1d array was expected. Please change "
             "the shape of y to (n_samples,), for example using ravel().", stacklevel=3)
        return y.ravel()
    return y


def target_kind(y: np.ndarray) -> str:
    r"""What the targets are, in scikit-learn's words: "binary", "multiclass", "continuous",
    "multilabel-indicator", "multiclass-multioutput", "continuous-multioutput" or "unknown"."""
    if y.dtype == object:
        values = y.ravel()
        if all(isinstance(v, str) for v in values):
            kind = "binary" if len(set(values)) <= 2 else "multiclass"
            return kind if y.ndim == 1 else "multiclass-multioutput"
        if all(isinstance(v, numbers.Integral) for v in values):
            y = y.astype(np.int64)
        elif all(isinstance(v, numbers.Real) for v in values):
            y = y.astype(np.float64)
        else:
            return "unknown"
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool or y.dtype.kind in "US"):
        return "unknown"
    if y.dtype.kind in "f" and (not np.all(np.isfinite(y)) or np.any(y != np.round(y))):
        return "continuous" if y.ndim == 1 else "continuous-multioutput"
    if y.ndim == 2 and y.shape[1] > 1:
        values = np.unique(y)
        if y.dtype.kind not in "US" and values.size <= 2 and set(values.tolist()) <= {0, 1}:
            return "multilabel-indicator"
        return "multiclass-multioutput"
    return "binary" if np.unique(y).size <= 2 else "multiclass"


def check_classification_targets(owner: str, y: np.ndarray, allowed=("binary", "multiclass")) -> str:
    r"""Raise unless ``y`` holds class labels of one of the ``allowed`` kinds; return the kind."""
    problem = describe_nonfinite("y", y)
    if problem:
        raise ValueError(problem)
    kind = target_kind(y)
    if kind in ("continuous", "continuous-multioutput", "unknown"):
        raise ValueError(f"Unknown label type: {kind}. {owner} is a classifier: y must hold class labels "
                         f"(integers or strings), not real-valued targets (got dtype {y.dtype}).")
    if kind not in allowed:
        if allowed == ("binary",):
            raise ValueError(f"Only binary classification is supported. {owner} takes two classes; y is "
                             f"{kind} (for more classes use SoftmaxRegression or NeuralClassifier).")
        raise ValueError(f"{owner} takes {' or '.join(allowed)} targets; y is {kind} (shape {y.shape}).")
    return kind


def check_regression_targets(owner: str, y: np.ndarray, dtype) -> np.ndarray:
    r"""``y`` as floats, else a TypeError: a regressor cannot take class names."""
    if y.dtype.kind in "USO" and not target_kind(y) in ("continuous", "continuous-multioutput") \
            and not all(isinstance(v, numbers.Real) for v in y.ravel()):
        raise TypeError(f"{owner} is a regressor: y must hold numbers; got labels such as "
                        f"{y.ravel()[0]!r} (dtype {y.dtype}). Use a classifier for class labels.")
    y = y.astype(dtype)
    problem = describe_nonfinite("y", y)
    if problem:
        raise ValueError(problem)
    return y


def encode_labels(owner: str, y: np.ndarray, classes=None) -> tuple[np.ndarray, np.ndarray]:
    r"""(classes, indices): the sorted distinct labels and each sample's index into them. With
    ``classes`` given, every label of y must be among them."""
    if classes is None:
        classes, index = np.unique(y, return_inverse=True)
        return classes, index.reshape(-1)
    classes = np.asarray(classes)
    index = np.searchsorted(classes, y)
    index = np.clip(index, 0, classes.size - 1)
    unknown = classes[index] != y
    if np.any(unknown):
        raise ValueError(f"{owner}: y holds the label {y[np.argmax(unknown)].item()!r}, which is not among the "
                         f"classes {classes.tolist()} given at the first call.")
    return classes, index


def check_classes_count(owner: str, classes: np.ndarray):
    if classes.size < 2:
        raise ValueError(f"{owner} needs samples of at least 2 classes to learn to tell them apart; "
                         f"y holds only 1 class ({classes.tolist()}).")
