"""Model files: exact round trips, exact continuation of training, and files that must not load."""
import json
import os
import pickle
import random
import struct

import conv_cases
import numpy as np
import pytest
from safetensors.numpy import save as st_save

import neurona as nr
from neurona import callbacks, layers, saving, optimizers, regularizers, schedules

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 6))
Y = (X[:, 0] + X[:, 1] ** 2 > 0.8).astype(int)

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.05),
    "momentum": lambda: optimizers.SGD(0.05, momentum=0.9, dampening=0.9),
    "nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: optimizers.RMSprop(0.003),
    "adam": lambda: optimizers.Adam(0.01),
    "adam_schedule": lambda: optimizers.Adam(schedules.CosineAnnealing(0.01, decay_steps=40)),
}


# every registered optimizer with its defaults, plus the variants that keep other state
for name in optimizers.registry.names():
    OPTIMIZERS.setdefault(f"{name}_default", lambda name=name: optimizers.get(name))

#: arguments of each registered learning-rate schedule (a new schedule needs an entry here)
SCHEDULE_ARGUMENTS = {"step_decay": {"drop": 0.5, "step_size": 7}, "time_based_decay": {"decay_rate": 0.1},
                      "exponential_decay": {"decay_rate": 0.9, "decay_steps": 5},
                      "cosine_annealing": {"decay_steps": 40},
                      "cosine_annealing_warm_restarts": {"first_decay_steps": 9, "t_mult": 2},
                      "inverse_time_decay": {"decay_steps": 3, "decay_rate": 0.5},
                      "piecewise_constant_decay": {"boundaries": [4, 9], "values": [0.05, 0.02, 0.01]},
                      "polynomial_decay": {"decay_steps": 20, "cycle": True},
                      "cosine_decay": {"decay_steps": 20, "warmup_target": 0.1, "warmup_steps": 3},
                      "cosine_decay_restarts": {"first_decay_steps": 5}}
for name, arguments in SCHEDULE_ARGUMENTS.items():
    start = {} if "values" in arguments else {"initial_learning_rate": 0.05}
    OPTIMIZERS[f"sgd_{name}"] = lambda name=name, arguments=arguments, start=start: optimizers.SGD(
        {"name": name, **start, **arguments}, momentum=0.9)
OPTIMIZERS["adam_amsgrad_clipped"] = lambda: optimizers.Adam(0.01, amsgrad=True, clipnorm=1.0, weight_decay=0.01)


def test_every_schedule_has_a_round_trip_case():
    covered = {schedules.registry.lookup(name) for name in SCHEDULE_ARGUMENTS}
    assert {schedules.registry.lookup(name) for name in schedules.registry.names()} == covered

#: constructor arguments of each registered layer type (a new type needs an entry here)
LAYER_ARGUMENTS = {"dense": {"units": 3, "activation": "sigmoid"}, "activation": {"activation": "relu"},
                   "dropout": {"rate": 0.5}, "flatten": {}, "reshape": {"target_shape": (3, 1)},
                   "normalization": {"mean": 0.5, "variance": 2.0}, "batch_normalization": {"momentum": 0.5},
                   "softmax": {}, "relu": {}, "leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 0.5},
                   "op": {"function": "multiply", "constants": [None, 3.0]}}
#: the merge layers, met in a graph of two branches
MERGES = ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]
#: layers that stand for something else in a model file
NOT_STORED = {"input_layer"}
#: the preprocessing layers: saved and loaded in models of images in test_image_preprocessing.py
PREPROCESSING = {"rescaling", "resizing", "center_crop", "random_flip", "random_contrast", "random_rotation",
                 "random_translation", "random_zoom", "category_encoding", "discretization", "string_lookup",
                 "integer_lookup", "text_vectorization"}
#: the convolutional, pooling and spatial layers: round-tripped in models of images, one case each
IMAGE_CASES = {}
for _name, _make in conv_cases.CASES.items():
    IMAGE_CASES.setdefault(_make()[0].registry_name, _make)


