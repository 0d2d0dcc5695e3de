r"""The compiled one-pass kernels (neurona[fast]) against the NumPy reference: every optimizer and
option in float64 and float32, training curves, when each path is taken, and where numba caches."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import neurona
from neurona import kernels, optimizers, schedules
from neurona.layers import Dense

numba = pytest.importorskip("numba")

SRC = Path(neurona.__file__).resolve().parents[1]
N = kernels.MIN_SIZE          # the smallest vector a kernel updates
N_STEPS = 12

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.05),
    "sgd_schedule": lambda: optimizers.SGD(schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)),
    "momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "dampening": lambda: optimizers.SGD(0.05, momentum=0.8, dampening=0.8),
    "nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: optimizers.RMSprop(0.01, rho=0.8, epsilon=1e-6),
    "adam": lambda: optimizers.Adam(0.01),
    "adam_options": lambda: optimizers.Adam(schedules.CosineAnnealing(0.02, decay_steps=10), beta_1=0.5,
                                            beta_2=0.9, epsilon=1e-3),
    "adam_clipnorm": lambda: optimizers.Adam(0.01, clipnorm=1.0),
    "adamw": lambda: optimizers.AdamW(0.01, weight_decay=0.1),
    "nadam": lambda: optimizers.Nadam(0.01),
    "adagrad": lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.5),
    "adamax": lambda: optimizers.Adamax(0.01),
}
#: options the kernels do not cover: these stay on NumPy
NUMPY_ONLY = {
    "rmsprop_momentum": lambda: optimizers.RMSprop(0.01, momentum=0.9),
    "rmsprop_centered": lambda: optimizers.RMSprop(0.01, centered=True),
    "amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
}
# Every rule is exercised by some optimizer above.
assert set(kernels.RULES) == {"sgd_update", "sgd_velocity_update", "sgd_dampened_update", "rmsprop_update",
                              "adam_update", "nadam_update", "adagrad_update", "adamax_update"}


def run(make_optimizer, dtype, fast, monkeypatch, shapes=((N,),), n_steps=N_STEPS):
    monkeypatch.setenv("NEURONA_FAST", "1" if fast else "0")
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    optimizer = make_optimizer()
    for _ in range(n_steps):
        optimizer.apply(params, [rng.standard_normal(shape).astype(dtype) for shape in shapes])
    return params, optimizer.get_state()


@pytest.fixture
def spy(monkeypatch):
    r"""Counts the calls of each compiled kernel."""
    calls = {}

    def counting(name):
        kernel = compiled(name)
        if kernel is None:
            return None

        def call(*args):
            calls[name] = calls.get(name, 0) + 1
            return kernel(*args)
        return call

    compiled = kernels.compiled
    monkeypatch.setattr(kernels, "compiled", counting)
    return calls


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_kernel_gives_the_numpy_update(name, dtype, monkeypatch, spy):
    fast, fast_state = run(OPTIMIZERS[name], dtype, True, monkeypatch)
    assert sum(spy.values()) == N_STEPS
    reference, reference_state = run(OPTIMIZERS[name], dtype, False, monkeypatch)
    assert sum(spy.values()) == N_STEPS
    pairs = list(zip(fast, reference)) + [(a[k], b[k]) for a, b in zip(fast_state["slots"], reference_state["slots"])
                                          for k in a]
    for a, b in pairs:
        assert a.dtype == b.dtype == dtype
        if dtype == np.float64:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_max_ulp(a, b, maxulp=4)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_each_array_of_a_list_is_updated_in_its_shape(name, monkeypatch, spy):
    shapes = ((256, 256), (N + 3,), (7,))            # two through the kernel, the small one by NumPy
    fast, _ = run(OPTIMIZERS[name], np.float32, True, monkeypatch, shapes, n_steps=3)
    assert sum(spy.values()) == 2 * 3
    reference, _ = run(OPTIMIZERS[name], np.float32, False, monkeypatch, shapes, n_steps=3)
    for a, b, shape in zip(fast, reference, shapes):
        assert a.shape == shape
        np.testing.assert_array_max_ulp(a, b, maxulp=4)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_plain_loops_are_the_numpy_formula(name, monkeypatch):
    r"""The rules uncompiled (the plain Python loops as written) on a small vector give NumPy's update."""
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    monkeypatch.setattr(kernels, "compiled", kernels.RULES.get)
    looped, _ = run(OPTIMIZERS[name], np.float64, True, monkeypatch, shapes=((40,),), n_steps=5)
    reference, _ = run(OPTIMIZERS[name], np.float64, False, monkeypatch, shapes=((40,),), n_steps=5)
    np.testing.assert_allclose(looped[0], reference[0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", NUMPY_ONLY)
def test_options_without_a_kernel_stay_on_numpy(name, monkeypatch, spy):
    run(NUMPY_ONLY[name], np.float32, True, monkeypatch, n_steps=2)
    assert spy == {}


def test_numpy_fast_0_takes_the_numpy_path(monkeypatch, spy):
    run(OPTIMIZERS["adam"], np.float32, False, monkeypatch)
    assert spy == {}


def test_small_vectors_other_dtypes_and_strided_arrays_take_the_numpy_path(monkeypatch, spy):
    monkeypatch.setenv("NEURONA_FAST", "1")
    rng = np.random.default_rng(0)
    cases = [np.zeros(N - 1, np.float32),                        # below MIN_SIZE
             np.zeros(N, np.float16),                            # not float32 / float64
             np.zeros((N, 2), np.float32)[:, 0]]                 # not contiguous
    for param in cases:
        optimizers.Adam(0.01).apply([param], [rng.standard_normal(param.shape).astype(param.dtype)])
        assert np.all(param != 0)
    mixed = np.zeros(N, np.float32)                                # a float64 gradient
    optimizers.Adam(0.01).apply([mixed], [rng.standard_normal(N)])
    assert np.all(mixed != 0)
    assert spy == {}


def test_a_read_only_parameter_fails_as_in_numpy(monkeypatch, spy):
    monkeypatch.setenv("NEURONA_FAST", "1")
    param = np.zeros(N, np.float32)
    param.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        optimizers.SGD(0.1).apply([param], [np.ones(N, np.float32)])
    assert spy == {}


def test_without_numba_the_numpy_path_runs(monkeypatch):
    r"""numba not installed: importing it fails (a None entry in sys.modules makes `import numba`
    raise ImportError), and the optimizers update by NumPy."""
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setattr(kernels, "_compiled", {})
    monkeypatch.setattr(kernels, "_numba_missing", False)
    assert kernels.compiled("adam_update") is None
    params, _ = run(OPTIMIZERS["adam"], np.float64, True, monkeypatch)
    monkeypatch.delitem(sys.modules, "numba")
    reference, _ = run(OPTIMIZERS["adam"], np.float64, False, monkeypatch)
    np.testing.assert_array_equal(params[0], reference[0])


def test_training_curves_agree(monkeypatch, spy):
    r"""A model whose parameter vector is a kernel's (64-1024-10: 76,810 parameters), trained on
    the bundled digits (1,024 images) with and without the kernels: the same loss, epoch by epoch."""
    x, labels = neurona.datasets.load_digits()
    x, y = (x[:1024] / 16).astype(np.float32), np.eye(10, dtype=np.float32)[labels[:1024]]
    curves = {}
    for fast in (True, False):
        monkeypatch.setenv("NEURONA_FAST", "1" if fast else "0")
        model = neurona.Sequential([Dense(1024, activation="relu"), Dense(10, activation="softmax")],
                                   input_dim=64, seed=0)
        model.compile(optimizer=optimizers.Adam(3e-3), loss="categorical_crossentropy")
        curves[fast] = model.fit(x, y, epochs=4, batch_size=64, verbose=0).history["loss"]
    assert spy["adam_update"] == 4 * 1024 // 64
    np.testing.assert_allclose(curves[True], curves[False], rtol=1e-6)
    assert curves[True][-1] < 0.5 * curves[True][0]


def test_a_read_only_install_caches_in_the_users_cache(tmp_path):
    r"""The package copied where numba cannot cache beside it (its __pycache__ is a file): the
    compiled code goes to <user cache>/neurona/numba, and nothing is written into the package."""
    package = tmp_path / "site" / "neurona"
    shutil.copytree(SRC / "neurona", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "__pycache__").write_text("not a directory")
    before = sorted(p.relative_to(package) for p in package.rglob("*"))
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        import os, numpy as np
        from neurona import kernels, optimizers
        assert kernels.__file__.startswith({str(package)!r}), kernels.__file__
        param = np.zeros(kernels.MIN_SIZE, np.float32)
        optimizers.Adam().apply([param], [np.ones_like(param)])
        print(os.environ["NUMBA_CACHE_DIR"])
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(package.parent), XDG_CACHE_HOME=str(cache), NEURONA_FAST="1")
    result = subprocess.run([sys.executable, "-B", "-c", script], env=env, capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(cache / "neurona" / "numba")
    assert any(p.suffix == ".nbi" for p in (cache / "neurona" / "numba").rglob("*"))
    assert sorted(p.relative_to(package) for p in package.rglob("*")) == before


def test_a_cache_directory_the_user_chose_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(kernels, "_writable", lambda directory: False)
    kernels._choose_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path)
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    kernels._choose_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == str(kernels.user_cache_dir())


def test_a_small_model_never_loads_numba(tmp_path):
    r"""`neurona train`'s default MLP (64-64-32-10, 6,570 parameters) is below MIN_SIZE: its fit does
    not import numba (half a second), so the kernels leave its run time unchanged."""
    script = textwrap.dedent("""
        import sys
        from neurona.cli import main
        assert main(["train", "--epochs", "1", "--verbose", "0", "--out", "model.safetensors"]) == 0
        print("numba" in sys.modules)
    """)
    env = dict(os.environ, NEURONA_FAST="1", PYTHONPATH=str(SRC))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


# ------------------------------------------------------------------- the loops of layers
CONV_GEOMETRIES = [  # (input h, w, channels, filters, kernel, strides, dilation, padding)
    (13, 13, 32, 64, (3, 3), (1, 1), (1, 1), "valid"),
    (14, 12, 24, 16, (3, 2), (2, 1), (1, 1), "same"),
    (15, 15, 16, 8, (3, 3), (1, 1), (2, 2), "same"),
]


def relu_conv(geometry, dtype=np.float32):
    h, w, channels, filters, kernel_size, strides, dilation, padding = geometry
    layer = neurona.layers.Conv2D(filters, kernel_size, strides, padding, dilation_rate=dilation, activation="relu",
                                  bias_initializer="random_normal")
    layer.build((None, h, w, channels), np.random.default_rng(0), dtype)
    return layer


def conv_step(layer, x, g, fast, monkeypatch):
    r"""One forward and backward pass of a ReLU Conv2D: its output, the input gradient and both weight gradients."""
    monkeypatch.setenv("NEURONA_FAST", "1" if fast else "0")
    y = layer.forward(x, training=True).copy()
    dx = layer.backward(g.copy())
    return y, dx, layer.grads[0].copy(), layer.grads[1].copy()


@pytest.mark.parametrize("geometry", CONV_GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_relu_convolution_computes_the_numpy_numbers(geometry, dtype, monkeypatch, spy):
    r"""bias + ReLU, ReLU's backward with the bias gradient, and the fold of the input gradient,
    compiled, against the NumPy reference: the same forward, gradients to rounding."""
    layer = relu_conv(geometry, dtype)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, *geometry[:3])).astype(dtype)
    g = rng.standard_normal(layer.forward(x).shape).astype(dtype)
    assert g.size >= N
    spy.clear()
    fast = conv_step(layer, x, g, True, monkeypatch)
    assert spy == {"bias_relu_forward": 1, "relu_bias_backward": 1, "col2im_2d": 1}
    reference = conv_step(layer, x, g, False, monkeypatch)
    assert sum(spy.values()) == 3
    np.testing.assert_array_equal(fast[0], reference[0])
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(fast[1:], reference[1:]):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance * np.abs(b).max())


