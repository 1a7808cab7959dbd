"""Siap tayang: is this image ready to be a marketplace's main image, and can Etalase fix it?

Placeholder: filled in below.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from assistant import segment

CHECK_MODEL = "u2netp"  # the fast model: the verdict needs the product's zone, not its fine edge


def product_alpha(rgb: np.ndarray, model: str | None = CHECK_MODEL) -> np.ndarray:
    """The product's alpha (HxW uint8) from the model's soft mask, scaled to the image."""
    soft = segment.get_segmenter(model).predict(Image.fromarray(np.ascontiguousarray(rgb[..., :3])))
    h, w = rgb.shape[:2]
    return np.clip(cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR) * 255 + 0.5, 0, 255).astype(np.uint8)
