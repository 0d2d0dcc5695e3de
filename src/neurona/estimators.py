r"""scikit-learn estimators trained by neurona's engine: a ``Sequential`` MLP behind ``fit`` /
``predict`` / ``score``.

    clf = NeuralClassifier(hidden_layer_sizes=(64, 32), optimizer="adam", epochs=50, random_state=0)
    cross_val_score(make_pipeline(StandardScaler(), clf), X, y, cv=5)

The classifier picks its output from the targets: one sigmoid unit with binary cross-entropy for
two classes, softmax with categorical cross-entropy for more, k sigmoids for a 2-D 0/1 y (several
labels per sample). Class labels may be any values (strings too): ``classes_`` keeps them.
The regressor ends in identity units with the mean squared error.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import base, callbacks, optimizers, regularizers
from .base import BaseEstimator, ClassifierMixin, RegressorMixin
from .data import one_hot, train_test_split
from .mlp import mlp_layers
from .models.sequential import Sequential
from .validation import check_number


class EngineEstimator(BaseEstimator):
    r"""Fit machinery shared by every estimator that trains a ``Sequential`` by gradient descent.

    optimizer           a name ("sgd", "adam", "rmsprop"), a config dict or an Optimizer; with a
                        name, ``learning_rate`` (and for "sgd" ``momentum``) configure it
    epochs, batch_size  passes over the data; samples per gradient step (None: all, batch GD)
    l1, l2              weight penalties lambda / m sum |W| and lambda / 2m ||W||^2 (seed 001)
    early_stopping      hold out ``validation_fraction`` and stop when its loss has not improved by
                        ``tol`` for ``n_iter_no_change`` epochs, keeping the best weights; without
                        it the training loss decides (``tol=None``: always run every epoch)
    random_state        seeds the weights and the shuffling (scikit-learn's name; ``seed=`` is neurona's,
                        the same: give one)
    dtype               "float64" (default, as scikit-learn) or "float32" (about twice as fast)
    """

    def _hidden(self) -> dict:
        r"""``mlp_layers``'s hidden-layer arguments: none here (one output layer)."""
        return {"hidden": ()}

    def _engine_checks(self):
        name = type(self).__name__
        check_number(name, "epochs", self.epochs, 1, integer=True)
        if self.batch_size is not None:
            check_number(name, "batch_size", self.batch_size, 1, integer=True)
        check_number(name, "l1", self.l1, 0)
        check_number(name, "l2", self.l2, 0)
        base.check_flag(name, "early_stopping", self.early_stopping)
        check_number(name, "validation_fraction", self.validation_fraction, 0, 1, low_open=True, high_open=True)
        check_number(name, "n_iter_no_change", self.n_iter_no_change, 1, integer=True)
        if self.tol is not None:
            check_number(name, "tol", self.tol, 0)
        return self._make_optimizer()

    def _dtype(self) -> np.dtype:
        if self.dtype not in ("float32", "float64", np.float32, np.float64):
            raise ValueError(f"The 'dtype' argument of {type(self).__name__} must be 'float32' or 'float64'; "
                             f"got {self.dtype!r}.")
        return np.dtype(self.dtype)

    def _make_optimizer(self):
        name = type(self).__name__
        if isinstance(self.optimizer, str):
            check_number(name, "learning_rate", self.learning_rate, 0, low_open=True)
            check_number(name, "momentum", self.momentum, 0, 1, high_open=True)
            config = {"name": self.optimizer, "learning_rate": self.learning_rate}
            if self.momentum:
                if self.optimizer.lower() != "sgd":
                    raise ValueError(f"The 'momentum' argument of {name} applies to optimizer='sgd'; got "
                                     f"optimizer={self.optimizer!r} with momentum={self.momentum!r}.")
                config["momentum"] = self.momentum
            return optimizers.get(config)
        if isinstance(self.optimizer, optimizers.Optimizer):
            return optimizers.get(self.optimizer.get_config())      # a fresh one: no state carried over
        if isinstance(self.optimizer, dict):
            return optimizers.get(dict(self.optimizer))
        raise TypeError(f"The 'optimizer' argument of {name} must be a name, a config dict or an "
                        f"Optimizer; got {type(self.optimizer).__name__} {self.optimizer!r}.")

    def _regularizer(self):
        if self.l1 or self.l2:
            return regularizers.L1L2(l1=self.l1, l2=self.l2, convention="lectures")   # lambda / 2m, as documented
        return None

    def _build_model(self, n_inputs: int, n_outputs: int, activation: str) -> Sequential:
        stack = mlp_layers(n_outputs=n_outputs, output_activation=activation, kernel_regularizer=self._regularizer(),
                           use_bias=self._use_bias(), output_initializer=self._output_initializer(), **self._hidden())
        return self._model_type()(stack, input_dim=n_inputs, seed=self._seed(), dtype=self._dtype().name)

    def _model_type(self) -> type:
        return Sequential

    def _use_bias(self) -> bool:
        return True

    def _output_initializer(self):
        return "glorot_uniform"

    def _seed(self):
        return base.check_random_state(type(self).__name__, self.random_state, self.seed)

    def _train(self, X, Y, loss, activation, stratify=None, extra_callbacks=()):
        r"""Build, compile and fit the model; set ``model_``, ``loss_curve_``, ``n_iter_``."""
        optimizer = self._engine_checks()
        model = self._build_model(X.shape[1], Y.shape[1], activation)
        model.compile(optimizer=optimizer, loss=loss)
        fit_args = {}
        if self.early_stopping:
            X, X_val, Y, Y_val = self._split(X, Y, stratify)
            fit_args["validation_data"] = (X_val, Y_val)
            stop = callbacks.EarlyStopping("val_loss", min_delta=self.tol or 0.0, patience=self.n_iter_no_change,
                                           restore_best_weights=True)
        elif self.tol is not None:
            stop = callbacks.EarlyStopping("loss", min_delta=self.tol, patience=self.n_iter_no_change)
        else:
            stop = None
        batch_size = len(X) if self.batch_size is None else self.batch_size      # None: batch gradient descent
        history = model.fit(X, Y, epochs=self.epochs, batch_size=batch_size, verbose=self.verbose,
                            callbacks=[c for c in (stop, *extra_callbacks) if c is not None], **fit_args)
        self.model_ = model
        self.loss_curve_ = list(history.history.get("loss", []))
        self.validation_scores_ = list(history.history.get("val_loss", []))
        self.n_iter_ = len(self.loss_curve_)
        self.n_features_in_ = X.shape[1]

    def _split(self, X, Y, stratify):
        r"""(X_train, X_val, Y_train, Y_val) for early stopping, stratified by class when it can be."""
        n_val = int(round(self.validation_fraction * X.shape[0]))
        if not 0 < n_val < X.shape[0]:
            raise ValueError(f"The 'validation_fraction' argument of {type(self).__name__} is "
                             f"{self.validation_fraction}: of {X.shape[0]} samples that leaves "
                             f"{'no validation' if n_val == 0 else 'no training'} samples for early stopping.")
        try:
            return train_test_split(X, Y, n_val, stratify=stratify, seed=self._seed())
        except ValueError:          # a class too small to appear on both sides: split at random
            return train_test_split(X, Y, n_val, seed=self._seed())

    def _check_input(self, X) -> np.ndarray:
        self._check_fitted()
        return base.check_X(type(self).__name__, X, self.model_.dtype, self.n_features_in_)

    def _logits(self, X) -> np.ndarray:
        r"""z of the output layer (before its activation)."""
        x = X
        for layer in self.model_.layers[:-1]:
            x = layer.forward(x, training=False)
        last = self.model_.layers[-1]
        return x @ last.kernel + last.bias if last.use_bias else x @ last.kernel