#: the other layers of Keras's core set, each in a model of its own (a layer, its per-sample input shape)
OTHER_CASES = {
    "lambda": lambda: (layers.Lambda(nr.ops.tanh), (6,)),
    "identity": lambda: (layers.Identity(), (6,)),
    "prelu": lambda: (layers.PReLU(), (6,)),
    "einsum_dense": lambda: (layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c"), (6,)),
    "gaussian_noise": lambda: (layers.GaussianNoise(0.1, seed=1), (6,)),
    "gaussian_dropout": lambda: (layers.GaussianDropout(0.2, seed=1), (6,)),
    "alpha_dropout": lambda: (layers.AlphaDropout(0.2, seed=1), (6,)),
    "spatial_dropout1d": lambda: (layers.SpatialDropout1D(0.2, seed=1), (3, 2)),
    "spatial_dropout2d": lambda: (layers.SpatialDropout2D(0.2, seed=1), (3, 2, 2)),
    "spatial_dropout3d": lambda: (layers.SpatialDropout3D(0.2, seed=1), (2, 2, 2, 2)),
    "unit_normalization": lambda: (layers.UnitNormalization(), (6,)),
    "rms_normalization": lambda: (layers.RMSNormalization(axis=[1, 2]), (3, 2)),
    "activity_regularization": lambda: (layers.ActivityRegularization(l1=0.01, l2=0.02), (6,)),
    "repeat_vector": lambda: (layers.RepeatVector(2), (6,)),
    "permute": lambda: (layers.Permute((2, 1)), (3, 2)),
    "dot": lambda: (layers.Dot(axes=1), [(6,), (6,)]),
    "hashing": lambda: (layers.Hashing(5, salt=7), (6,)),
}


def test_every_other_layer_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    for name, make_case in sorted(OTHER_CASES.items()):
        layer, shape = make_case()
        shapes = shape if isinstance(shape, list) else [shape]
        inputs = [nr.Input(s) for s in shapes]
        x = layer(inputs if len(inputs) > 1 else inputs[0])
        model = nr.Model(inputs if len(inputs) > 1 else inputs[0],
                         layers.Dense(2, activation="softmax")(layers.Flatten()(x)), seed=3)
        model.compile("sgd", "sparse_categorical_crossentropy")
        xs = [rng.normal(size=(6, *s)).astype(np.float32) for s in shapes]
        xs = xs if len(xs) > 1 else xs[0]
        model.fit(xs, np.arange(6) % 2, epochs=1, verbose=0)
        model.save(tmp_path / f"{name}.keras")
        loaded = nr.load_model(tmp_path / f"{name}.keras")
        assert [lay.get_config() for lay in loaded.layers] == [lay.get_config() for lay in model.layers], name
        assert np.array_equal(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0)), name


def test_every_registered_layer_type_round_trips(tmp_path):
    names = {layers.registry.lookup(n).registry_name for n in layers.registry.names()}
    assert names - NOT_STORED <= set(LAYER_ARGUMENTS) | set(MERGES) | set(IMAGE_CASES) | set(SEQUENCE_CASES) | \
        PREPROCESSING | set(OTHER_CASES), \
        "add the new layer type to LAYER_ARGUMENTS"
    stack = [layers.get({"name": name, **LAYER_ARGUMENTS[name]}) for name in sorted(LAYER_ARGUMENTS)]
    stack.insert(0, layers.Dense(3, activation="tanh"))         # the Reshape needs 3 features
    # (the Reshape leaves steps (3, 1): a label per sample needs one row per sample again, as in Keras)
    model = nr.Sequential([*stack, layers.Flatten(), layers.Dense(2, activation="softmax")], input_dim=6, seed=1)
    inputs = nr.Input(shape=(6,))
    a, b = layers.Dense(4, activation="tanh")(inputs), layers.Dense(4)(inputs)
    merged = layers.Concatenate()([layers.get({"name": name})([a, b]) for name in MERGES if name != "concatenate"])
    graph = nr.Model(inputs, layers.Dense(2, activation="softmax")(layers.concatenate([merged, a])), seed=2)
    for net in (model, graph):
        net.compile("sgd", "sparse_categorical_crossentropy")
        fit(net, 1)
        net.save(tmp_path / "m.keras")
        loaded = nr.load_model(tmp_path / "m.keras")
        assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in net.layers]
        assert np.array_equal(loaded.predict(X), net.predict(X))


