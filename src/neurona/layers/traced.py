r"""Keras-style custom layers: a ``Layer`` subclass that writes ``call`` (and optionally
``build(input_shape)`` with ``add_weight``) instead of ``forward``/``backward``.

Its forward runs ``call`` on autodiff Tensors while a tape records, its weights standing in as
watched Tensors; its backward is that tape's reverse pass (the derivative table of
``autodiff.derivatives``):

    dL/dx = tape.gradient(y, x, output_gradients = dL/dy),   dL/dW = tape.gradient(y, W, ...)
"""
from __future__ import annotations

import numpy as np

from .. import constraints, initializers, regularizers
from ..eager import Weight
from ..random import new_rng
from ..autodiff.tape import GradientTape
from ..autodiff import ops as ad
from ..autodiff.tensor import Tensor


class CustomCall:
    r"""What a ``Layer`` does when its subclass writes ``call`` (Keras's custom layers): ``Layer`` inherits
    these methods and turns to them for such a subclass (``Layer._traced``)."""

    def _traced_add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True, name=None,
                           regularizer=None, constraint=None, **keras_arguments):
        r"""Keras's ``Layer.add_weight``: a new array of ``shape`` from ``initializer``, trainable (a param,
        in ``trainable_weights``) or not (state, in ``non_trainable_weights``). A ``regularizer`` R adds
        R(w) to the cost and dR/dw to the weight's gradient, as Dense's ``kernel_regularizer``; a
        ``constraint`` c projects it after each optimizer step, w <- c(w), as ``kernel_constraint``."""
        regularizer = None if regularizer is None else regularizers.get(regularizer)
        shape = () if shape is None else tuple(int(n) for n in np.atleast_1d(shape))
        rng = self._rng if self._rng is not None else new_rng()
        array = initializers.get(initializer)(shape, rng, np.dtype(dtype or "float32")).view(Weight)
        name = name or f"weight_{len(self._custom_weights)}"
        self._custom_weights.append((name, array, bool(trainable), regularizer))
        if constraint is not None:
            vars(self).setdefault("_constraints_by_weight", {})[name] = constraints.get(constraint)
        return array

    def _traced_setup(self, input_shape, rng, dtype):
        r"""Register the weights made in ``__init__`` and by the user's ``build``; return the output shape."""
        made_in_init = [w for w in self._custom_weights if w[0] in self._init_weight_names]
        self._custom_weights = list(made_in_init)
        if type(self)._user_build is not None:
            shapes = [(None, *s) for s in input_shape] if isinstance(input_shape, list) else (None, *input_shape)
            type(self)._user_build(self, shapes)
        self._weight_regularizers = {}
        for name, array, trainable, regularizer in self._custom_weights:     # named as the attribute that holds it
            attribute = next((k for k, v in vars(self).items() if v is array), name)
            (self.add_param if trainable else self.add_state)(attribute, array)
            if regularizer is not None and trainable:
                self._weight_regularizers[attribute] = regularizer
            if name in getattr(self, "_constraints_by_weight", {}) and trainable:
                vars(self).setdefault("_weight_constraints", {})[attribute] = self._constraints_by_weight[name]
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        before = [array.copy() for array in self.state.values()]    # the probe call must not move state
        out, _, _ = self._traced_run([np.ones((2, *s), dtype=dtype) for s in shapes], record=False)
        for array, value in zip(self.state.values(), before):
            array[...] = value
        self._adopt_sublayer_weights()
        return out.shape[1:]

    def _sublayers(self) -> list:
        r"""(attribute, self) of each Layer the custom self holds, directly or in a list / tuple, in the
        order the attributes were set (Keras tracks them so): ``linear_1``, ``blocks.0``, ``blocks.1``, ..."""
        found = []
        for attribute, value in vars(self).items():
            if isinstance(value, CustomCall) and value is not self:          # every Layer is one
                found.append((attribute, value))
            elif isinstance(value, (list, tuple)):
                found += [(f"{attribute}.{i}", v) for i, v in enumerate(value) if isinstance(v, CustomCall)]
        return found

    def _adopt_sublayer_weights(self) -> None:
        r"""After the probe call has built the sublayers: their params and state join the layer's own,
        after them and named ``<attribute>.<weight>`` (Keras's order: own weights, then each sublayer's),
        so that a model packs, trains, saves and loads them with the self."""
        vars(self)["_own_param_count"] = len(self.params)
        for attribute, sublayer in self._sublayers():
            for name, array in zip(sublayer.param_names, sublayer.params):
                self.params.append(array)
                self.param_names.append(f"{attribute}.{name}")
            for name, array in sublayer.state.items():
                self.state_names.append(f"{attribute}.{name}")
                vars(self)[f"{attribute}.{name}"] = array

    def _traced_set_param_arrays(self, params, grads) -> None:
        r"""The layer's own share of ``params`` / ``grads`` first, then each sublayer's, in ``setup``'s order."""
        own = self.__dict__.get("_own_param_count", len(params))
        for name, array in zip(self.param_names[:own], params[:own]):
            setattr(self, name, array)
        k = own
        for _, sublayer in self._sublayers():
            n = len(sublayer.params)
            sublayer.set_param_arrays(params[k:k + n], grads[k:k + n])
            k += n

    def _added_loss_terms(self) -> list:
        r"""The ``add_loss`` terms of the last call: the layer's and its sublayers', recursively."""
        found = list(self.__dict__.get("_added_losses", []))
        for _, sublayer in self._sublayers():
            found += sublayer._added_loss_terms()
        return found

    def _traced_run(self, xs, record, training=False):
        r"""``call`` on Tensors: (output values, tape, (output Tensor, input Tensors, weight Tensors))."""
        xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
        inputs = [Tensor(x) for x in xs]
        tape = GradientTape(persistent=True) if record else None
        # a sublayer called on the tape watches its weights with watch_array: the same Tensors as here
        weights = [tape.watch_array(p) if record else Tensor(p) for p in self.params]
        own = self.__dict__.get("_own_param_count", len(self.params))
        for name, tensor in zip(self.param_names[:own], weights):
            setattr(self, name, tensor)
        arguments = inputs[0] if self.n_inputs == 1 else inputs
        vars(self)["_added_losses"] = []           # add_loss terms of this call
        try:
            if not record:
                out = self.call(arguments)
                return np.asarray(getattr(out, "data", out)), None, None
            with tape:
                tape.watch(inputs + weights)
                out = self.call(arguments)
        finally:
            for name, array in zip(self.param_names[:own], self.params):
                setattr(self, name, array)
        out = out if isinstance(out, Tensor) else Tensor(out)
        return out.data, tape, (out, inputs, weights)

    def _traced_penalty(self, m):
        r"""The regularizers' terms of the weights made with ``add_weight(regularizer=...)``, and the
        ``add_loss`` terms of the last call."""
        return sum(regularizer(getattr(self, name), m)
                   for name, regularizer in getattr(self, "_weight_regularizers", {}).items()) + \
            sum(float(np.sum(getattr(t, "data", t))) for t in self._added_loss_terms())

    def _traced_backward(self, grad, need_input_grad):
        out, inputs, weights = self._recorded
        added = [t for t in self._added_loss_terms() if isinstance(t, Tensor)]
        if added:               # J's add_loss terms: d/dtheta of (sum(y * dL/dy) + sum of the terms)
            with self._tape:
                target = ad.sum(ad.multiply(out, Tensor(np.asarray(grad, dtype=out.dtype))))
                for term in added:
                    target = ad.add(target, ad.sum(term))
            grads = self._tape.gradient(target, inputs + weights, unconnected_gradients="zero")
        else:
            grads = self._tape.gradient(out, inputs + weights, output_gradients=grad, unconnected_gradients="zero")
        m, regularizers_of = inputs[0].data.shape[0], getattr(self, "_weight_regularizers", {})
        for name, g, new in zip(self.param_names, self.grads, grads[len(inputs):]):
            g[...] = new
            regularizer = regularizers_of.get(name)
            if regularizer is not None:
                g += regularizer.gradient(getattr(self, name), m)
        if not need_input_grad:
            return None
        return grads[0] if self.n_inputs == 1 else list(grads[:len(inputs)])
