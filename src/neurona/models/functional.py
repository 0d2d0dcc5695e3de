r"""The graph of a functional model: the nodes recorded when layers were called on symbolic
tensors, from the model's inputs to its outputs.

    forward    in topological order, each node computes its layer's output from its inputs' values
    backward   in reverse topological order, each node turns dL/d(its output) into dL/d(each input)
               with its layer's own backward; gradients of a tensor used twice add up

A layer called at several nodes (a shared layer, Keras's siamese pattern) keeps what each call's
forward left for its backward (``Layer.forward_record``) and has it back before that node's
backward; its weight gradients are the sum over its nodes, dL/dW = sum_j dL/dW at node j.

A layer with several outputs (``return_state``) is followed by one ``Part`` node per output
(``layers.outputs``); the parts are nodes of the graph but not layers of the model.

The graph is also what a subclassed model's ``call`` becomes when it is traced on symbolic inputs.
"""
from __future__ import annotations

import numpy as np

from ..layers.outputs import Part
from ..symbolic import STRING, SymbolicTensor


class Graph:
    r"""The nodes between ``inputs`` and ``outputs`` (lists of SymbolicTensor), in topological order."""

    def __init__(self, inputs, outputs):
        self.inputs = _tensor_list("inputs", inputs)
        self.outputs = _tensor_list("outputs", outputs)
        for t in self.inputs:
            if t.node is not None:
                raise ValueError(f"Model inputs must be neurona.Input(...) tensors; {t!r} is the output of a layer.")
        self.nodes = _topological(self.outputs, self.inputs)
        self.layers = []            # each layer once, in the order of its first node
        self._layer_of = []         # node j calls self.layers[self._layer_of[j]] (None: a Part)
        for node in self.nodes:
            if isinstance(node.layer, Part):
                self._layer_of.append(None)
                continue
            k = next((i for i, layer in enumerate(self.layers) if layer is node.layer), None)
            if k is None:
                self.layers.append(node.layer)
                k = len(self.layers) - 1
            self._layer_of.append(k)
        self._shared = {k for k in self._layer_of if k is not None and self._layer_of.count(k) > 1}
        self._records: dict[int, object] = {}       # node j of a shared layer -> its forward record
        consumers: dict[int, int] = {}
        for node in self.nodes:
            for t in node.inputs:
                consumers[id(t)] = consumers.get(id(t), 0) + 1
        self._consumers = consumers
        self._input_index = {id(t): k for k, t in enumerate(self.inputs)}

    def fusable(self, k: int) -> bool:
        r"""May output k's loss gradient skip its layer's activation (dL/dz directly)? Only if the
        output feeds no other layer and is a model output once."""
        t = self.outputs[k]
        return (t.node is not None and id(t) not in self._consumers
                and sum(o is t for o in self.outputs) == 1)

    def output_layer(self, k: int):
        node = self.outputs[k].node
        return None if node is None else node.layer

    def run(self, inputs, call) -> list:
        r"""The outputs computed from ``inputs`` node by node, in topological order: ``call(j, layer,
        args)`` gives node j's output from its arguments (its one input, or the list of them).

            value[input k] = inputs[k];   value[output of node j] = call(j, layer_j, value[inputs of node j])
        """
        values = {id(t): x for t, x in zip(self.inputs, inputs)}
        for j, node in enumerate(self.nodes):
            args = [values[id(t)] for t in node.inputs]
            values[id(node.output)] = call(j, node.layer, args[0] if node.layer.n_inputs == 1 else args)
        return [values[id(t)] for t in self.outputs]

    def forward(self, xs, training: bool):
        def call(j, layer, args):
            out = layer.forward(args, training)
            if training and self._layer_of[j] in self._shared:
                self._records[j] = layer.forward_record()
            return out
        return self.run(xs, call)

    def backward(self, output_grads, pre_activation, need_input_grads: bool = False):
        r"""Backward through every node; returns dL/d(input) for each model input (None when
        ``need_input_grads`` is False and no input needs one)."""
        grads: dict[int, object] = {}
        fused: set[int] = set()
        for k, (t, g) in enumerate(zip(self.outputs, output_grads)):
            if g is None:
                continue
            grads[id(t)] = g if id(t) not in grads else grads[id(t)] + g
            if pre_activation[k]:
                fused.add(id(t))
        sums = {k: [np.zeros_like(g) for g in self.layers[k].grads] for k in self._shared}
        for j in range(len(self.nodes) - 1, -1, -1):
            node, shared = self.nodes[j], sums.get(self._layer_of[j])
            g = grads.pop(id(node.output), None)
            layer = node.layer
            if g is None:                    # nothing downstream depends on it: no gradient
                if shared is None:
                    for grad in layer.grads:
                        grad[...] = 0
                continue
            if shared is not None:
                layer.restore_forward_record(self._records[j])
            wants = need_input_grads or any(t.node is not None for t in node.inputs)
            result = layer.backward(g, pre_activation=id(node.output) in fused, need_input_grad=wants)
            if shared is not None:
                for total, grad in zip(shared, layer.grads):
                    total += grad
            if result is None:
                continue
            results = [result] if layer.n_inputs == 1 else list(result)
            for t, r in zip(node.inputs, results):
                key = id(t)
                grads[key] = r if key not in grads else grads[key] + r
        for k, totals in sums.items():
            for grad, total in zip(self.layers[k].grads, totals):
                grad[...] = total
        return [grads.get(id(t)) for t in self.inputs]

    def to_config(self) -> dict:
        r"""{"inputs": [...], "nodes": [...], "outputs": [...]}; a tensor is ["input", k], ["node", j] or
        output k of a node with several, ["node", j, k]."""
        refs = {id(t): ["input", k] for k, t in enumerate(self.inputs)}
        nodes = []
        for j, node in enumerate(self.nodes):
            if self._layer_of[j] is None:
                refs[id(node.output)] = [*refs[id(node.inputs[0])], node.layer.index]
                continue
            nodes.append({"layer": self._layer_of[j], "inputs": [refs[id(t)] for t in node.inputs]})
            refs[id(node.output)] = ["node", len(nodes) - 1]
        return {"inputs": [{"shape": list(t.sample_shape), "name": t.name,
                            **({"dtype": "string"} if t.dtype == STRING else {})} for t in self.inputs],
                "nodes": nodes, "outputs": [refs[id(t)] for t in self.outputs]}