class EngineClassifier(ClassifierMixin, EngineEstimator):
    r"""Targets -> output layer and loss: sigmoid + binary cross-entropy for two classes (or a 2-D
    0/1 y), softmax + categorical cross-entropy for more."""

    _kinds = ("binary", "multiclass", "multilabel-indicator")

    def _adjust_tags(self, tags):
        tags.classifier_tags.multi_class = "multiclass" in self._kinds
        tags.classifier_tags.multi_label = "multilabel-indicator" in self._kinds

    def fit(self, X, y):
        name = type(self).__name__
        X = base.check_X(name, X, self._dtype())
        y = base.column_to_1d(base.check_y(name, y, X.shape[0]))
        kind = base.check_classification_targets(name, y, self._kinds)
        if kind == "multilabel-indicator":
            classes, Y, activation, loss, stratify = np.arange(y.shape[1]), y.astype(X.dtype), "sigmoid", "bce", None
        else:
            classes, index = base.encode_labels(name, y)
            base.check_classes_count(name, classes)
            if classes.size == 2 and self._binary_output:
                Y, activation, loss = index.reshape(-1, 1).astype(X.dtype), "sigmoid", "bce"
            else:
                Y, activation, loss = one_hot(index, classes.size, X.dtype), "softmax", "cce"
            stratify = index
        self._train(X, Y, loss, activation, stratify, self._fit_callbacks())
        self.classes_, self._kind = classes, kind
        return self

    #: two classes -> one sigmoid unit (False: two softmax units)
    _binary_output = True

    def _fit_callbacks(self):
        return ()

    def decision_function(self, X) -> np.ndarray:
        r"""z, the output layer before its sigmoid / softmax: (samples,) for two classes (for a
        two-unit softmax z_2 - z_1, the log-odds of the second class), else (samples, classes)."""
        X = self._check_input(X)
        z = self._logits(X).astype(np.float64)
        if self._kind == "multilabel-indicator" or z.shape[1] > 2:
            return z
        return z[:, 0] if z.shape[1] == 1 else z[:, 1] - z[:, 0]

    def predict_proba(self, X) -> np.ndarray:
        r"""P(class | x) per class (two classes: columns 1 - p and p); several labels: P(label_j | x)."""
        X = self._check_input(X)
        p = self.model_.predict(X)
        if self._kind != "multilabel-indicator" and p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p

    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(np.clip(self.predict_proba(X), np.finfo(self.model_.dtype).tiny, None))

    def predict(self, X) -> np.ndarray:
        X = self._check_input(X)
        p = self.model_.predict(X)
        if self._kind == "multilabel-indicator":
            return (p >= 0.5).astype(np.int64)
        if p.shape[1] == 1:
            return self.classes_[(p[:, 0] >= 0.5).astype(np.int64)]
        return self.classes_[np.argmax(p, axis=1)]


