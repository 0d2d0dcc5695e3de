r"""Data as Keras 3 takes it: generators, ``PyDataset`` / ``Sequence`` (in threads and processes),
iterables of batches (a PyTorch DataLoader), (x, y) / (x, y, w) / dict batches, memmaps and Dask
arrays read a batch at a time, ``pad_sequences`` and ``timeseries_dataset_from_array``. A model fed
batches trains exactly as on the same arrays in the same order."""
import itertools
import math
import os

import numpy as np
import pytest

import neurona as keras
from neurona import layers, utils


def _data(n=100, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1)) > 0).astype("float32")
    return x, y


def _model(seed=0, metrics=("accuracy",)):
    model = keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu"),
                              layers.Dense(1, activation="sigmoid")], seed=seed)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=list(metrics))
    return model


def _reference(x, y, epochs=2, batch_size=20, **kwargs):
    model = _model()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0, **kwargs)
    return model, history


def _same(model, reference, history=None, expected=None):
    for mine, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-7)
    if history is not None:
        for key in expected.history:
            np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-6, err_msg=key)


def test_endless_generator_with_steps_per_epoch_trains_as_the_arrays():
    x, y = _data()

    def batches():
        while True:                           # keras.io's pattern: an endless generator
            for i in range(0, 100, 20):
                yield x[i:i + 20], y[i:i + 20]

    model = _model()
    history = model.fit(batches(), steps_per_epoch=5, epochs=2, verbose=0)
    reference, expected = _reference(x, y)
    _same(model, reference, history, expected)


def test_a_finite_generator_runs_out_with_a_clear_message():
    x, y = _data()
    model = _model()
    with pytest.raises(ValueError, match="exhausted"):
        model.fit(((x[i:i + 20], y[i:i + 20]) for i in range(0, 100, 20)), steps_per_epoch=5, epochs=2, verbose=0)


class ArrayDataset(keras.utils.PyDataset):
    r"""Keras's docstring example of PyDataset (CIFAR10PyDataset), on arrays."""

    def __init__(self, x_set, y_set, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x_set, y_set
        self.batch_size = batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        low = idx * self.batch_size
        high = min(low + self.batch_size, len(self.x))
        return self.x[low:high], self.y[low:high]


@pytest.mark.parametrize("workers, processes", [(1, False), (3, False), (2, True)])
def test_pydataset_in_the_loop_in_threads_and_in_processes_trains_as_the_arrays(workers, processes):
    x, y = _data()
    data = ArrayDataset(x, y, 20, workers=workers, use_multiprocessing=processes, max_queue_size=2)
    model = _model()
    history = model.fit(data, epochs=2, verbose=0, validation_data=ArrayDataset(x[:40], y[:40], 20))
    reference, expected = _reference(x, y, validation_data=(x[:40], y[:40]))
    _same(model, reference, history, expected)
    np.testing.assert_allclose(model.predict(data, verbose=0), reference.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(data, verbose=0), reference.evaluate(x, y, verbose=0), rtol=1e-6)


def test_keras2_style_sequence_and_on_epoch_end_shuffling():
    x, y = _data()

    class Shuffled(keras.utils.Sequence):
        def __init__(self):
            super().__init__()
            self.order, self.epochs = np.arange(100), 0

        def __len__(self):
            return 5

        def __getitem__(self, i):
            rows = self.order[i * 20:(i + 1) * 20]
            return x[rows], y[rows]

        def on_epoch_end(self):
            self.epochs += 1
            self.order = np.random.default_rng(self.epochs).permutation(100)

    data = Shuffled()
    _model().fit(data, epochs=3, verbose=0)
    assert data.epochs == 3


def test_iterable_of_batches_and_torch_dataloader():
    x, y = _data()
    batches = [(x[i:i + 20], y[i:i + 20]) for i in range(0, 100, 20)]       # read again each epoch
    model = _model()
    history = model.fit(batches, epochs=2, verbose=0)
    reference, expected = _reference(x, y)
    _same(model, reference, history, expected)

    torch = pytest.importorskip("torch")
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                         batch_size=20, shuffle=False)
    model = _model()
    model.fit(loader, epochs=2, verbose=0)
    _same(model, reference)


