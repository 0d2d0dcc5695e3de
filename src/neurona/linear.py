r"""Linear, logistic and softmax regression: one ``Dense`` layer trained by the engine.

    LinearRegression      y_hat = x W + b                  J = mean squared error
    LogisticRegression    y_hat = sigmoid(x W + b)         J = binary cross-entropy      (two classes)
    SoftmaxRegression     y_hat = softmax(x W + b)         J = categorical cross-entropy (k classes)

Each is a one-layer ``Sequential`` compiled with that loss, so optimizers, mini-batches, L1/L2 and
early stopping are the engine's own (seeds 001, 004). ``LinearRegression(solver="numerical")``
replaces backpropagation by the slides' slope of the cost, measured by nudging each parameter:

    slope_w = (J(w + delta) - J(w)) / delta,   delta = 1e-6,   w <- w - eta slope_w

(Seed 004 writes (J(w) - J(w + delta)) / delta: with that sign the rule w <- w - eta slope would
climb the cost. The forward difference above is the slope it means.)
"""
from __future__ import annotations

import math

import numpy as np

from . import base, optimizers
from .base import ConvergenceWarning, check_flag
from .callbacks import Callback
from .estimators import EngineClassifier, EngineRegressor
from .models.sequential import Sequential
from .trace import MAX_TERMS, Tracer, factor, num
from .validation import check_number


class NumericalSlopeModel(Sequential):
    r"""A ``Sequential`` whose training step measures each parameter's slope numerically,

        dJ/dtheta_k ~ (J(theta + delta e_k) - J(theta)) / delta,

    instead of backpropagating: 1 + (number of parameters) forward passes per step. Use float64:
    in float32 a change of 1e-6 is at the rounding error of J itself.
    """

    delta = 1e-6

    def _cost(self, x, y) -> float:
        y_pred = self._forward(x, training=False)
        return self.loss(y, y_pred) + sum(layer.penalty(x.shape[0]) for layer in self.layers)

    def train_step(self, x, y):
        y_pred = self._forward(x, training=True)
        cost = self.loss(y, y_pred) + sum(layer.penalty(x.shape[0]) for layer in self.layers)
        self.last_shifted_costs = []
        if math.isfinite(cost):
            theta, slopes = self.flat_parameters.values, self.flat_parameters.gradients
            for k in range(theta.size):
                kept = theta[k]
                theta[k] = kept + self.delta
                shifted = self._cost(x, y)
                theta[k] = kept
                self.last_shifted_costs.append(shifted)
                slopes[k] = (shifted - cost) / self.delta
            self.optimizer.apply([theta], [slopes])
        return cost, y_pred


class StepTrace(Callback):
    r"""Prints each gradient step of a one-layer model in the slides' notation:

        epoch 1, batch 1: J = 562.5
          dJ/dw11 = -450 ; w11 <- 5 - 0.01·(-450) = 9.5

    With SGD + momentum, seed 004's velocity form  v <- mu v - eta dJ/dw,  w <- w + v:

          dJ/dw11 = -450 ; v_w11 <- 0.9·2 - 0.01·(-450) = 6.3 ; w11 <- 5 + 6.3 = 11.3
    """

    def __init__(self, tracer: Tracer):
        self.tracer = tracer

    def on_train_begin(self, logs=None):
        self.velocity = np.zeros_like(self.model.flat_parameters.values)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.before = self.model.flat_parameters.values.copy()

    def on_train_batch_end(self, batch, logs=None):
        model = self.model
        self.tracer(f"epoch {self.epoch + 1}, batch {batch + 1}: J = {num(logs.batch_loss)}")
        names = _parameter_names(model.layers[0])
        shifted = getattr(model, "last_shifted_costs", None)
        flat = model.flat_parameters
        velocity = flat.values - self.before
        for k, name in enumerate(names[:MAX_TERMS]):
            grad = flat.gradients[k]
            if shifted:
                slope = (f"slope_{name} = (J({name} + {num(model.delta)}) - J) / {num(model.delta)} = "
                         f"({shifted[k]:.12g} - {logs.batch_loss:.12g}) / {num(model.delta)} = {num(grad)}")
            else:
                slope = f"dJ/d{name} = {num(grad)}"
            self.tracer(f"  {slope} ; {self._step(name, grad, self.before[k], flat.values[k], k, velocity[k])}")
        if len(names) > MAX_TERMS:
            self.tracer(f"  ... ({len(names) - MAX_TERMS} more parameters)")
        self.velocity = velocity

    def _step(self, name, grad, old, new, k, velocity) -> str:
        optimizer = self.model.optimizer
        form = _sgd_form(optimizer)
        if form is None:
            return f"{name} <- {num(old)} -> {num(new)} ({type(optimizer).__name__} step)"
        eta, mu = form
        if not mu:
            return f"{name} <- {num(old)} - {num(eta)}·{factor(grad)} = {num(new)}"
        return (f"v_{name} <- {num(mu)}·{factor(self.velocity[k])} - {num(eta)}·{factor(grad)} = {num(velocity)} ; "
                f"{name} <- {num(old)} + {factor(velocity)} = {num(new)}")

    def on_train_end(self, logs=None):
        self.tracer.close()


