r"""``neurona.preprocessing``: Keras's ``keras.preprocessing`` — data sets read from folders of files, and the
image and sequence helpers.

    train = preprocessing.image_dataset_from_directory("photos", validation_split=0.2, subset="training",
                                                       seed=1337, image_size=(180, 180), batch_size=32)
    model.fit(train, epochs=10)                       # batches of (images, labels), read from disk per batch
"""
from ..sequences import timeseries_dataset_from_array
from . import image, sequence
from .directory import DirectoryDataset, image_dataset_from_directory, text_dataset_from_directory

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array", "DirectoryDataset"]