def test_weighted_and_dict_batches():
    x, y = _data()
    w = np.random.default_rng(1).random(100).astype("float32")
    model = _model()
    model.fit(((x[i:i + 20], y[i:i + 20], w[i:i + 20]) for i in itertools.cycle(range(0, 100, 20))),
              steps_per_epoch=5, epochs=2, verbose=0)
    reference, _ = _reference(x, y, sample_weight=w)
    _same(model, reference)

    def two_inputs():
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        two = keras.Model([a, b], layers.Dense(1, activation="sigmoid")(layers.Concatenate()([a, b])), seed=0)
        two.compile(optimizer="sgd", loss="binary_crossentropy")
        return two

    two = two_inputs()
    history = two.fit([({"a": x[i:i + 20, :3], "b": x[i:i + 20, 3:]}, y[i:i + 20]) for i in range(0, 100, 20)],
                      epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    reference = two_inputs()            # the same batches given as arrays by input name
    expected = reference.fit({"a": x[:, :3], "b": x[:, 3:]}, y, batch_size=20, epochs=1, shuffle=False, verbose=0)
    _same(two, reference, history, expected)


def test_validation_generator_with_validation_steps():
    x, y = _data()
    model = _model()

    def val():
        while True:
            yield x[:20], y[:20]

    history = model.fit(x, y, batch_size=20, epochs=2, verbose=0, validation_data=val(), validation_steps=2,
                        shuffle=False)
    reference, expected = _reference(x, y, validation_data=(x[:20], y[:20]))
    _same(model, reference, history, expected)


def test_memmap_and_dask_arrays_are_read_one_batch_at_a_time(tmp_path):
    x, y = _data()
    path = tmp_path / "x.dat"
    stored = np.memmap(path, dtype="float32", mode="w+", shape=x.shape)
    stored[:] = x
    stored.flush()
    mapped = np.memmap(path, dtype="float32", mode="r", shape=x.shape)
    model = _model()
    history = model.fit(mapped, y, batch_size=20, epochs=2, verbose=0, shuffle=False)
    reference, expected = _reference(x, y)
    _same(model, reference, history, expected)
    shuffled = _model()
    shuffled.fit(mapped, y, batch_size=20, epochs=1, verbose=0)       # rows gathered in order from the file
    assert all(np.all(np.isfinite(w)) for w in shuffled.get_weights())

    da = pytest.importorskip("dask.array")
    model = _model()
    model.fit(da.from_array(x, chunks=(30, 5)), y, batch_size=20, epochs=2, verbose=0, shuffle=False)
    _same(model, reference)


def test_unpack_and_pack_x_y_sample_weight_as_keras():
    x, y, w = np.ones(2), np.zeros(2), np.full(2, 0.5)
    assert utils.unpack_x_y_sample_weight((x,))[1:] == (None, None)
    assert utils.unpack_x_y_sample_weight(x)[0] is x
    assert utils.unpack_x_y_sample_weight([x, y])[1] is y
    assert utils.unpack_x_y_sample_weight((x, y, w))[2] is w
    assert utils.pack_x_y_sample_weight(x) is x
    assert utils.pack_x_y_sample_weight((x, y)) == ((x, y),)
    assert len(utils.pack_x_y_sample_weight(x, y, w)) == 3
    with pytest.raises(ValueError, match="4 items"):
        utils.unpack_x_y_sample_weight((x, y, w, w))


def test_pad_sequences_matches_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    k = pytest.importorskip("keras")
    sequences = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], []]
    for kwargs in ({}, {"maxlen": 3}, {"padding": "post", "truncating": "post", "maxlen": 4},
                   {"value": -1, "maxlen": 6}, {"dtype": "float32", "value": 0.5, "padding": "post"}):
        np.testing.assert_array_equal(utils.pad_sequences(sequences, **kwargs),
                                      k.utils.pad_sequences(sequences, **kwargs), err_msg=str(kwargs))
    with pytest.raises(ValueError, match="padding"):
        utils.pad_sequences(sequences, padding="middle")


