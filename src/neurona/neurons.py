r"""Classic neurons with their own learning rules (seeds 000 and 001).

    McCullochPitts(threshold=2).predict([[1, 0, 0, 1]])        # "¿Voy al cine hoy?" -> [1]
    Perceptron(learning_rate=0.5).fit(X, y)                     # Rosenblatt: w <- w + eta (y - y_hat) x
    AveragedPerceptron().fit(X, y)                              # predicts with the mean of all w
    MIRA(C=1.0).fit(X, y)                                       # the smallest update that fixes the example

The perceptrons follow scikit-learn's conventions (``fit``, ``partial_fit``, ``predict``,
``decision_function``, ``score``, ``coef_``, ``intercept_``, ``classes_``); with ``trace=True``
they print every step with its numbers, as the slides work it by hand.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import base, trace as trace_module
from .base import BaseEstimator, ClassifierMixin, ConvergenceWarning
from .trace import factor, num, shorten, vector, weighted_sum
from .validation import check_number


class McCullochPitts(BaseEstimator):
    r"""The McCulloch-Pitts neuron (1943): binary inputs, a hand-set threshold, no learning.

        z(x) = sum of the excitatory inputs x_i
        y_hat = 1 if z(x) >= theta and no inhibitory input is active, else 0

    threshold   theta, a number set by hand
    inhibitory  indices (from 0) of the inhibitory inputs: any one of them at 1 forces y_hat = 0

    With two inputs, theta = 2 is AND and theta = 1 is OR (seed 001). (The OCR'd slide reads the
    AND threshold as 0, which would answer 1 for every input: the threshold of AND is 2.)
    """

    def __init__(self, threshold=1, inhibitory=(), trace=False):
        self.threshold = threshold
        self.inhibitory = inhibitory
        self.trace = trace

    def _checked_inhibitory(self, n_inputs: int) -> list[int]:
        indices = list(self.inhibitory) if np.iterable(self.inhibitory) else None
        if indices is None or not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in indices):
            raise TypeError(f"The 'inhibitory' argument of McCullochPitts must be a list of input indices "
                            f"(integers); got {self.inhibitory!r}.")
        bad = [i for i in indices if not 0 <= i < n_inputs]
        if bad:
            raise ValueError(f"The 'inhibitory' argument of McCullochPitts holds index {bad[0]}, but the "
                             f"neuron receives {n_inputs} inputs (indices 0 to {n_inputs - 1}).")
        return sorted(set(int(i) for i in indices))

    def _check_inputs(self, X) -> np.ndarray:
        check_number("McCullochPitts", "threshold", self.threshold)
        array = np.asarray(X)
        if array.ndim == 1:
            array = array.reshape(1, -1)
        if array.ndim != 2 or array.size == 0:
            raise ValueError(f"McCullochPitts takes X of shape (samples, inputs); got shape {array.shape}.")
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise TypeError(f"McCullochPitts takes binary inputs (0 or 1); X has dtype {array.dtype}.")
        bad = (array != 0) & (array != 1)
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"McCullochPitts takes binary inputs (0 or 1); X holds {array[where]!r} at "
                             f"index {where}.")
        return array.astype(np.int64)

    @staticmethod
    def _z(X, inhibitory) -> np.ndarray:
        excitatory = np.ones(X.shape[1], bool)
        excitatory[inhibitory] = False
        return X[:, excitatory].sum(axis=1)

    def decision_function(self, X) -> np.ndarray:
        r"""z(x): the number of active excitatory inputs of each sample."""
        X = self._check_inputs(X)
        return self._z(X, self._checked_inhibitory(X.shape[1]))

    def predict(self, X) -> np.ndarray:
        r"""y_hat in {0, 1} for each sample (1-D x is one sample)."""
        X = self._check_inputs(X)
        inhibitory = self._checked_inhibitory(X.shape[1])
        tracer = trace_module.Tracer(self.trace, type(self).__name__)
        z = self._z(X, inhibitory)
        blocked = X[:, inhibitory].any(axis=1) if inhibitory else np.zeros(X.shape[0], bool)
        y_hat = ((z >= self.threshold) & ~blocked).astype(np.int64)
        if tracer.on:
            for x, zi, stop, y in zip(X, z, blocked, y_hat):
                tracer(self._trace_line(x, inhibitory, zi, stop, y))
        tracer.close()
        return y_hat

    def _trace_line(self, x, inhibitory, z, blocked, y) -> str:
        names = [f"x{i + 1}" for i in range(x.size) if i not in inhibitory]
        values = [str(int(x[i])) for i in range(x.size) if i not in inhibitory]
        line = f"z = {' + '.join(names)} = {' + '.join(values)} = {int(z)}"
        if blocked:
            active = ", ".join(f"x{i + 1}" for i in inhibitory if x[i])
            return f"{line} ; inhibitory {active} = 1 -> y_hat = 0"
        sign = ">=" if z >= self.threshold else "<"
        return f"{line} {sign} theta = {num(self.threshold)} -> y_hat = {int(y)}"


class _LinearUnits(ClassifierMixin, BaseEstimator):
    r"""What the perceptrons share: the weights W (outputs, features) and b, the three kinds of
    targets (binary, multiclass, several binary outputs at once), epochs, partial_fit, traces.

    Subclasses give ``_step(x, target)``: one online update on one sample, returning whether the
    sample was misclassified.
    """

    def _adjust_tags(self, tags):
        tags.classifier_tags.multi_label = True

    # -- data -----------------------------------------------------------------------------------
    def _targets(self, X, y, classes=None, first=True):
        r"""(X, targets, mode, classes) with every check done before anything is learned."""
        name = type(self).__name__
        X = base.check_X(name, X, np.float64, None if first else self.n_features_in_)
        y = base.column_to_1d(base.check_y(name, y, X.shape[0]))
        kind = base.check_classification_targets(name, y, ("binary", "multiclass", "multilabel-indicator"))
        if kind == "multilabel-indicator":
            if not first and (self._mode != "multilabel" or y.shape[1] != self._W.shape[0]):
                raise ValueError(f"{name}: y has {y.shape[1]} outputs but the model was fitted on "
                                 f"{self._W.shape[0]} ({self._mode}).")
            return X, y.astype(np.int64), "multilabel", np.arange(y.shape[1])
        if first:
            classes, index = base.encode_labels(name, y, classes)
            base.check_classes_count(name, classes)
            return X, index, "binary" if classes.size == 2 else "multiclass", classes
        if self._mode == "multilabel":
            raise ValueError(f"{name} was fitted on {self._W.shape[0]} binary outputs; y must be 2-D (samples, "
                             f"outputs); got shape {y.shape}.")
        _, index = base.encode_labels(name, y, self.classes_)
        return X, index, self._mode, self.classes_

    def _initial_weights(self, n_outputs, n_features, coef_init, intercept_init, rng):
        name = type(self).__name__
        if self.init not in ("zeros", "random"):
            raise ValueError(f"The 'init' argument of {name} must be 'zeros' or 'random'; got {self.init!r}.")
        if self.init == "random":       # the slides' w = random(): uniform in [-1, 1)
            W, b = rng.uniform(-1, 1, (n_outputs, n_features)), rng.uniform(-1, 1, n_outputs)
        else:
            W, b = np.zeros((n_outputs, n_features)), np.zeros(n_outputs)
        if coef_init is not None:
            W = _checked_init(name, "coef_init", coef_init, W.shape)
        if intercept_init is not None:
            b = _checked_init(name, "intercept_init", intercept_init, b.shape)
        if not self.fit_intercept:
            b = np.zeros(n_outputs)
        return W, b

    def _check_params(self):
        name = type(self).__name__
        check_number(name, "max_epochs", self.max_epochs, 1, integer=True)
        check_number(name, "tol", self.tol, 0, 1)
        base.check_flag(name, "shuffle", self.shuffle)
        base.check_flag(name, "fit_intercept", self.fit_intercept)
        trace_module.check_trace(name, self.trace)

    # -- fitting --------------------------------------------------------------------------------
    def fit(self, X, y, coef_init=None, intercept_init=None):
        r"""Learn from (X, y) for up to ``max_epochs`` epochs; stop at the first epoch whose share of
        mistakes is at most ``tol`` (0: an epoch without mistakes). Starts from ``coef_init`` /
        ``intercept_init`` if given, else from ``init``."""
        self._check_params()
        X, target, mode, classes = self._targets(X, y)
        rng = np.random.default_rng(base.check_random_state(type(self).__name__, self.random_state, self.seed))
        n_outputs = 1 if mode == "binary" else classes.size
        W, b = self._initial_weights(n_outputs, X.shape[1], coef_init, intercept_init, rng)
        self._start(W, b, mode, classes, X.shape[1], rng)
        tracer = trace_module.Tracer(self.trace, type(self).__name__)
        self.mistakes_, self.converged_ = [], False
        for epoch in range(self.max_epochs):
            mistakes = self._epoch(X, target, tracer, epoch)
            self.converged_ = self.converged_ or mistakes == 0
            if mistakes <= self.tol * X.shape[0]:
                break
        tracer.close()
        if self.mistakes_[-1] > self.tol * X.shape[0]:
            base.warn(ConvergenceWarning, f"{type(self).__name__} did not converge: all {self.n_iter_} epoch(s) made "
                          f"mistakes ({self.mistakes_[-1]} of {X.shape[0]} samples in the last). The classes "
                          f"may not be linearly separable (XOR is not); raise max_epochs or accept it.")
        return self

    def partial_fit(self, X, y, classes=None):
        r"""One epoch over (X, y), continuing from the current weights (online learning).
        ``classes`` (every label that will ever appear) is needed at the first call, unless y is
        2-D (several binary outputs)."""
        self._check_params()
        first = not hasattr(self, "_W")
        if first:
            y_array = np.asarray(y) if y is not None else y
            if classes is None and not (y_array is not None and y_array.ndim == 2 and y_array.shape[1] > 1):
                raise ValueError(f"classes must be passed on the first call to partial_fit "
                                 f"(every label {type(self).__name__} will ever see).")
            X, target, mode, classes = self._targets(X, y, None if classes is None else np.unique(classes))
            rng = np.random.default_rng(base.check_random_state(type(self).__name__, self.random_state, self.seed))
            n_outputs = 1 if mode == "binary" else classes.size
            self._start(*self._initial_weights(n_outputs, X.shape[1], None, None, rng), mode, classes, X.shape[1], rng)
            self.mistakes_, self.converged_ = [], False
        else:
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(f"classes={list(classes)!r} is not the same as on the first call to "
                                 f"partial_fit ({self.classes_.tolist()}).")
            X, target, _, _ = self._targets(X, y, first=False)
        tracer = trace_module.Tracer(self.trace, type(self).__name__)
        if self._epoch(X, target, tracer, len(self.mistakes_)) == 0:
            self.converged_ = True
        tracer.close()
        return self

    def _start(self, W, b, mode, classes, n_features, rng):
        self._W, self._b, self._mode, self._rng = W, b, mode, rng
        self.classes_, self.n_features_in_ = classes, n_features
        self.n_iter_, self.t_ = 0, 0
        self._publish()

    def _epoch(self, X, target, tracer, epoch) -> int:
        order = self._rng.permutation(X.shape[0]) if self.shuffle else np.arange(X.shape[0])
        mistakes = 0
        self._tracer = tracer
        try:
            for i in order:
                if tracer.on:
                    tracer(f"epoch {epoch + 1}, sample {i + 1}: x = {vector(X[i])}, y = {self._label(target[i])}")
                mistakes += bool(self._step(X[i], target[i]))
                self.t_ += 1
                self._after_step()
        finally:
            del self._tracer            # the trace target (a file, a function) is not the model's
        self.n_iter_ += 1
        self.mistakes_.append(mistakes)
        self._publish()
        return mistakes

    def _after_step(self):
        r"""Hook run after every sample (the averaged perceptron adds w to its running sum)."""

    def _publish(self):
        self.coef_, self.intercept_ = self._W.copy(), self._b.copy()

    def _label(self, target):
        if self._mode == "multilabel":
            return vector(target)
        return repr(self.classes_[target].item()) if self.classes_.dtype.kind in "USO" else str(self.classes_[target])

    # -- predicting -----------------------------------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        r"""z = x W^T + b: shape (samples,) for two classes, (samples, outputs) otherwise."""
        self._check_fitted()
        X = base.check_X(type(self).__name__, X, np.float64, self.n_features_in_)
        z = X @ self.coef_.T + self.intercept_
        return z[:, 0] if self._mode == "binary" else z

    def predict(self, X) -> np.ndarray:
        r"""Binary: the second class where z >= 0 (the step's side); multiclass: the class of the
        largest z; several outputs: 1 where z_j >= 0."""
        z = self.decision_function(X)
        if self._mode == "binary":
            return self.classes_[(z >= 0).astype(np.int64)]
        if self._mode == "multiclass":
            return self.classes_[np.argmax(z, axis=1)]
        return (z >= 0).astype(np.int64)

    # -- one sample, binary outputs and multiclass ----------------------------------------------
    def _step(self, x, target) -> bool:
        if self._mode == "multiclass":
            return self._multiclass_step(x, int(target))
        return self._binary_step(x, np.atleast_1d(target))

    def _set_bias(self, j, value):
        if self.fit_intercept:
            self._b[j] = value

    def _move(self, j, x, step, sign):
        r"""w_j <- w_j +/- step x (and b_j +/- step), traced."""
        old = self._W[j].copy()
        signed = step if sign == "+" else -step
        self._W[j] += signed * x
        self._set_bias(j, self._b[j] + signed)
        if self._tracer.on:
            self._tracer(f"  w_{self._label(j)} <- {vector(old)} {sign} {num(step)}·{vector(x)} = {vector(self._W[j])}"
                         + (f" ; b_{self._label(j)} = {num(self._b[j])}" if self.fit_intercept else ""))


def _checked_init(owner, name, value, shape) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"The {name!r} argument of {owner}.fit must be an array of numbers; got {value!r}.") from None
    one_row = shape[0] == 1 and array.shape == shape[1:]      # a single unit's weights may be 1-D
    if array.shape != shape and not one_row:
        raise ValueError(f"The {name!r} argument of {owner}.fit must have shape {shape}; got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The {name!r} argument of {owner}.fit holds NaN or inf.")
    return array.reshape(shape).copy()


def _weight_name(i, j) -> str:
    return f"w{i + 1}{j + 1}" if i < 9 and j < 9 else f"w{i + 1},{j + 1}"


def _suffix(j, n_outputs) -> str:
    return "" if n_outputs == 1 else str(j + 1)


class Perceptron(_LinearUnits):
    r"""Rosenblatt's perceptron (1958): threshold logic units trained by the perceptron rule.

        z_j = sum_i x_i w_ij + b_j,   y_hat_j = step(z_j)  (1 if z_j >= 0, else 0)   or sign(z_j)
        w_ij <- w_ij + eta (y_j - y_hat_j) x_i,   b_j <- b_j + eta (y_j - y_hat_j)

    Targets: two classes (one unit), several binary outputs at once (a 2-D 0/1 y: a layer of
    units, one weight vector per output), or k > 2 classes (seed 000): y_hat = argmax_j z_j and on a
    mistake w_true <- w_true + eta x, w_pred <- w_pred - eta x.

    activation     "step" (targets 0/1) or "sign" (targets -1/1; sign(0) = 0 counts as a mistake)
    learning_rate  eta
    max_epochs     passes over the data at most; ``tol`` the share of mistakes that ends training
    init           "zeros" or "random" (uniform in [-1, 1), the slides' w = random())
    converged_     whether some epoch made no mistakes; ``mistakes_`` counts them per epoch
    """

    def __init__(self, activation="step", learning_rate=1.0, max_epochs=100, tol=0.0, shuffle=True,
                 init="zeros", fit_intercept=True, random_state=None, trace=False, seed=None):
        self.activation = activation
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.tol = tol
        self.shuffle = shuffle
        self.init = init
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.trace = trace
        self.seed = seed

    def _check_params(self):
        super()._check_params()
        if self.activation not in ("step", "sign"):
            raise ValueError(f"The 'activation' argument of {type(self).__name__} must be 'step' or 'sign'; "
                             f"got {self.activation!r}.")
        check_number(type(self).__name__, "learning_rate", self.learning_rate, 0, low_open=True)

    def _binary_step(self, x, t) -> bool:
        z = self._W @ x + self._b
        if self.activation == "step":
            y, y_hat = t.astype(np.float64), (z >= 0).astype(np.float64)
        else:
            y, y_hat = 2.0 * t - 1, np.sign(z)
        old_W, old_b = self._W.copy(), self._b.copy()
        delta = self.learning_rate * (y - y_hat)
        self._W += delta[:, None] * x
        if self.fit_intercept:
            self._b += delta
        if self._tracer.on:
            for j in range(z.size):
                self._tracer(self._trace_unit(j, x, z[j], y[j], y_hat[j], old_W[j], old_b[j]))
        return bool(np.any(y != y_hat))

    def _trace_unit(self, j, x, z, y, y_hat, w, b) -> str:
        s, eta = _suffix(j, self._W.shape[0]), num(self.learning_rate)
        line = (f"z{s} = {weighted_sum(w, x, b if self.fit_intercept else None)} = {num(z)} -> "
                f"y_hat{s} = {self.activation}({num(z)}) = {num(y_hat)}")
        if y == y_hat:
            return f"{line} ; y{s} = {num(y)}, no change"
        error = f"({num(y)} - {factor(y_hat)})"
        updates = shorten([f"{_weight_name(i, j)} <- {num(w[i])} + {eta}·{error}·{factor(x[i])} = {num(self._W[j, i])}"
                           for i in range(x.size)])
        if self.fit_intercept:
            updates.append(f"b{j + 1} <- {num(b)} + {eta}·{error} = {num(self._b[j])}")
        return " ; ".join([line] + updates)

    def _multiclass_step(self, x, t) -> bool:
        z = self._W @ x + self._b
        p = int(np.argmax(z))
        if self._tracer.on:
            self._tracer(f"z = x W^T + b = {vector(z)} -> y_hat = argmax z = {self._label(p)}"
                         + (" ; no change" if p == t else ""))
        if p == t:
            return False
        self._move(t, x, self.learning_rate, "+")
        self._move(p, x, self.learning_rate, "-")
        return True


class AveragedPerceptron(Perceptron):
    r"""The perceptron rule, but predictions use the average of the weights after every sample:

        w_avg = (1 / T) sum_{t=1..T} w^(t)

    Each example then weighs in a little instead of the last few examples deciding everything,
    which generalises better on noisy data (Freund and Schapire, 1999). Training itself (and its
    trace) moves the running weights exactly as ``Perceptron`` does.
    """

    def _start(self, W, b, mode, classes, n_features, rng):
        self._sum_W, self._sum_b = np.zeros_like(W), np.zeros_like(b)
        super()._start(W, b, mode, classes, n_features, rng)

    def _after_step(self):
        self._sum_W += self._W
        self._sum_b += self._b

    def _publish(self):
        if self.t_ == 0:
            return super()._publish()
        self.coef_, self.intercept_ = self._sum_W / self.t_, self._sum_b / self.t_


class MIRA(_LinearUnits):
    r"""MIRA / passive-aggressive learning (Crammer et al., 2006): the smallest change of w that
    gets the example right with a margin of 1, capped by C.

    Two classes (y in {-1, 1}, one weight vector, x including the bias input 1):
        loss = max(0, 1 - y z),   tau = min(C, loss / ||x||^2),   w <- w + tau y x
    k classes (y the true class, r the best-scoring other class):
        loss = max(0, 1 - (z_y - z_r)),   tau = min(C, loss / (2 ||x||^2)),
        w_y <- w_y + tau x,   w_r <- w_r - tau x        (2: both vectors move)

    tau plays the role of the perceptron's eta, but is chosen per example: "minimise the update
    while keeping the prediction" (seed 000). Updates happen whenever loss > 0, also for a right
    answer with too small a margin.
    """

    def __init__(self, C=1.0, max_epochs=100, tol=0.0, shuffle=True, init="zeros", fit_intercept=True,
                 random_state=None, trace=False, seed=None):
        self.C = C
        self.max_epochs = max_epochs
        self.tol = tol
        self.shuffle = shuffle
        self.init = init
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.trace = trace
        self.seed = seed

    def _check_params(self):
        super()._check_params()
        check_number(type(self).__name__, "C", self.C, 0, low_open=True)

    def _norm(self, x) -> float:
        return float(x @ x) + (1.0 if self.fit_intercept else 0.0)

    def _binary_step(self, x, t) -> bool:
        z = self._W @ x + self._b
        y = 2.0 * t - 1
        loss = np.maximum(0.0, 1.0 - y * z)
        norm = self._norm(x)
        tau = np.minimum(self.C, loss / norm) if norm > 0 else np.zeros_like(loss)
        old_W, old_b = self._W.copy(), self._b.copy()
        self._W += (tau * y)[:, None] * x
        if self.fit_intercept:
            self._b += tau * y
        if self._tracer.on:
            for j in range(z.size):
                self._tracer(self._trace_unit(j, x, z[j], y[j], loss[j], norm, tau[j], old_W[j], old_b[j]))
        return bool(np.any((z >= 0) != (t == 1)))

    def _trace_unit(self, j, x, z, y, loss, norm, tau, w, b) -> str:
        s = _suffix(j, self._W.shape[0])
        line = (f"z{s} = {weighted_sum(w, x, b if self.fit_intercept else None)} = {num(z)} ; "
                f"loss = max(0, 1 - ({num(y)})({num(z)})) = {num(loss)}")
        if loss == 0:
            return f"{line}, no change"
        line += f" ; tau = min(C, loss / ||x||^2) = min({num(self.C)}, {num(loss)} / {num(norm)}) = {num(tau)}"
        updates = shorten([f"{_weight_name(i, j)} <- {num(w[i])} + {num(tau)}·({num(y)})·{factor(x[i])} = "
                           f"{num(self._W[j, i])}" for i in range(x.size)])
        if self.fit_intercept:
            updates.append(f"b{j + 1} <- {num(b)} + {num(tau)}·({num(y)}) = {num(self._b[j])}")
        return " ; ".join([line] + updates)

    def _multiclass_step(self, x, t) -> bool:
        z = self._W @ x + self._b
        others = z.copy()
        others[t] = -np.inf
        r = int(np.argmax(others))
        loss = max(0.0, 1.0 - (z[t] - z[r]))
        norm = self._norm(x)
        tau = min(self.C, loss / (2 * norm)) if norm > 0 else 0.0
        if self._tracer.on:
            self._tracer(f"z = x W^T + b = {vector(z)} ; loss = max(0, 1 - (z_{self._label(t)} - "
                         f"z_{self._label(r)})) = {num(loss)} ; tau = min(C, loss / (2 ||x||^2)) = {num(tau)}")
        if tau > 0:
            self._move(t, x, tau, "+")
            self._move(r, x, tau, "-")
        return bool(np.argmax(z) != t)
