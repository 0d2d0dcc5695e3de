r"""The small example sets of the slides: chocolate prices, a noisy line, logic gates."""
from __future__ import annotations

import numpy as np

from ..validation import check_number

#: the liking level whose price the slides ask for (seed 000: "¿qué valor está dispuesto a pagar?")
CHOCOLATE_QUERY = 4.0


def chocolate_prices() -> tuple[np.ndarray, np.ndarray]:
    r"""Seed 000's chocolate study: x = liking level (1 .. 3.5), y = price the customer will pay.

    The prices follow y = W x with W = 10 exactly, so the question of the slides, the price at
    level ``CHOCOLATE_QUERY`` = 4, has the answer 40. Returns x of shape (7, 1) and y of shape (7,).
    """
    x = np.array([1.0, 1.5, 2.0, 2.25, 3.0, 3.1, 3.5]).reshape(-1, 1)
    return x, 10.0 * x[:, 0]


def make_linear(n_samples: int = 100, w: float = 3.0, b: float = 0.0, noise: float = 0.5, seed=None):
    r"""Seed 004's regression set: y = w x + b + U(-noise, noise), x ~ U(-1, 1), 100 points.

    (The slide writes y = x + 3 + rand(-0.5, 0.5) but then fits w = 3, b = 0: the line is
    y = 3x. The best possible MSE is the noise's variance, noise^2 / 3 = 0.0833 for 0.5; the
    slide measured 0.0803 on its sample; its x range is not given.) Returns x of shape (n, 1) and y of shape (n,).
    """
    check_number("make_linear", "n_samples", n_samples, 1, integer=True)
    check_number("make_linear", "noise", noise, 0)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n_samples)     # the slides do not say; this spread keeps their rate 0.1 stable
    y = w * x + b + rng.uniform(-noise, noise, n_samples)
    return x.reshape(-1, 1), y


_GATES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "xor": [0, 1, 1, 0],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
}


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    r"""The truth table of a two-input gate: x = the four inputs (0,0), (0,1), (1,0), (1,1), y = the
    output. AND and OR are linearly separable (a single perceptron learns them); XOR is not
    (seed 001: it needs a hidden layer)."""
    key = str(name).lower()
    if key not in _GATES:
        raise ValueError(f"Unknown logic gate {name!r}; known gates: {', '.join(_GATES)}.")
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return x, np.array(_GATES[key], dtype=np.int64)