def _parameter_names(dense) -> list[str]:
    n_in, units = dense.kernel.shape
    names = [f"w{i + 1}{j + 1}" if n_in < 10 and units < 10 else f"w{i + 1},{j + 1}"
             for i in range(n_in) for j in range(units)]
    return names + ([f"b{j + 1}" for j in range(units)] if dense.use_bias else [])


def _sgd_form(optimizer):
    r"""(eta, mu) if the optimizer's step is  v <- mu v - eta dJ/dw,  w <- w + v  (mu = 0: plain
    w <- w - eta dJ/dw), with a constant eta; else None (another optimizer's step is only shown)."""
    if (isinstance(optimizer, optimizers.SGD) and not optimizer.nesterov and not optimizer.dampening
            and isinstance(optimizer.learning_rate, (int, float))):
        return optimizer.learning_rate, optimizer.momentum
    return None


class _OneLayer:
    r"""A single ``Dense`` layer starting from zeros (the problems are convex), and its
    coefficients in scikit-learn's layout: ``coef_`` (outputs, features), ``intercept_`` (outputs,)."""

    def _engine_checks(self):
        check_flag(type(self).__name__, "fit_intercept", self.fit_intercept)
        return super()._engine_checks()

    def _use_bias(self):
        return bool(self.fit_intercept)

    def _output_initializer(self):
        return "zeros"

    def _fit_callbacks(self):
        tracer = Tracer(self.trace, type(self).__name__)      # a bad target raises here, before training
        return (StepTrace(tracer),) if tracer.on else ()

    def fit(self, X, y):
        super().fit(X, y)
        dense = self.model_.layers[0]
        self.coef_ = dense.kernel.T.astype(np.float64)
        self.intercept_ = dense.bias.astype(np.float64) if dense.use_bias else np.zeros(dense.units)
        return self


_ENGINE_DOC = r"""
    optimizer, learning_rate, momentum, epochs, batch_size, l1, l2, early_stopping,
    validation_fraction, n_iter_no_change, tol, random_state, dtype, verbose: as for
    ``neurona.estimators.NeuralClassifier`` (the engine's settings)
    trace               True / a function / an open file / a path: print every step's numbers
"""


