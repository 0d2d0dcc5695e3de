"""A page's URL hash read in Python: TensorFlow Playground's shared links give the page's settings."""
import pytest

from neurona.playground import SettingsError, from_hash
from neurona.playground.settings import defaults

# a link as TensorFlow Playground writes it (its own key order and every key it knows)
TFP_LINK = ("https://playground.tensorflow.org/#activation=relu&batchSize=10&dataset=spiral&regDataset=reg-plane"
            "&learningRate=0.03&regularizationRate=0.001&noise=5&networkShape=8,8,5&seed=0.71821&showTestData=false"
            "&discretize=true&percTrainData=60&x=true&y=true&xTimesY=false&xSquared=true&ySquared=true&cosX=false"
            "&sinX=true&cosY=false&sinY=true&collectStats=false&problem=classification&initZero=false"
            "&hideText=false&regularization=L2")


def test_a_tensorflow_playground_link_gives_its_settings():
    settings = from_hash(TFP_LINK)
    expected = dict(defaults(), activation="relu", dataset="spiral", regularizationRate=0.001, noise=5,
                    networkShape=[8, 8, 5], seed="0.71821", discretize=True, percTrainData=60, xSquared=True,
                    ySquared=True, sinX=True, sinY=True, regularization="L2")
    assert settings == expected
    assert isinstance(settings["noise"], int) and isinstance(settings["learningRate"], float)


def test_lists_hide_flags_encoding_and_the_bare_hash():
    settings = from_hash("#networkShape=&layerActivations=relu,&tutorial=a%20b&dataset_hide=true&x=false&xTimesY")
    assert settings["networkShape"] == [] and settings["layerActivations"] == ["relu", ""]
    assert settings["tutorial"] == "a b" and settings["dataset_hide"] is True
    assert settings["x"] is False and settings["xTimesY"] is True        # a key alone is on, as the page reads it
    assert from_hash("") == defaults() == from_hash("#")


@pytest.mark.parametrize("text, message", [
    ("#noise=lots", "'noise' must be a number. Got 'lots'"),
    ("#noise=80", "'noise' must be an integer in [0, 50]. Got 80"),
    ("#dataset=moons", "'dataset' must be one of 'circle'"),
    ("#networkShape=4,x", "'networkShape' must be a number. Got 'x'"),
    ("#colour=red", "Unknown setting 'colour'. Known settings: activation"),
    ("#x=false&y=false", "At least one input feature"),
])
def test_a_bad_value_names_the_setting(text, message):
    with pytest.raises(SettingsError) as error:
        from_hash(text)
    assert message in str(error.value)