def test_every_image_layer_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    for name, make_case in sorted(IMAGE_CASES.items()):
        layer, shapes = make_case()
        model = nr.Sequential([nr.Input(shapes[0]), layer, layers.Flatten(), layers.Dense(2, activation="softmax")],
                              seed=3)
        model.compile("sgd", "sparse_categorical_crossentropy")
        x = rng.normal(size=(6, *shapes[0])).astype(np.float32)
        model.fit(x, np.arange(6) % 2, epochs=1, verbose=0)
        model.save(tmp_path / f"{name}.keras")
        loaded = nr.load_model(tmp_path / f"{name}.keras")
        assert [lay.get_config() for lay in loaded.layers] == [lay.get_config() for lay in model.layers], name
        assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0)), name


#: the sequence layers: round-tripped in models of sequences (ids for Embedding), one case each
SEQUENCE_CASES = {
    "embedding": lambda: layers.Embedding(9, 3, mask_zero=True),
    "masking": lambda: layers.Masking(),
    "simple_rnn": lambda: layers.SimpleRNN(3, return_sequences=True, go_backwards=True),
    "lstm": lambda: layers.LSTM(3, return_sequences=True, recurrent_dropout=0.2, seed=1),
    "gru": lambda: layers.GRU(3, return_sequences=True, reset_after=False),
    "bidirectional": lambda: layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum"),
    "time_distributed": lambda: layers.TimeDistributed(layers.Dense(3, activation="tanh")),
    "layer_normalization": lambda: layers.LayerNormalization(epsilon=1e-5),
    "group_normalization": lambda: layers.GroupNormalization(groups=1),
    "attention": lambda: layers.Attention(use_scale=True),
    "multi_head_attention": lambda: layers.MultiHeadAttention(2, 2),
    "rnn": lambda: layers.RNN([layers.GRUCell(2), layers.LSTMCell(3, recurrent_dropout=0.2, seed=1)],
                              return_sequences=True, go_backwards=True),
}


def test_every_sequence_layer_round_trips(tmp_path):
    ids = np.random.default_rng(0).integers(0, 9, size=(6, 5))
    for name, make_layer in sorted(SEQUENCE_CASES.items()):
        inputs = nr.Input((5,))
        x = layers.Embedding(9, 3, mask_zero=True)(inputs) if name != "embedding" else inputs
        layer = make_layer()
        x = layer([x, x]) if layer.n_inputs != 1 else layer(x)
        model = nr.Model(inputs, layers.Dense(2, activation="softmax")(layers.Flatten()(x)), seed=3)
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(ids, np.arange(6) % 2, epochs=1, verbose=0)
        model.save(tmp_path / f"{name}.keras")
        loaded = nr.load_model(tmp_path / f"{name}.keras")
        assert [lay.get_config() for lay in loaded.layers] == [lay.get_config() for lay in model.layers], name
        assert np.array_equal(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0)), name


