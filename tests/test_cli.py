"""The neurona command, run as a user runs it: in a subprocess, checking output and exit codes."""
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "neurona", *args], capture_output=True, text=True, timeout=300)


def test_train_on_the_bundled_default_prints_test_metrics():
    result = run("train", "--epochs", "5")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Dataset digits: 1438 train / 359 test samples, 64 features, 10 classes" in out
    assert "Epoch 5/5" in out and "val_accuracy" in out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.9
    assert "Confusion matrix" in out


def test_train_other_dataset_and_options():
    result = run("train", "--dataset", "breast_cancer", "--layers", "16", "--epochs", "20",
                 "--optimizer", "sgd", "--learning-rate", "0.05", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split("test accuracy: ")[1].split()[0]) > 0.9
    assert "malignant" in result.stdout


def test_usage_errors_exit_2_with_a_message():
    result = run("train", "--layers", "a,b")
    assert result.returncode == 2
    assert "--layers takes comma-separated integers" in result.stderr
    result = run("train", "--dataset", "mnist3")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert run().returncode == 2


def test_bad_values_exit_1_with_one_line():
    result = run("train", "--epochs", "1", "--batch-size", "0", "--verbose", "0")
    assert result.returncode == 1
    assert result.stderr.startswith("neurona: error: The 'batch_size' argument of fit")
    assert "Traceback" not in result.stderr
