r"""Convolutional programs as their authors wrote them, run with ``import neurona as keras``: keras.io's
"Simple MNIST convnet" on a slice of real MNIST, and the Fashion-MNIST CNN of the TensorFlow blog's
tf.keras tutorial when Fashion-MNIST's files are on this machine. Only the import lines change (and,
to keep the test short, the number of images and of epochs)."""
import os
from pathlib import Path

import numpy as np
import pytest

from mnist_data import mnist_dir

MNIST_CONVNET = '''
import numpy as np
import keras
from keras import layers

# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

# Load the data and split it between train and test sets
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# Make sure images have shape (28, 28, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")


# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)

model.summary()

batch_size = 128
epochs = 15

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
'''

FASHION_CNN = '''
import numpy as np
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255

(x_train, x_valid) = x_train[5000:], x_train[:5000]
(y_train, y_valid) = y_train[5000:], y_train[:5000]

w, h = 28, 28
x_train = x_train.reshape(x_train.shape[0], w, h, 1)
x_valid = x_valid.reshape(x_valid.shape[0], w, h, 1)
x_test = x_test.reshape(x_test.shape[0], w, h, 1)

y_train = tf.keras.utils.to_categorical(y_train, 10)
y_valid = tf.keras.utils.to_categorical(y_valid, 10)
y_test = tf.keras.utils.to_categorical(y_test, 10)

model = tf.keras.Sequential()
model.add(tf.keras.layers.Conv2D(filters=64, kernel_size=2, padding='same', activation='relu', input_shape=(28,28,1)))
model.add(tf.keras.layers.MaxPooling2D(pool_size=2))
model.add(tf.keras.layers.Dropout(0.3))
model.add(tf.keras.layers.Conv2D(filters=32, kernel_size=2, padding='same', activation='relu'))
model.add(tf.keras.layers.MaxPooling2D(pool_size=2))
model.add(tf.keras.layers.Dropout(0.3))
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(256, activation='relu'))
model.add(tf.keras.layers.Dropout(0.5))
model.add(tf.keras.layers.Dense(10, activation='softmax'))
model.summary()

model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
model.fit(x_train, y_train, batch_size=64, epochs=10, validation_data=(x_valid, y_valid))

score = model.evaluate(x_test, y_test, verbose=0)
print('\\n', 'Test accuracy:', score[1])
'''


def run(program, replacements):
    for old, new in replacements.items():
        assert old in program, old
        program = program.replace(old, new)
    scope = {"__name__": "__main__"}
    try:                   # one BLAS thread: on a busy shared machine, threads waiting for each other cost most
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(1)
    except ImportError:
        limits = None
    try:
        exec(compile(program, "<program>", "exec"), scope)
    finally:
        if limits is not None:
            limits.restore_original_limits()
    return scope


def slice_of_mnist(folder: Path, n_train: int, n_test: int):
    r"""A ``mnist.npz`` of the first images of real MNIST in Keras's cache layout."""
    import neurona

    x_train, y_train, x_test, y_test = neurona.datasets.load_mnist(mnist_dir(), flatten=False)
    (folder / "datasets").mkdir(parents=True)
    to_bytes = lambda x: np.round(x * 255).astype(np.uint8)             # noqa: E731  (back to Keras's uint8 pixels)
    np.savez(folder / "datasets" / "mnist.npz", x_train=to_bytes(x_train[:n_train]), y_train=y_train[:n_train],
             x_test=to_bytes(x_test[:n_test]), y_test=y_test[:n_test])


def test_keras_io_simple_mnist_convnet_runs_unchanged(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    slice_of_mnist(tmp_path, 4000, 1000)
    scope = run(MNIST_CONVNET, {"import keras\n": "import neurona as keras\n",
                                "from keras import layers": "from neurona import layers",
                                "epochs = 15": "epochs = 2"})
    printed = capsys.readouterr().out
    assert "x_train shape: (4000, 28, 28, 1)" in printed and "Total params: 34,826" in printed
    test_accuracy = float(printed.split("Test accuracy:")[1].split()[0])
    assert test_accuracy > 0.8, printed[-2000:]          # 2 epochs on 3,600 images (15 on 54,000 give 99%)
    model = scope["model"]
    assert [layer.sample_output_shape for layer in model.layers[:4]] == [(26, 26, 32), (13, 13, 32), (11, 11, 64),
                                                                          (5, 5, 64)]


def _fashion_files():
    from neurona.datasets.keras_layout import keras_cache
    from neurona.datasets.idx import MNIST_FILES
    names = [name for pair in MNIST_FILES.values() for name in pair]
    candidates = [keras_cache() / "fashion-mnist", Path(os.environ.get("NEURONA_DATA", Path.home() / ".neurona")) /
                  "fashion_mnist", Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion_mnist"]
    return next((c for c in candidates if all((c / name).is_file() for name in names)), None)


def test_tensorflow_fashion_mnist_cnn_runs_unchanged(tmp_path, monkeypatch, capsys):
    folder = _fashion_files()
    if folder is None:
        pytest.skip("Fashion-MNIST's IDX files are not on this machine (Keras's cache fashion-mnist/, neurona's "
                    "cache or ../shared/data/fashion_mnist); this test does not download them")
    import neurona
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets" / "fashion-mnist").mkdir(parents=True)
    for name in os.listdir(folder):
        os.symlink(folder / name, tmp_path / "datasets" / "fashion-mnist" / name)
    monkeypatch.setitem(__import__("sys").modules, "tensorflow", type("tf", (), {"keras": neurona}))
    run(FASHION_CNN, {"(x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()":
                      "(x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()\n"
                      "x_train, y_train, x_test, y_test = x_train[:9000], y_train[:9000], x_test[:1000], y_test[:1000]",
                      "epochs=10": "epochs=2"})
    printed = capsys.readouterr().out
    assert float(printed.split("Test accuracy:")[1].split()[0]) > 0.75
