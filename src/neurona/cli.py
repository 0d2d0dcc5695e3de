r"""The ``neurona`` command.

    neurona train                      train the default MLP on the bundled digits set, print test metrics
    neurona train --dataset breast_cancer --layers 32,16 --epochs 50
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from . import datasets
from .data import StandardScaler, train_test_split
from .layers import Dense, Dropout
from .model import Sequential
from .optimizers import registry as optimizer_registry


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--layers takes comma-separated integers such as 64,32; got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"--layers sizes must be >= 1; got {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurona", description="Neural networks from first principles on NumPy.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train = commands.add_parser("train", help="train an MLP on a bundled dataset and print its test metrics",
                                description="Train a multilayer perceptron on a bundled dataset (standardised "
                                            "features, stratified 80/20 split) and print its test metrics.")
    train.add_argument("--dataset", default="digits", choices=sorted(datasets.BUNDLED),
                       help="bundled dataset (default: digits)")
    train.add_argument("--layers", type=_layers, default=[64, 32], help="hidden layer sizes (default: 64,32)")
    train.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    train.add_argument("--dropout", type=float, default=0.0, help="dropout rate after each hidden layer")
    train.add_argument("--optimizer", default="adam", choices=optimizer_registry.names(), help="default: adam")
    train.add_argument("--learning-rate", type=float, default=1e-3, help="default: 0.001")
    train.add_argument("--epochs", type=int, default=30, help="default: 30")
    train.add_argument("--batch-size", type=int, default=32, help="default: 32")
    train.add_argument("--validation-split", type=float, default=0.1, help="default: 0.1")
    train.add_argument("--seed", type=int, default=0, help="default: 0")
    train.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="0 silent, 1 bar, 2 a line per epoch")
    return parser


def train(args) -> int:
    x, y = datasets.load(args.dataset)
    classes = datasets.class_names(args.dataset)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, seed=args.seed)
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    # shuffle before fit so that validation_split's last samples are a random part of the train set
    order = np.random.default_rng(args.seed).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]

    stack = []
    for units in args.layers:
        stack.append(Dense(units, activation=args.activation, kernel_initializer="he_normal"
                           if args.activation in ("relu", "leaky_relu") else "glorot_uniform"))
        if args.dropout:
            stack.append(Dropout(args.dropout))
    stack.append(Dense(len(classes), activation="softmax"))
    model = Sequential(stack, input_dim=x.shape[1], seed=args.seed)
    from . import optimizers
    model.compile(optimizer=optimizers.get({"name": args.optimizer, "learning_rate": args.learning_rate}),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"Dataset {args.dataset}: {len(x_train)} train / {len(x_test)} test samples, "
          f"{x.shape[1]} features, {len(classes)} classes")
    model.summary()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
              validation_split=args.validation_split, verbose=args.verbose)
    result = model.evaluate(x_test, y_test)
    predicted = model.predict(x_test).argmax(axis=1)
    print(f"Test loss: {result['loss']:.4f} - test accuracy: {result['accuracy']:.4f}")
    print(_confusion_table(y_test, predicted, classes))
    return 0


def _confusion_table(y_true, y_pred, classes) -> str:
    k = len(classes)
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    width = max(max(len(c) for c in classes), len(str(matrix.max()))) + 1
    lines = ["Confusion matrix (rows: true class, columns: predicted):",
             " " * width + "".join(c.rjust(width) for c in classes)]
    for name, row in zip(classes, matrix):
        lines.append(name.rjust(width) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return train(args)
    except (ValueError, TypeError) as error:
        print(f"neurona: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