def make(optimizer="adam", dtype="float32"):
    model = nr.Sequential([
        layers.Dense(10, activation="tanh", kernel_regularizer=regularizers.L2(0.01),
                     bias_regularizer=regularizers.L1(0.001), kernel_initializer="he_uniform"),
        layers.Dropout(0.25),
        layers.Dense(7, activation={"name": "leaky_relu", "negative_slope": 0.1}, use_bias=False),
        layers.Activation("softsign"),
        layers.Dense(2, activation="softmax", name="out"),
    ], input_dim=6, seed=5, dtype=dtype)
    model.compile(optimizer=OPTIMIZERS[optimizer](), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit(model, epochs):
    return model.fit(X, Y, epochs=epochs, batch_size=16, validation_split=0.2, verbose=0)


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_round_trip_is_bitwise_and_training_continues_exactly(tmp_path, optimizer):
    uninterrupted = make(optimizer)
    fit(uninterrupted, 5)
    first = make(optimizer)
    fit(first, 2)
    path = tmp_path / "m.safetensors"
    first.save(path)
    loaded = nr.load_model(path)
    assert loaded.get_config() == first.get_config()
    assert np.array_equal(loaded.predict(X), first.predict(X))
    assert loaded.optimizer == first.optimizer and loaded.optimizer.iterations == first.optimizer.iterations
    assert loaded.epoch == 2 and loaded.history.history == first.history.history
    fit(loaded, 3)
    assert same_weights(loaded, uninterrupted)


def test_files_with_adams_earlier_moment_slots_load_and_resume(tmp_path):
    # files written before Adam kept m / (1 - beta_1) and v / (1 - beta_2) hold "m" and "v"
    path, tensors, metadata = saved(tmp_path)            # one epoch of make()'s model
    tensors["optimizer.m"] = tensors.pop("optimizer.m_sum") * np.float32(1 - 0.9)
    tensors["optimizer.v"] = tensors.pop("optimizer.v_sum") * np.float32(1 - 0.999)
    path.write_bytes(st_save(tensors, metadata=metadata))
    loaded = nr.load_model(path)
    fit(loaded, 3)
    uninterrupted = make()
    fit(uninterrupted, 4)
    for a, b in zip(loaded.get_weights(), uninterrupted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtypes_and_unfitted_model_round_trip(tmp_path, dtype):
    model = make("adam", dtype)
    model.metadata = {"classes": ["no", "yes"]}
    path = tmp_path / "m.safetensors"
    model.save(path)
    loaded = nr.load_model(path)
    assert loaded.dtype == np.dtype(dtype) and loaded.metadata == {"classes": ["no", "yes"]}
    assert np.array_equal(loaded.predict(X), model.predict(X))
    uncompiled = nr.Sequential([layers.Dense(3)], input_dim=2, seed=0)
    uncompiled.save(path)
    assert not nr.load_model(path).compiled


def test_the_file_is_plain_safetensors_with_json_metadata(tmp_path):
    from safetensors import safe_open
    model = make()
    fit(model, 1)
    model.save(tmp_path / "m.safetensors")
    with safe_open(tmp_path / "m.safetensors", framework="numpy") as file:
        keys, metadata = set(file.keys()), file.metadata()
        assert np.array_equal(file.get_tensor("layers.0.kernel"), model.layers[0].kernel)
    assert {"layers.0.kernel", "layers.0.bias", "layers.2.kernel", "layers.4.kernel", "optimizer.m_sum",
            "optimizer.v_sum"} <= keys and "layers.2.bias" not in keys
    assert json.loads(metadata["compile"])["loss"]["name"] == "sparse_categorical_crossentropy"
    assert json.loads(metadata["training"])["epoch"] == 1


def test_resume_from_runs_only_the_missing_epochs(tmp_path):
    uninterrupted = make()
    fit(uninterrupted, 4)
    path = tmp_path / "backup.safetensors"
    make().fit(X, Y, epochs=2, batch_size=16, validation_split=0.2, verbose=0, resume_from=path)
    resumed = make()
    history = resumed.fit(X, Y, epochs=4, batch_size=16, validation_split=0.2, verbose=0, resume_from=path)
    assert same_weights(resumed, uninterrupted)
    assert history.epoch == [0, 1, 2, 3] and history.history == uninterrupted.history.history
    other = nr.Sequential([layers.Dense(2, activation="softmax")], input_dim=6)
    other.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="different model"):
        other.fit(X, Y, epochs=1, verbose=0, resume_from=path)


def test_model_checkpoint_every_n_epochs_and_best_only(tmp_path):
    model = make()
    checkpoint = callbacks.ModelCheckpoint(tmp_path / "e{epoch:02d}.safetensors", every_n_epochs=2)
    best = callbacks.ModelCheckpoint(tmp_path / "best.safetensors", monitor="val_loss", save_best_only=True)
    model.fit(X, Y, epochs=5, batch_size=16, validation_split=0.2, verbose=0, callbacks=[checkpoint, best])
    assert sorted(os.listdir(tmp_path)) == ["best.safetensors", "e02.safetensors", "e04.safetensors"]
    val = model.history.history["val_loss"]
    saved = nr.load_model(tmp_path / "best.safetensors")
    assert saved.epoch == int(np.argmin(val)) + 1
    assert nr.load_model(tmp_path / "e04.safetensors").epoch == 4
    with pytest.raises(ValueError, match="every_n_epochs"):
        callbacks.ModelCheckpoint("x.safetensors", every_n_epochs=0)
    with pytest.raises(ValueError, match=r"\{val_acc\}.*'val_accuracy'"):
        make().fit(X, Y, epochs=1, verbose=0, validation_split=0.2,
                   callbacks=[callbacks.ModelCheckpoint(tmp_path / "{val_acc}.safetensors")])


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    saving.write_atomic(path, b"old")

    def fail(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        saving.write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.safetensors"]


def squared_log_error(y_true, y_pred):
    from neurona import autodiff as ad
    return ad.mean((ad.log(1 + y_pred) - ad.log(1 + y_true)) ** 2)


def worst_error(y_true, y_pred):
    return float(np.max(np.abs(y_true - y_pred)))


def test_custom_loss_and_metric_are_named_in_the_file_and_given_back_when_loading(tmp_path):
    def model():
        m = nr.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1, activation="softplus")],
                          input_dim=6, seed=2)
        m.compile(optimizers.Adam(0.01), loss=squared_log_error, metrics=[worst_error])
        return m
    target = np.abs(X[:, 0]) + 1
    uninterrupted = model()
    uninterrupted.fit(X, target, epochs=4, verbose=0)
    first = model()
    first.fit(X, target, epochs=2, verbose=0, resume_from=tmp_path / "backup.safetensors")
    with pytest.raises(saving.ModelFileError, match=r"custom loss 'squared_log_error'.*custom_objects="):
        nr.load_model(tmp_path / "backup.safetensors")
    assert not nr.load_model(tmp_path / "backup.safetensors", compile=False).compiled
    custom = {"squared_log_error": squared_log_error, "worst_error": worst_error}
    loaded = nr.load_model(tmp_path / "backup.safetensors", custom_objects=custom)
    assert [name for name, _ in loaded.metrics[1].named_metrics] == ["worst_error"]
    loaded.fit(X, target, epochs=2, verbose=0)
    assert same_weights(loaded, uninterrupted)
    assert loaded.history.history["worst_error"] == uninterrupted.history.history["worst_error"][2:]
    resumed = model()
    resumed.fit(X, target, epochs=4, verbose=0, resume_from=tmp_path / "backup.safetensors")
    assert same_weights(resumed, uninterrupted)
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        nr.load_model(tmp_path / "backup.safetensors", custom_objects=[squared_log_error])


