"""Shared image helpers under the stages: pure numpy/cv2, no I/O."""