def run_layers(model, inputs: list, call) -> list:
    r"""``model``'s outputs on ``inputs``, layer by layer: ``call(layer, args)`` gives each layer's
    output from its arguments (its one input, or the list of them), in topological order. A model
    without a graph (a Sequential) is the chain of its layers. The one walk of a model's layers
    outside its own forward and backward (the tape, the gradient check); ``call`` decides whether
    a model used as a layer is walked into."""
    graph = model.functional_graph
    if graph is None:
        a = inputs[0]
        for layer in model.layers:
            a = call(layer, a)
        return [a]
    return graph.run(inputs, lambda j, layer, args: call(layer, args))


def rebuild(config: dict, layers: list):
    r"""(inputs, outputs) symbolic tensors of a graph config, calling the given layers again."""
    from ..symbolic import Input

    if not isinstance(config.get("inputs"), list) or not isinstance(config.get("nodes"), list):
        raise ValueError("a functional model config needs 'inputs' and 'nodes' lists")
    inputs = [Input(shape=tuple(i["shape"]), name=i.get("name"), dtype=i.get("dtype")) for i in config["inputs"]]
    made: list = []

    def resolve(ref):
        kind, index, *part = ref
        table = inputs if kind == "input" else made
        if kind not in ("input", "node") or not isinstance(index, int) or not 0 <= index < len(table):
            raise ValueError(f"bad tensor reference {ref!r} in the model config")
        return table[index][part[0]] if part else table[index]

    for node in config["nodes"]:
        layer = layers[node["layer"]]
        args = [resolve(r) for r in node["inputs"]]
        made.append(layer(args[0] if layer.n_inputs == 1 and len(args) == 1 else args))
    return inputs, [resolve(r) for r in config["outputs"]]


def _tensor_list(name, value) -> list[SymbolicTensor]:
    if isinstance(value, dict):
        value = list(value.values())
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"Model needs at least one tensor in {name}=.")
    for t in items:
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"Model({name}=...) takes the symbolic tensors of neurona.Input and of layers called "
                            f"on them; got {type(t).__name__}.")
    return items


def _topological(outputs, inputs) -> list:
    r"""The nodes the outputs depend on, each after the nodes of its inputs."""
    order, state = [], {}
    input_ids = {id(t) for t in inputs}

    def visit(tensor):
        node = tensor.node
        if node is None:
            if id(tensor) not in input_ids:
                raise ValueError(f"An output depends on an Input that is not among the model's inputs: {tensor!r}.")
            return
        mark = state.get(id(node))
        if mark == "done":
            return
        stack = [(node, iter(node.inputs))]
        state[id(node)] = "open"
        while stack:
            current, pending = stack[-1]
            advanced = False
            for t in pending:
                if t.node is None:
                    if id(t) not in input_ids:
                        raise ValueError(f"An output depends on an Input that is not among the model's "
                                         f"inputs: {t!r}.")
                    continue
                if state.get(id(t.node)) is None:
                    state[id(t.node)] = "open"
                    stack.append((t.node, iter(t.node.inputs)))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                state[id(current)] = "done"
                order.append(current)

    for t in outputs:
        visit(t)
    return order
