"""The shared imaging layer under the stages: colour conversions and differences, masks and
boxes, filters, skin and the hand detector. Pure numpy/OpenCV on arrays, no I/O, no Pillow
images, no settings; every stage may import it, it imports nothing of the assistant."""