class EngineRegressor(RegressorMixin, EngineEstimator):
    r"""Identity output units trained with the mean squared error; y of shape (n,) or (n, k)."""

    def _adjust_tags(self, tags):
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True

    def fit(self, X, y):
        name = type(self).__name__
        dtype = self._dtype()
        X = base.check_X(name, X, dtype)
        y = base.check_regression_targets(name, base.check_y(name, y, X.shape[0]), dtype)
        self._single_output = y.ndim == 1
        self._train(X, y.reshape(X.shape[0], -1), self._loss(), "identity", None, self._fit_callbacks())
        return self

    def _loss(self):
        return "mse"

    def _fit_callbacks(self):
        return ()

    def predict(self, X) -> np.ndarray:
        X = self._check_input(X)
        y = self.model_.predict(X).astype(np.float64)
        return y[:, 0] if self._single_output else y


class _MLP:
    r"""Hidden layers from ``hidden_layer_sizes`` and ``activation`` (and ``dropout`` after each)."""

    def _hidden(self):
        name = type(self).__name__
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
        for size in sizes:
            check_number(name, "hidden_layer_sizes entry", size, 1, integer=True)
        check_number(name, "dropout", self.dropout, 0, 1, high_open=True)
        return {"hidden": sizes, "activation": self.activation, "dropout": self.dropout}


_MLP_DOC = r"""
    hidden_layer_sizes  units of each hidden layer, e.g. (64, 32)
    activation          of the hidden layers: "relu", "tanh", "sigmoid", ... (any registered name)
    dropout             rate of a Dropout after each hidden layer (0: none)
"""


class NeuralClassifier(_MLP, EngineClassifier):
    __doc__ = r"""A multi-layer perceptron classifier (scikit-learn API) trained by ``Sequential``.""" + \
        _MLP_DOC + EngineEstimator.__doc__.split("\n", 2)[2]

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", optimizer="adam", learning_rate=0.001,
                 momentum=0.0, epochs=200, batch_size=32, l1=0.0, l2=0.0, dropout=0.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, random_state=None, dtype="float64",
                 verbose=0, seed=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.l1 = l1
        self.l2 = l2
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.seed = seed


class NeuralRegressor(_MLP, EngineRegressor):
    __doc__ = r"""A multi-layer perceptron regressor (scikit-learn API) trained by ``Sequential``.""" + \
        _MLP_DOC + EngineEstimator.__doc__.split("\n", 2)[2]

    __init__ = NeuralClassifier.__init__