def test_written_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        saving.write_atomic(tmp_path / "m.safetensors", b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "m.safetensors").stat().st_mode & 0o777 == 0o644


def test_saving_loading_and_resuming_never_unpickle(tmp_path, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(np, "load", refuse)
    model = make()
    model.fit(X, Y, epochs=1, verbose=0, resume_from=tmp_path / "m.safetensors")
    loaded = nr.load_model(tmp_path / "m.safetensors")
    loaded.fit(X, Y, epochs=2, verbose=0, resume_from=tmp_path / "m.safetensors")
    assert loaded.epoch == 2


# -- files that must not load ------------------------------------------------------------------
def saved(tmp_path):
    model = make()
    fit(model, 1)
    path = tmp_path / "m.safetensors"
    model.save(path)
    from safetensors import safe_open
    with safe_open(path, framework="numpy") as file:
        return path, {k: file.get_tensor(k) for k in file.keys()}, dict(file.metadata())


def test_truncated_file(tmp_path):
    path, _, _ = saved(tmp_path)
    data = path.read_bytes()
    for size in (0, 5, 100, len(data) - 1):
        path.write_bytes(data[:size])
        with pytest.raises(saving.ModelFileError, match="truncated|not a valid safetensors"):
            nr.load_model(path)


def test_wrong_tensor_shape(tmp_path):
    path, tensors, metadata = saved(tmp_path)
    tensors["layers.0.kernel"] = np.zeros((6, 11), np.float32)
    path.write_bytes(st_save(tensors, metadata=metadata))
    with pytest.raises(saving.ModelFileError, match=r"'layers.0.kernel' has shape \(6, 11\).*needs \(6, 10\)"):
        nr.load_model(path)


def test_unknown_layer_and_bad_arguments(tmp_path):
    path, tensors, metadata = saved(tmp_path)
    for layer, message in [({"name": "os.system", "command": "touch pwned"}, "Unknown layer 'os.system'"),
                           ({"name": "dense", "units": -3}, "units"),
                           ({"name": "dense", "units": 10 ** 9}, "larger than all the file's tensors"),
                           ({"name": "conv2d", "filters": 10 ** 6, "kernel_size": [300, 300]},
                            "declares 1000000 filters of \\[300, 300\\], more than all the file's tensors")]:
        config = json.loads(metadata["model"])
        config["layers"][0] = layer
        path.write_bytes(st_save(tensors, metadata=metadata | {"model": json.dumps(config)}))
        with pytest.raises(ValueError, match=message):
            nr.load_model(path)
    assert not os.path.exists("pwned")


def test_metadata_that_is_not_json_or_not_neurona(tmp_path):
    path, tensors, metadata = saved(tmp_path)
    payload = pickle.dumps(os.getcwd)          # a pickle: must never be unpickled
    path.write_bytes(st_save(tensors, metadata=metadata | {"model": payload.hex() + "{"}))
    with pytest.raises(saving.ModelFileError, match="'model' is not valid JSON"):
        nr.load_model(path)
    path.write_bytes(st_save(tensors, metadata=metadata | {"format": "pickle"}))
    with pytest.raises(saving.ModelFileError, match="not a neurona model file"):
        nr.load_model(path)
    header = b'{"__metadata__": not json}'
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(saving.ModelFileError, match="header is not JSON"):
        nr.load_model(path)


HOSTILE_VALUES = [None, 5, -1, 1e300, True, "s", [], [1], {}, {"x": 1}, {"history": {"loss": ["x"]}},
                  {"bit_generator": "PCG64", "state": {"state": float("inf"), "inc": 1}}]


def test_any_json_in_the_metadata_loads_or_gives_a_model_file_error(tmp_path):
    # every metadata value, and every key inside it, replaced by JSON of the wrong kind
    path, tensors, metadata = saved(tmp_path)
    refused = set()
    for key in ("model", "compile", "training", "user"):
        original = json.loads(metadata[key])
        variants = [(None, value) for value in HOSTILE_VALUES]
        variants += [(inner, value) for inner in original for value in HOSTILE_VALUES]
        for inner, value in variants:
            changed = value if inner is None else original | {inner: value}
            path.write_bytes(st_save(tensors, metadata=metadata | {key: json.dumps(changed)}))
            try:
                nr.load_model(path)
            except saving.ModelFileError:
                refused.add((key, inner, json.dumps(value)))
    for case in [("compile", "optimizer", "null"), ("training", None, "5"), ("training", "epoch", "-1"),
                 ("training", "optimizer_iterations", "1e+300"), ("training", "rng", "{}"),
                 ("training", "history", '{"history": {"loss": ["x"]}}'), ("training", "history", "[1]"),
                 ("user", None, "[1]"), ("model", "layers", "{}"), ("model", "input_dim", "-1"),
                 ("training", "rng", '{"bit_generator": "PCG64", "state": {"state": Infinity, "inc": 1}}')]:
        assert case in refused, case


def test_corrupted_bytes_load_or_give_a_model_file_error(tmp_path):
    # bytes of the JSON header (where a hostile edit would go) and of the tensors, changed at random
    path, _, _ = saved(tmp_path)
    data = path.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    chooser = random.Random(0)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(400):
        corrupted = bytearray(data)
        for _ in range(chooser.randint(1, 3)):
            where = chooser.randrange(8, header_end) if chooser.random() < 0.8 else chooser.randrange(len(data))
            corrupted[where] = ord(chooser.choice('0123456789{}[]",:.-eE')) if chooser.random() < 0.5 else \
                chooser.randrange(256)
        path.write_bytes(bytes(corrupted))
        try:
            nr.load_model(path)
            outcomes["loaded"] += 1
        except saving.ModelFileError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 300 and outcomes["loaded"] > 0, outcomes


def test_bad_optimizer_state_changes_nothing(tmp_path):
    path, tensors, metadata = saved(tmp_path)
    tensors["optimizer.m_sum"] = tensors["optimizer.m_sum"][:-1]
    path.write_bytes(st_save(tensors, metadata=metadata))
    with pytest.raises(saving.ModelFileError, match="optimizer slot 'm_sum'"):
        nr.load_model(path)
    model = make()
    before = model.get_weights()
    with pytest.raises(saving.ModelFileError):
        model.fit(X, Y, epochs=1, verbose=0, resume_from=path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_save_needs_a_built_model_and_json_metadata(tmp_path):
    with pytest.raises(ValueError, match="built model"):
        nr.Sequential([layers.Dense(2)]).save(tmp_path / "m.safetensors")
    model = make()
    model.metadata = {"scaler": np.zeros(3)}
    with pytest.raises(ValueError, match="model.metadata must hold JSON values"):
        model.save(tmp_path / "m.safetensors")
    assert not os.listdir(tmp_path)


def test_backup_removes_temporaries_of_writes_that_were_killed(tmp_path):
    (tmp_path / ".backup.safetensors.x1y2.tmp").write_bytes(b"half a file")
    (tmp_path / ".other.safetensors.x1y2.tmp").write_bytes(b"not ours")
    make().fit(X, Y, epochs=1, verbose=0, resume_from=tmp_path / "backup.safetensors")
    assert sorted(os.listdir(tmp_path)) == [".other.safetensors.x1y2.tmp", "backup.safetensors"]


# -- hostile files: refused before anything large is read or allocated ---------------------------
def load_within(path, seconds=10):
    r"""load_model(path) in a thread: its exception, or an AssertionError if it hangs."""
    import threading
    outcome = {}

    def target():
        try:
            nr.load_model(path)
            outcome["error"] = None
        except BaseException as error:       # noqa: BLE001 - reported to the test
            outcome["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert "error" in outcome, f"load_model({path}) still running after {seconds} s"
    return outcome["error"]


def test_fifos_devices_and_directories_are_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "fifo.safetensors")
    os.symlink("/dev/zero", tmp_path / "zero.safetensors")
    for path, kind in [(tmp_path / "fifo.safetensors", "a FIFO"), (tmp_path / "zero.safetensors", "a device"),
                       (tmp_path, "a directory")]:
        error = load_within(path)
        assert isinstance(error, saving.ModelFileError) and f"{path}: {kind}, not a regular file" in str(error)
    assert not saving.is_model_file(tmp_path / "fifo.safetensors")


def test_sizes_are_checked_against_the_file_before_the_tensors_are_read(tmp_path, monkeypatch):
    path, tensors, metadata = saved(tmp_path)
    original = path.read_bytes()
    with open(path, "r+b") as file:           # a sparse 64 GiB file: the header is a real model's
        file.truncate(64 * 2 ** 30)
    error = load_within(path)
    assert isinstance(error, saving.ModelFileError) and "follow the header" in str(error), error
    header = json.dumps({"w": {"dtype": "F32", "shape": [2 ** 34], "data_offsets": [0, 2 ** 36]},
                         "__metadata__": metadata}).encode()
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(header)) + header)
        file.truncate(8 + len(header) + 2 ** 36)
    error = load_within(path)
    assert isinstance(error, saving.ModelFileError) and "more than 2147483648 numbers" in str(error), error
    path.write_bytes(original)
    for shape, offsets, message in [([3, -1], [0, 0], "list of integers >= 0"), ([3], [0, 8], "data_offsets span 8"),
                                    ([1], [0, 10 ** 9], "within the")]:
        header = json.dumps({"w": {"dtype": "F32", "shape": shape, "data_offsets": offsets},
                             "__metadata__": metadata}).encode()
        path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(8))
        with pytest.raises(saving.ModelFileError, match=message):
            nr.load_model(path)