def test_the_plain_layer_loops_are_the_numpy_formula(monkeypatch):
    r"""The layer loops uncompiled (plain Python) on a small convolution give NumPy's numbers."""
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    monkeypatch.setattr(kernels, "compiled", kernels.LAYER_LOOPS.get)
    geometry = (6, 5, 3, 4, (3, 2), (2, 1), (1, 1), "same")
    layer = relu_conv(geometry)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, *geometry[:3])).astype(np.float32)
    g = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    looped, reference = conv_step(layer, x, g, True, monkeypatch), conv_step(layer, x, g, False, monkeypatch)
    for a, b in zip(looped, reference):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_relu_and_bias_passes_keep_nan_and_zero_the_rest_as_numpy():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((3000, 32)).astype(np.float32)
    z[5, 3], z[7, 0] = np.nan, -0.0
    bias = rng.standard_normal(32).astype(np.float32)
    a = z.copy()
    kernels.compiled("bias_relu_forward")(a, bias)
    np.testing.assert_array_equal(a, np.maximum(z + bias, 0))
    grad = rng.standard_normal(z.shape).astype(np.float32)
    delta, bias_grad = grad.copy(), np.empty(32, np.float32)
    kernels.compiled("relu_bias_backward")(delta, a, bias_grad, np.empty((kernels.row_blocks(3000), 32), np.float32))
    np.testing.assert_array_equal(delta, grad * (a > 0))
    np.testing.assert_allclose(bias_grad, (grad * (a > 0)).astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("pool, strides, padding", [(2, 2, "valid"), (3, 2, "same")])
def test_the_compiled_max_pooling_zeroes_and_fills_the_input_gradient_as_numpy(pool, strides, padding, monkeypatch,
                                                                             spy):
    rng = np.random.default_rng(5)
    x = np.maximum(rng.normal(size=(16, 26, 26, 32)).astype(np.float32), 0)      # ties at 0
    results = []
    for fast in (True, False):
        monkeypatch.setenv("NEURONA_FAST", "1" if fast else "0")
        layer = neurona.layers.MaxPooling2D(pool, strides, padding)
        layer.build((None, 26, 26, 32))
        y = layer.forward(x, training=True)
        g = np.random.default_rng(6).normal(size=y.shape).astype(np.float32)
        results.append((y, layer.backward(g)))
    assert spy == {"max_pool2d_forward": 1, "max_pool2d_backward": 1}
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], atol=1e-6)       # overlaps: sums in another order
