r"""How good is a model? Metrics on a whole set, and streaming versions for ``fit``.

Whole-set functions take scikit-learn's arguments in scikit-learn's order and give its results:

    accuracy(y_true, y_pred)                  correct predictions / all predictions
    balanced_accuracy(y_true, y_pred)         mean of the normalised confusion matrix's diagonal
    confusion_matrix(y_true, y_pred, labels=None, normalize=None | "true" | "pred" | "all")
    precision, recall, f1(y_true, y_pred, average="binary" | "macro" | "micro" | "weighted" | None)
    classification_report(y_true, y_pred)     the table of the three per class
    log_loss(y_true, y_pred)                  -1/N sum_i sum_j y_ij log p_ij
    roc_curve(y_true, y_score), roc_auc(y_true, y_score, multi_class="ovr" | "ovo")
    mean_squared_error, mean_absolute_error, r2(y_true, y_pred)

Streaming metrics (``compile(metrics=["accuracy", "precision", "recall", "f1", "auc", "mae",
"mse"])``, or Keras's classes: ``metrics.AUC(name="auc")``, ``TruePositives()``, ...) follow Keras 3:
``update_state(y_true, y_pred, sample_weight=None)`` per batch, ``result()``, ``reset_state()``,
``name`` (the log key), ``get_config()``. They keep exact running counts (a confusion matrix, an
exact float sum, the scores seen), so the result over all batches equals the whole-set function
on all the data, bit for bit. Keras's FBetaScore (``fbeta``), IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU (``iou``) and PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
SpecificityAtSensitivity (``constrained``) count as Keras counts; PearsonCorrelation and
ConcordanceCorrelation (``correlation``) and CategoricalHinge (``margin``) average per-sample values.
"""
from .classification import (UndefinedMetricWarning, accuracy, balanced_accuracy, classification_report,
                             confusion_matrix, f1, log_loss, precision, precision_recall_f1_support, recall,
                             unique_labels)
from .ranking import auc, roc_auc, roc_curve
from .regression import mean_absolute_error, mean_squared_error, r2
from ..registry import not_in_neurona
from .confusion import (AUC, ClassF1Score, F1Score, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                        TruePositives, output_classes)
from .constrained import (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
                          SpecificityAtSensitivity)
from .correlation import ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation
from .fbeta import FBetaScore
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .margin import CategoricalHinge
from .streaming import (Accuracy, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy, CategoricalCrossentropy,
                        CosineSimilarity,
                        FunctionMetric, Hinge, KLDivergence, LogCoshError, LossMetric, Mean, MeanAbsoluteError,
                        MeanAbsolutePercentageError, MeanMetric, MeanMetricWrapper, MeanSquaredError,
                        MeanSquaredLogarithmicError, Metric, Poisson, RootMeanSquaredError, SparseCategoricalAccuracy,
                        SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy, SquaredHinge, Sum,
                        TopKCategoricalAccuracy, deserialize, get, register, registry, serialize)
from ..losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,  # noqa: E402
                      categorical_focal_crossentropy, categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                      mean_absolute_percentage_error, mean_squared_logarithmic_error, poisson,
                      sparse_categorical_crossentropy, squared_hinge)

# scikit-learn's names, so that code written for it runs unchanged
accuracy_score, balanced_accuracy_score, roc_auc_score, r2_score = accuracy, balanced_accuracy, roc_auc, r2
precision_score, recall_score, f1_score = precision, recall, f1

from .direction import direction  # noqa: E402
from .determination import (R2Score, binary_accuracy, categorical_accuracy,  # noqa: E402
                            sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                            top_k_categorical_accuracy)

__getattr__ = not_in_neurona(__name__, "metric", registry.class_names)