def test_deeply_nested_json_is_a_model_file_error_naming_the_file(tmp_path):
    path, tensors, metadata = saved(tmp_path)
    deep = "[" * 100_000 + "]" * 100_000
    path.write_bytes(st_save(tensors, metadata=metadata | {"user": deep}))
    with pytest.raises(saving.ModelFileError, match=f"{path}: metadata 'user' nests JSON more than 64"):
        nr.load_model(path)
    header = ('{"__metadata__": {"format": "neurona"}, "x": ' + deep + "}").encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(saving.ModelFileError, match=f"{path}: the safetensors header nests JSON"):
        nr.load_model(path)
    from neurona import cli
    assert cli.main(["info", str(path)]) == 2


@pytest.mark.parametrize("model_input_dim", [None, "absent"])
def test_declared_shapes_are_checked_whatever_path_the_config_takes(tmp_path, model_input_dim):
    path, tensors, metadata = saved(tmp_path)
    config = json.loads(metadata["model"])
    if model_input_dim == "absent":
        del config["input_dim"]
    else:
        config["input_dim"] = None
    config["layers"][0] |= {"units": 10 ** 12, "input_dim": 3}
    path.write_bytes(st_save(tensors, metadata=metadata | {"model": json.dumps(config)}))
    with pytest.raises(saving.ModelFileError, match="layer 0 declares .*1000000000000"):
        nr.load_model(path)
    config["layers"][0] |= {"units": 10, "input_dim": 10 ** 12}
    path.write_bytes(st_save(tensors, metadata=metadata | {"model": json.dumps(config)}))
    with pytest.raises(saving.ModelFileError, match="more than the 2147483648 parameters"):
        nr.load_model(path)


