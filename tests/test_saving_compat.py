r"""Model files written by neurona 0.1 (format version 1, before layers declared their own state)
still load: same predictions bit for bit, same metadata, history and optimizer state (one more
epoch of training lands on the same weights as it did then, up to the update rules changed since:
SGD's velocity form, RMSprop's and Adam's epsilon).

Bit for bit holds within one machine and BLAS kernel. These files were written on another machine:
a prediction is the same sums in the same order, but one epoch of training goes through matrix
products that each BLAS kernel (OpenBLAS's Haswell, SkylakeX, Zen ...) blocks and rounds its own
way, so the resumed weights agree to a few units in the last place of the model's dtype, not to the
bit (SkylakeX's kernel on AMD Zen 4 moves 2 of 64 values of v1_adam by half an ulp)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurona as nr

DATA = Path(__file__).parent / "data" / "models"
X = np.load(DATA / "inputs.npy")
TARGETS = {"v1_adam": (X[:, :1] + X[:, 1:2] > 0).astype("float32"),
           "v1_sgd_momentum": (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int),
           "v1_schedule_f64": np.c_[X[:, 0], X[:, 1] * 2]}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_v1_file_predicts_bit_for_bit_and_resumes(name):
    model = nr.load_model(DATA / f"{name}.safetensors")
    x = X.astype(model.dtype)
    np.testing.assert_array_equal(model.predict(x), np.load(DATA / f"{name}_predict.npy"))
    model.fit(x, TARGETS[name], epochs=1, batch_size=16, verbose=0, shuffle=False)
    resumed = np.load(DATA / f"{name}_resumed_predict.npy")
    if name == "v1_sgd_momentum":
        # SGD now steps in Keras's velocity form (v <- mu v - alpha dw, w <- w + v); the file's
        # PyTorch-form velocity is converted exactly, but the new update rounds differently.
        np.testing.assert_allclose(model.predict(x), resumed, rtol=1e-5, atol=1e-6)
    elif name == "v1_schedule_f64":
        # RMSprop now adds epsilon inside the root, sqrt(s + eps), as Keras: the file resumes with
        # the same state, and the new steps differ where s is about eps (here by 5e-6)
        np.testing.assert_allclose(model.predict(x), resumed, rtol=2e-5, atol=1e-6)
    elif name == "v1_adam":
        # Adam now adds epsilon to sqrt(v) before the bias correction, as Keras: same state, and
        # the new steps differ where sqrt(v_hat) is near eps (here the predictions by 1.3e-6)
        np.testing.assert_allclose(model.predict(x), resumed, rtol=1e-5, atol=5e-6)
    else:
        ulp = np.finfo(model.dtype).eps                 # another kernel rounds the products its own way
        np.testing.assert_allclose(model.predict(x), resumed, rtol=4 * ulp, atol=4 * ulp)


def test_v1_files_resume_alike_under_each_blas_kernel_of_this_machine():
    r"""The test above, run under each OpenBLAS kernel this CPU can execute (OPENBLAS_CORETYPE):
    a CI machine may pick any of them."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if "openblas" not in config.get("name", "") or "DYNAMIC_ARCH" not in config.get("openblas configuration", ""):
        pytest.skip("NumPy's BLAS is not an OpenBLAS that picks its kernel at run time")
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    kernels = ["Haswell"] + (["SkylakeX"] if "avx512f" in flags else [])
    for kernel in kernels:
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k",
                                 "test_v1_file_predicts_bit_for_bit_and_resumes"],
                                capture_output=True, text=True, timeout=300,
                                env=dict(os.environ, OPENBLAS_CORETYPE=kernel), cwd=Path(__file__).parent)
        assert result.returncode == 0, f"with OpenBLAS's {kernel} kernel:\n{result.stdout[-3000:]}"


def test_v1_file_keeps_metadata_history_and_compile_settings():
    model = nr.load_model(DATA / "v1_adam.safetensors")
    assert model.metadata == {"classes": ["no", "yes"], "note": "v1 file"}
    assert model.epoch == 3 and model.history.epoch == [0, 1, 2]
    assert sorted(model.history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert type(model.optimizer).__name__ == "Adam" and model.optimizer.iterations == 9
    sgd = nr.load_model(DATA / "v1_sgd_momentum.safetensors")
    assert sgd.optimizer.momentum == 0.9 and sgd.metadata == {"author": "test"}
    scheduled = nr.load_model(DATA / "v1_schedule_f64.safetensors")
    assert scheduled.dtype == np.float64
    assert scheduled.optimizer.learning_rate.get_config()["decay_steps"] == 3
