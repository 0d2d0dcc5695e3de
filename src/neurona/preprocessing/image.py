r"""``keras.preprocessing.image``: image files to arrays and back (Pillow, the optional reader Keras uses too).

    img = load_img("cat.jpg", target_size=(180, 180))    # a PIL image
    x = img_to_array(img)                                # float32 (180, 180, 3), values 0 .. 255
    save_img("out.png", x)                               # scaled to 0 .. 255 unless scale=False

Arrays are channels last (height, width, channels).
"""
from __future__ import annotations

import io
import os

import numpy as np

from ..atomicfile import write_atomic

_COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pillow():
    try:
        from PIL import Image
    except ImportError:                                    # pragma: no cover - Pillow is there in tests
        raise ImportError("Reading and writing images needs Pillow: pip install pillow.") from None
    return Image


def _check_channels_last(owner, data_format):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: images are channels last (data_format='channels_last'); got {data_format!r}.")


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    r"""The image file at ``path`` as a PIL image in ``color_mode`` ("grayscale", "rgb", "rgba"), resized to
    ``target_size`` = (height, width) when given (``keep_aspect_ratio``: the centred crop of that ratio first)."""
    Image = pillow()
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"load_img: color_mode must be one of {sorted(_COLOR_MODES)}; got {color_mode!r}.")
    if interpolation not in _RESAMPLING:
        raise ValueError(f"load_img: interpolation must be one of {_RESAMPLING}; got {interpolation!r}.")
    source = io.BytesIO(path.getvalue()) if isinstance(path, io.BytesIO) else os.fspath(path)
    with Image.open(source) as opened:
        img = opened.convert(_COLOR_MODES[color_mode])
    if target_size is not None:
        height, width = int(target_size[0]), int(target_size[1])
        if (img.height, img.width) != (height, width):
            if keep_aspect_ratio:
                img = img.crop(_centred_box(img.width, img.height, width / height))
            img = img.resize((width, height), getattr(Image.Resampling, interpolation.upper()))
    return img


def _centred_box(width, height, ratio):
    r"""The largest centred (left, top, right, bottom) box of width / height = ratio."""
    crop_w, crop_h = min(width, round(height * ratio)), min(height, round(width / ratio))
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return left, top, left + crop_w, top + crop_h


def img_to_array(img, data_format=None, dtype=None):
    r"""A PIL image as an array (height, width, channels), float32 unless ``dtype`` says otherwise."""
    _check_channels_last("img_to_array", data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"img_to_array: an image gives (height, width, channels); got shape {x.shape}.")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    r"""An array (height, width, channels of 1, 3 or 4) as a PIL image; ``scale`` maps its range onto 0 .. 255."""
    Image = pillow()
    _check_channels_last("array_to_img", data_format)
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError(f"array_to_img: expected an array (height, width, 1, 3 or 4 channels); got shape {x.shape}.")
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        x = x / top * 255 if top != 0 else x
    pixels = np.clip(x, 0, 255).astype(np.uint8)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[x.shape[-1]]
    return Image.fromarray(pixels[:, :, 0] if mode == "L" else pixels, mode)


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    r"""Write the image array ``x`` to ``path`` (format from ``file_format`` or the extension), atomically."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    extension = os.path.splitext(os.fspath(path))[1].lower()
    file_format = file_format or pillow().registered_extensions().get(extension)
    if file_format is None:
        raise ValueError(f"save_img: no image format for the extension {extension!r} of {os.fspath(path)!r}; "
                         f"give file_format= (e.g. 'png').")
    if img.mode == "RGBA" and file_format.upper() in ("JPG", "JPEG"):
        img = img.convert("RGB")                       # JPEG has no alpha
    buffer = io.BytesIO()
    img.save(buffer, format=file_format, **kwargs)
    write_atomic(path, buffer.getvalue())


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    r"""An image (height, width, channels) or a batch of them resized to ``size`` without distortion: the
    largest centred crop of the target's aspect ratio, then resized (as ``layers.Resizing(...,
    crop_to_aspect_ratio=True)``)."""
    from ..layers import Resizing
    _check_channels_last("smart_resize", data_format)
    x = np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float32))
    one = x.ndim == 3
    if x.ndim not in (3, 4):
        raise ValueError(f"smart_resize: expected an image (height, width, channels) or a batch of them; "
                         f"got shape {x.shape}.")
    out = Resizing(int(size[0]), int(size[1]), interpolation=interpolation, crop_to_aspect_ratio=True)(
        x[None] if one else x)
    out = np.asarray(out)
    return out[0] if one else out


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