def test_user_metadata_of_the_command_line_is_checked_when_loading(tmp_path):
    path, tensors, metadata = saved(tmp_path)      # 6 inputs, 2 outputs
    good = {"task": "classification", "features": [f"f{i}" for i in range(6)], "classes": ["a", "b"],
            "scaler": {"mean": [0.0] * 6, "scale": [1.0] * 6}, "split": {"test_size": 0.2, "seed": 0},
            "target": "y", "source": "CSV y.csv"}
    path.write_bytes(st_save(tensors, metadata=metadata | {"user": json.dumps(good)}))
    assert nr.load_model(path).metadata == good
    for key, value in [("features", 3), ("features", ["a"]), ("features", [1, 2, 3, 4, 5, 6]),
                       ("classes", "ab"), ("classes", ["a", "b", "c"]), ("classes", ["a", "a"]),
                       ("scaler", {"mean": [0] * 6}), ("scaler", {"mean": [0] * 6, "scale": [0] * 6}),
                       ("scaler", {"mean": [0] * 5, "scale": [1] * 5}), ("split", {"seed": -1}),
                       ("task", "poetry"), ("target", 7)]:
        path.write_bytes(st_save(tensors, metadata=metadata | {"user": json.dumps(good | {key: value})}))
        with pytest.raises(saving.ModelFileError, match=f"{path}: metadata 'user' key {key!r} must be"):
            nr.load_model(path)
    path.write_bytes(st_save(tensors, metadata=metadata | {"user": json.dumps({"notes": [1, {"x": 2}]})}))
    assert nr.load_model(path).metadata == {"notes": [1, {"x": 2}]}       # free annotations still load