def test_timeseries_dataset_from_array_docstring_examples():
    data = np.arange(100)
    dataset = utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    for inputs, targets in dataset:                     # Keras's example 1
        assert np.array_equal(inputs[0], data[:10]) and targets[0] == data[10]
        break
    x = np.arange(100)
    sample_length = 20
    input_dataset = utils.timeseries_dataset_from_array(x, None, sequence_length=sample_length,
                                                        sequence_stride=sample_length)
    target_dataset = utils.timeseries_dataset_from_array(x * 2, None, sequence_length=sample_length,
                                                         sequence_stride=sample_length)
    for inputs, targets in zip(input_dataset, target_dataset):     # example 3
        assert np.array_equal(inputs[0], x[:sample_length])
        assert np.array_equal(targets[1], (x * 2)[sample_length:2 * sample_length])
        break
    steps = utils.timeseries_dataset_from_array(np.arange(50)[:, None], np.arange(50), sequence_length=5,
                                                sampling_rate=2, batch_size=8, start_index=3, end_index=40)
    windows = np.concatenate([w for w, _ in steps])
    assert windows.shape == (29, 5, 1) and np.array_equal(windows[0, :, 0], [3, 5, 7, 9, 11])
    assert np.array_equal(np.concatenate([t for _, t in steps])[:3], [3, 4, 5])
    model = keras.Sequential([keras.Input((5, 1)), layers.Flatten(), layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    assert np.isfinite(model.fit(steps, epochs=1, verbose=0).history["loss"][0])


def test_bad_batches_are_named():
    model = _model()
    with pytest.raises(ValueError, match="got x of type object and no y"):
        model.fit(object(), epochs=1, verbose=0)
    x, y = _data()
    with pytest.raises(ValueError, match="carry their targets"):
        model.fit(ArrayDataset(x, y, 20), y, epochs=1, verbose=0)


# -- shapes: Keras's rank adjustment of inputs and broadcasting of targets --------------------------
def test_inputs_with_an_extra_or_missing_trailing_axis_of_one_as_keras():
    inputs = keras.Input((17, 17))
    model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(inputs)), seed=0)
    x = np.random.default_rng(0).normal(size=(3, 17, 17)).astype("float32")
    np.testing.assert_array_equal(model.predict(x[..., None], verbose=0), model.predict(x, verbose=0))
    inputs = keras.Input((4, 1))
    model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(inputs)), seed=0)
    np.testing.assert_array_equal(model.predict(x[:, 0, :4], verbose=0), model.predict(x[:, 0, :4, None], verbose=0))
    with pytest.raises(ValueError, match="samples of shape"):
        model.predict(x, verbose=0)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_a_target_column_broadcasts_over_every_output_as_keras(loss):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    k = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    y = np.arange(6, dtype="float32")[:, None]
    model = keras.Sequential([keras.Input((3,)), layers.Dense(10)], seed=0)
    reference = k.Sequential([k.Input((3,)), k.layers.Dense(10)])
    reference.set_weights(model.get_weights())
    model.compile(optimizer="sgd", loss=loss)
    reference.compile(optimizer="sgd", loss=loss)
    for target in (y, y[:, :, None]):
        np.testing.assert_allclose(model.evaluate(x, target, verbose=0), reference.evaluate(x, target, verbose=0),
                                   rtol=1e-6)
    history = model.fit(x, y, epochs=2, shuffle=False, verbose=0)
    expected = reference.fit(x, y, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        model.evaluate(x, y[:, 0], verbose=0)       # (m,) against 10 outputs: an error, as in Keras


def test_class_weight_with_batches_and_with_a_custom_train_step_as_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    k = pytest.importorskip("keras")
    x, y = _data(seed=3)
    weights = {0: 0.3, 1: 2.0}
    model = _model(metrics=())
    model.fit(ArrayDataset(x, y, 20), class_weight=weights, epochs=2, verbose=0)
    reference, expected = _reference(x, y, class_weight=weights)
    _same(model, reference)

    keras_model = k.Sequential([k.Input((5,)), k.layers.Dense(8, activation="relu"),
                                k.layers.Dense(1, activation="sigmoid")])
    keras_model.set_weights(_model().get_weights())
    keras_model.compile(optimizer="adam", loss="binary_crossentropy")
    keras_history = keras_model.fit(x, y, class_weight=weights, batch_size=20, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(expected.history["loss"], keras_history.history["loss"], rtol=1e-5)
    for mine, theirs in zip(model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)


def test_steps_per_epoch_below_a_pass_goes_on_where_the_last_epoch_stopped_as_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    k = pytest.importorskip("keras")
    x, y = _data(n=120, seed=5)
    model = _model(metrics=())
    reference = k.Sequential([k.Input((5,)), k.layers.Dense(8, activation="relu"),
                              k.layers.Dense(1, activation="sigmoid")])
    reference.set_weights(model.get_weights())
    reference.compile(optimizer="adam", loss="binary_crossentropy")
    kwargs = dict(epochs=3, batch_size=20, steps_per_epoch=4, shuffle=False, verbose=0)
    history, expected = model.fit(x, y, **kwargs), reference.fit(x, y, **kwargs)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-5)
    for mine, theirs in zip(model.get_weights(), reference.get_weights()):    # (Adam's epsilon: 1e-5 near 0)
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)