class LinearRegression(_OneLayer, EngineRegressor):
    __doc__ = r"""Linear regression by gradient descent:  y_hat = x W + b,  J = 1/(N k) sum (y_hat - y)^2.

    solver   "gradient": backpropagation, dJ/dW = 2/N x^T (y_hat - y);  "numerical": the slides'
             slope (J(w + delta) - J(w)) / delta for each parameter (``delta``, float64)
    fit_intercept  learn b (False: y_hat = x W, as the chocolate example's y = W x + 0)
    epochs   the cap (scikit-learn's ``max_iter``): training stops once the loss has not fallen by
             ``tol`` in ``n_iter_no_change`` epochs, and a ``ConvergenceWarning`` says so when
             every epoch ran without that happening (``tol=None``: run every epoch, no warning)
    ``coef_`` is (features,) for one target, (targets, features) for several.
    """ + _ENGINE_DOC

    def __init__(self, fit_intercept=True, solver="gradient", delta=1e-6, optimizer="sgd", learning_rate=0.01,
                 momentum=0.0, epochs=10_000, batch_size=32, l1=0.0, l2=0.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, random_state=None, dtype="float64",
                 verbose=0, trace=False, seed=None):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.delta = delta
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.l1 = l1
        self.l2 = l2
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.trace = trace
        self.seed = seed

    def _dtype(self):
        if self.solver not in ("gradient", "numerical"):
            raise ValueError(f"The 'solver' argument of LinearRegression must be 'gradient' or 'numerical'; "
                             f"got {self.solver!r}.")
        dtype = super()._dtype()
        if self.solver == "numerical" and dtype != np.float64:
            raise ValueError("solver='numerical' needs dtype='float64': a change of delta = 1e-6 is "
                             "lost in float32 rounding.")
        return dtype

    def _model_type(self):
        return NumericalSlopeModel if self.solver == "numerical" else super()._model_type()

    def _build_model(self, n_inputs, n_outputs, activation):
        model = super()._build_model(n_inputs, n_outputs, activation)
        if self.solver == "numerical":
            model.delta = float(check_number("LinearRegression", "delta", self.delta, 0, low_open=True))
        return model

    def fit(self, X, y):
        super().fit(X, y)
        if self._single_output:
            self.coef_, self.intercept_ = self.coef_[0], float(self.intercept_[0])
        if self.tol is not None and not self.model_.stop_training and not self.model_.stop_reason:
            base.warn(ConvergenceWarning,
                      f"LinearRegression did not converge: after all {self.epochs} epochs the loss "
                      f"({self.loss_curve_[-1]:.6g}) still fell by more than tol={self.tol} within "
                      f"{self.n_iter_no_change} epochs. Raise epochs or learning_rate, or standardise the "
                      f"features (neurona.data.StandardScaler).")
        return self


def _classifier_init(self, fit_intercept=True, optimizer="sgd", learning_rate=0.1, momentum=0.0, epochs=100,
                     batch_size=32, l1=0.0, l2=0.0, early_stopping=False, validation_fraction=0.1,
                     n_iter_no_change=10, tol=1e-4, random_state=None, dtype="float64", verbose=0, trace=False,
                     seed=None):
    self.fit_intercept = fit_intercept
    self.optimizer = optimizer
    self.learning_rate = learning_rate
    self.momentum = momentum
    self.epochs = epochs
    self.batch_size = batch_size
    self.l1 = l1
    self.l2 = l2
    self.early_stopping = early_stopping
    self.validation_fraction = validation_fraction
    self.n_iter_no_change = n_iter_no_change
    self.tol = tol
    self.random_state = random_state
    self.dtype = dtype
    self.verbose = verbose
    self.trace = trace
    self.seed = seed


class LogisticRegression(_OneLayer, EngineClassifier):
    __doc__ = r"""Binary logistic regression:  p = sigmoid(x W + b) = P(y = classes_[1] | x),

        J = -1/N sum [y log p + (1 - y) log(1 - p)],   dJ/dz = (p - y) / N   (seed 001)

    For more than two classes use ``SoftmaxRegression``.
    """ + _ENGINE_DOC

    _kinds = ("binary",)
    __init__ = _classifier_init


class SoftmaxRegression(_OneLayer, EngineClassifier):
    __doc__ = r"""Multinomial logistic (softmax) regression:  p = softmax(x W + b),

        J = -1/N sum_n sum_i y_ni log p_ni,   dJ/dz = (p - y) / N   (seeds 000, 004)

    One weight vector per class (also for two classes); ``coef_`` is (classes, features).
    """ + _ENGINE_DOC

    _kinds = ("binary", "multiclass")
    _binary_output = False
    __init__ = _classifier_init