class MyDense(layers.Layer):
    r"""A custom layer (its own weights and call), for custom_objects."""
    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")

    def call(self, inputs):
        return nr.ops.matmul(inputs, self.w)

    def get_config(self):
        return {"units": self.units}


def custom_model(tmp_path):
    inputs = nr.Input((3,))
    model = nr.Model(inputs, MyDense(2)(nr.layers.Dense(4, activation="tanh")(inputs)))
    model.compile(optimizer="adam", loss="mse")
    model.fit(X[:, :3], X[:, 3:5], epochs=1, verbose=0)
    model.save(tmp_path / "custom.safetensors")
    return model


def test_custom_layers_come_back_through_custom_objects_in_every_loader(tmp_path):
    model = custom_model(tmp_path)
    custom = {"MyDense": MyDense}
    loaded = nr.models.load_model(tmp_path / "custom.safetensors", custom_objects=custom)
    assert isinstance(loaded.layers[-1], MyDense) and loaded.layers[-1].units == 2
    np.testing.assert_array_equal(loaded.predict(X[:, :3], verbose=0), model.predict(X[:, :3], verbose=0))
    for clone in (nr.models.model_from_json(model.to_json(), custom_objects=custom),
                  nr.models.model_from_config(model.get_config(), custom_objects=custom),
                  nr.Model.from_config(model.get_config(), custom_objects=custom)):
        assert isinstance(clone.layers[-1], MyDense) and clone.layers[-1].w.shape == (4, 2)
    for without in (lambda: nr.models.load_model(tmp_path / "custom.safetensors"),
                    lambda: nr.models.model_from_json(model.to_json())):
        with pytest.raises(ValueError, match=r"custom layer 'MyDense': pass custom_objects=\{'MyDense': MyDense\}"):
            without()


@pytest.mark.parametrize("value", [5, "MyDense", lambda x: x, MyDense(2), optimizers.Adam],
                         ids=["int", "str", "function", "instance", "other class"])
def test_a_custom_layer_entry_that_is_not_a_layer_class_is_a_type_error_naming_it(tmp_path, value):
    model = custom_model(tmp_path)
    loaders = {"load_model": lambda co: nr.models.load_model(tmp_path / "custom.safetensors", custom_objects=co),
               "model_from_json": lambda co: nr.models.model_from_json(model.to_json(), custom_objects=co),
               "from_config": lambda co: nr.Model.from_config(model.get_config(), custom_objects=co)}
    for name, load in loaders.items():
        with pytest.raises(TypeError, match=r"custom_objects\['MyDense'\] must be the layer class MyDense") as raised:
            load({"MyDense": value})
        assert not isinstance(raised.value, saving.ModelFileError), name
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        nr.models.model_from_json(model.to_json(), custom_objects=[MyDense])
