r"""``neurona.config``: Keras's global settings, their checks, and the fit caps."""
import numpy as np
import pytest

import neurona as nr
from neurona import config


@pytest.fixture(autouse=True)
def restore():
    saved = dict(config._settings)
    yield
    config._settings.clear()
    config._settings.update(saved)


def test_defaults_are_keras_defaults():
    assert config.floatx() == "float32" and config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last" and config.backend() == "numpy"
    assert config.is_traceback_filtering_enabled() and config.is_interactive_logging_enabled()
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None


def test_setters_and_flags():
    config.set_floatx("float64")
    config.set_epsilon(1e-5)
    config.set_image_data_format("channels_first")
    config.disable_traceback_filtering()
    config.disable_interactive_logging()
    assert (config.floatx(), config.epsilon(), config.image_data_format()) == ("float64", 1e-5, "channels_first")
    assert not config.is_traceback_filtering_enabled() and not config.is_interactive_logging_enabled()
    assert nr.random.normal((2,)).dtype == np.float64


@pytest.mark.parametrize("setter, value, words", [(config.set_floatx, "float16", "float32"),
                                                  (config.set_floatx, "int32", "float32"),
                                                  (config.set_epsilon, -1.0, "[0, 1)"),
                                                  (config.set_image_data_format, "nhwc", "channels_last"),
                                                  (config.set_max_epochs, 0, "positive integer")])
def test_bad_values_are_named(setter, value, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace(")", r"\)")):
        setter(value)


def test_max_epochs_and_steps_cap_fit():
    model = nr.Sequential([nr.Input((2,)), nr.layers.Dense(1)], seed=0)
    model.compile("sgd", "mse")
    x, y = np.zeros((20, 2), np.float32), np.zeros((20, 1), np.float32)
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    seen = []
    callback = nr.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit(x, y, epochs=10, batch_size=4, verbose=0, callbacks=[callback])
    # Keras's steps_per_epoch rule: the second epoch goes on with the pass's last 2 batches
    assert len(history.history["loss"]) == 2 and seen == [0, 1, 2, 0, 1]
