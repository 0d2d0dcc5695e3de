r"""How much of Keras 3's public API ``import neurona as keras`` answers.

The names are read from the installed ``keras`` (a test dependency), module by module; a name counts as
answered when ``neurona.<module>`` has it. What is left out on purpose is listed in ``OUT_OF_SCOPE`` with
the reason, so the figure printed here is the share of the names that have a meaning for dense networks
on a CPU with NumPy. ``FLOOR`` holds the figure reached so far: a change that loses names fails.

    python -m pytest tests/test_keras_api_coverage.py -q -s      # prints the table and the figure
"""
from __future__ import annotations

import os
import re
import types
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona  # noqa: E402

MODULES = ("", "layers", "ops", "initializers", "constraints", "random", "config", "utils", "losses", "metrics",
           "optimizers", "callbacks", "activations", "regularizers", "saving")

_PREPROCESSING = (r"^Random(?!(Flip|Contrast|Rotation|Translation|Zoom)$)|AugMix|AutoContrast|CutMix|MixUp|"
                  r"RandAugment|Solarization|Equalization|Pipeline|HashedCrossing|"
                  r"MelSpectrogram|STFTSpectrogram|"
                  r"MaxNumBoundingBoxes|ContrastLimitedAdaptiveHistogramEqualization|FeatureSpace")

#: (module, pattern of names, why neurona leaves them out)
OUT_OF_SCOPE = [
    ("layers", _PREPROCESSING, "the other image, audio and text preprocessing layers (those of Keras's programs, "
                               "Rescaling to RandomZoom, CategoryEncoding, Discretization, the lookups and "
                               "TextVectorization, are here): data preparation outside the network"),
    ("layers", r"JaxLayer|FlaxLayer|TorchModuleWrapper|TFSMLayer",
     "wrappers of another framework's modules (JAX, Flax, PyTorch, TensorFlow SavedModel)"),
    ("ops", r"ctc_|extract_sequences|dot_product_attention|stft|fft|^rfft$|^irfft$|"
            r"hamming|hanning|kaiser|bartlett|blackman|rearrange|depth_to_space|space_to_depth",
     "signal processing (STFT, windows), CTC and attention kernels, image patches: for audio and text models"),
    ("ops", r"^(cond|fori_loop|while_loop|scan|associative_scan|map|switch|vectorized_map|vectorize|jvp|"
            r"custom_gradient)$",
     "a compiler's control flow and transforms (JAX/TensorFlow graphs); eager NumPy code uses Python's own"),
    ("ops", r"^(real|imag|conj|conjugate|angle|polar|view_as_complex|view_as_real|view|eig|isreal)$",
     "complex numbers and views: the engine's tensors are real floats"),
    ("ops", r"^bitwise_|^(left_shift|right_shift|gcd|lcm|nextafter|saturate_cast)$",
     "integer bit arithmetic and dtype saturation: no meaning for the engine's float tensors"),
    ("ops", r"^image$", "keras.ops.image, the image transforms (resize, affine, crops, colour spaces): "
                        "data preparation outside the network"),
    ("initializers", r"(?i)stft", "STFT initializer: for audio layers (spectrograms)"),
    ("optimizers", r"^(LossScaleOptimizer|Muon|MultiOptimizer|OptimizerMap|ScheduleFreeAdamW)$",
     "loss scaling (mixed precision), per-variable optimizer maps and optimizers for large transformers"),
    ("optimizers", r"^legacy$", "TensorFlow 1 optimizers"),
    ("losses", r"^(CTC|ctc)$", "CTC: the alignment loss of speech and handwriting recognisers"),
    ("callbacks", r"^(OrbaxCheckpoint|RemoteMonitor)$",
     "Orbax (JAX) checkpoints and HTTP monitors: another backend's format, a server to post to"),
    ("config", r"flash_attention|is_nnx_enabled|dtype_policy|set_backend",
     "flash attention, Flax NNX, mixed-precision policies and switching backend: other backends' settings"),
    ("utils", r"^audio_dataset_from_directory$|get_file|bounding_boxes|^legacy$|^FeatureSpace$",
     "audio folders, bounding boxes, feature preprocessing and downloads: data preparation outside the network"),
    ("saving", r"^KerasFileEditor$", "editing .keras archives in place: neurona writes its own model files"),
    ("", r"^(applications|distillation|distribution|dtype_policies|export|legacy|mixed_precision|"
         r"quantizers|remat|src|version|visualization|wrappers|device|name_scope|backend)$",
     "pretrained image models, device placement, mixed precision, quantization, export and Keras internals"),
    ("", r"^(DTypePolicy|FloatDTypePolicy|Quantizer|RematScope|StatelessScope|SymbolicScope|Function|"
         r"Operation|KerasTensor|InputSpec)$",
     "dtype policies, quantizers, JAX scopes and the symbolic graph's internal classes"),
]

#: the share of in-scope names answered so far (a change that loses names fails)
FLOOR = 0.93


def keras_names(module: str) -> list[str]:
    mod = getattr(keras, module) if module else keras
    return sorted(n for n in dir(mod) if not n.startswith("_"))


def out_of_scope(module: str, name: str) -> str | None:
    for where, pattern, reason in OUT_OF_SCOPE:
        if where == module and re.search(pattern, name):
            return reason
    return None


def answered(module: str, name: str) -> bool:
    try:
        mod = getattr(neurona, module) if module else neurona
    except AttributeError:
        return False
    return hasattr(mod, name)


def coverage():
    rows = {}
    for module in MODULES:
        names = [n for n in keras_names(module) if out_of_scope(module, n) is None]
        have = [n for n in names if answered(module, n)]
        rows[module or "keras"] = (have, [n for n in names if n not in have])
    return rows


def test_coverage_figure():
    rows = coverage()
    total = sum(len(have) + len(missing) for have, missing in rows.values())
    answered_ = sum(len(have) for have, _ in rows.values())
    for module, (have, missing) in rows.items():
        print(f"{module:13s} {len(have):4d} / {len(have) + len(missing):4d}   missing: {' '.join(missing)}")
    print(f"Keras 3 public names in scope answered by neurona: {answered_} / {total} = {answered_ / total:.1%}")
    assert answered_ / total >= FLOOR, f"coverage fell to {answered_ / total:.1%} (floor {FLOOR:.0%})"


def test_out_of_scope_rules_name_keras_names():
    # each rule must match something Keras has, or it is stale and hides nothing
    for module, pattern, reason in OUT_OF_SCOPE:
        assert reason, pattern
        assert any(re.search(pattern, n) for n in keras_names(module)), (module, pattern)


def test_nothing_left_out_is_answered():
    # a name neurona has is counted, not excused
    answered_anyway = [(m, n) for m in MODULES for n in keras_names(m) if out_of_scope(m, n) and answered(m, n)]
    assert not answered_anyway


def test_the_docs_list_what_is_left_out_and_why():
    page = (Path(__file__).parent.parent / "docs" / "guide" / "keras-api.md").read_text(encoding="utf-8")
    for module, pattern, reason in OUT_OF_SCOPE:
        assert reason in page, reason


def test_out_of_scope_is_a_minority():
    everything = [(m, n) for m in MODULES for n in keras_names(m)]
    left_out = [(m, n) for m, n in everything if out_of_scope(m, n)]
    assert len(left_out) < 0.4 * len(everything), len(left_out)


@pytest.mark.parametrize("module", [m for m in MODULES if m])
def test_each_module_exists(module):
    assert isinstance(getattr(neurona, module), types.ModuleType), module
