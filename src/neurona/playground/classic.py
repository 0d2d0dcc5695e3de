r"""The classic neurons in the playground: a perceptron (the perceptron rule, the averaged
perceptron or MIRA, from ``neurona.neurons``) learns a 2-D linearly separable set one sample at
a time, and the page draws its line w1 x1 + w2 x2 + b = 0 moving; and McCulloch-Pitts gates.

Each step is ``partial_fit`` on the next sample (the samples in a shuffled order, again and
again), traced: the page shows the step's arithmetic as the slides write it.
"""
from __future__ import annotations

import math

import numpy as np

from .. import neurons
from .settings import SettingsError

RULES = {"perceptron": neurons.Perceptron, "averaged": neurons.AveragedPerceptron, "mira": neurons.MIRA}
N_SAMPLES = 60


def separable_points(n: int, seed: int, margin: float = 0.3):
    r"""n points uniform on [-5, 5]^2 on either side of a random line u . x = c (|u| = 1, |c| <= 1),
    none closer to it than ``margin``: class 1 where u . x > c."""
    rng = np.random.default_rng(seed)
    angle, offset = rng.uniform(0, 2 * np.pi), rng.uniform(-1, 1)
    direction = np.array([np.cos(angle), np.sin(angle)])
    kept = np.empty((0, 2))
    while len(kept) < n:
        x = rng.uniform(-5, 5, (4 * n, 2))
        kept = np.r_[kept, x[np.abs(x @ direction - offset) > margin]]
    x = kept[:n]
    return x, (x @ direction > offset).astype(np.int64)


class ClassicExperiment:
    r"""One neuron, its linearly separable data and its steps."""

    def __init__(self, rule: str, learning_rate=1.0, seed: int = 0):
        if rule not in RULES:
            raise SettingsError(f"'rule' must be one of {', '.join(RULES)}. Got {str(rule)[:40]!r}.")
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or \
                not (math.isfinite(learning_rate) and 0 < learning_rate <= 10):
            raise SettingsError(f"'learningRate' must be a number in (0, 10]. Got {learning_rate!r}.")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 32:
            raise SettingsError(f"'seed' must be an integer in [0, 2^32). Got {seed!r}.")
        self.rule = rule
        self.x, self.y = separable_points(N_SAMPLES, seed)
        options = {"C": learning_rate} if rule == "mira" else {"learning_rate": learning_rate}
        self.neuron = RULES[rule](random_state=seed, **options)
        self.order = np.random.default_rng(seed).permutation(N_SAMPLES)
        self.steps = 0
        self.mistakes: list[int] = []          # per pass over the data
        self.trace: list[str] = []

    def step(self) -> dict:
        r"""The neuron learns from the next sample; returns what the page draws."""
        i = int(self.order[self.steps % N_SAMPLES])
        if self.steps % N_SAMPLES == 0:
            self.mistakes.append(0)
        lines: list[str] = []
        self.neuron.trace = lines.append
        before = self.predict(i)
        self.neuron.partial_fit(self.x[i:i + 1], self.y[i:i + 1], classes=[0, 1])
        self.neuron.trace = False
        self.mistakes[-1] += int(before != self.y[i])
        self.steps += 1
        # partial_fit counts each call as an epoch of one sample: say which step and sample it was
        head = (f"step {self.steps} (pass {len(self.mistakes)}), sample {i}: x = ({self.x[i, 0]:.6g}, "
                f"{self.x[i, 1]:.6g}), y = {int(self.y[i])}")
        self.trace = [head] + [line for line in lines if not line.startswith("epoch ")]
        return self.state(i, before)

    def predict(self, i: int) -> int:
        if not hasattr(self.neuron, "coef_"):
            return 1        # zero weights: z = 0, and the step of 0 is 1
        return int(self.neuron.predict(self.x[i:i + 1])[0])

    def state(self, sample: int | None = None, predicted: int | None = None) -> dict:
        w = self.neuron.coef_[0].tolist() if hasattr(self.neuron, "coef_") else [0.0, 0.0]
        b = float(self.neuron.intercept_[0]) if hasattr(self.neuron, "intercept_") else 0.0
        wrong = int(sum(self.predict(i) != self.y[i] for i in range(N_SAMPLES))) if self.steps else N_SAMPLES // 2
        return {"type": "classic", "rule": self.rule, "w": w, "b": b, "steps": self.steps,
                "pass": len(self.mistakes), "mistakesThisPass": self.mistakes[-1] if self.mistakes else 0,
                "wrongNow": wrong, "sample": sample, "predicted": predicted,
                "points": [[round(float(a), 4), round(float(c), 4), int(t)] for (a, c), t in zip(self.x, self.y)],
                "trace": self.trace}


def gate(inputs, threshold, inhibitory) -> dict:
    r"""The truth table of a McCulloch-Pitts neuron with ``inputs`` binary inputs (1 to 4)."""
    if isinstance(inputs, bool) or not isinstance(inputs, int) or not 1 <= inputs <= 4:
        raise SettingsError(f"'inputs' must be an integer from 1 to 4. Got {inputs!r}.")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not abs(threshold) <= 10:
        raise SettingsError(f"'threshold' must be a number in [-10, 10]. Got {threshold!r}.")
    if not isinstance(inhibitory, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                   and 0 <= i < inputs for i in inhibitory):
        raise SettingsError(f"'inhibitory' must be a list of input indices in 0..{inputs - 1}. Got {inhibitory!r}.")
    neuron = neurons.McCullochPitts(threshold=threshold, inhibitory=sorted(set(inhibitory)))
    table = np.array([[(row >> (inputs - 1 - k)) & 1 for k in range(inputs)] for row in range(2 ** inputs)])
    return {"type": "gate", "inputs": table.tolist(), "z": neuron.decision_function(table).tolist(),
            "output": neuron.predict(table).tolist(), "threshold": threshold, "inhibitory": sorted(set(inhibitory))}
