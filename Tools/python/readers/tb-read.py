#!/usr/bin/env python3
"""Prints what TensorBoard's own reader finds in a run directory, as JSON.

Usage: python3 Tools/python/readers/tb-read.py RUN_DIR

Loads RUN_DIR with tensorboard.backend.event_processing.event_accumulator.EventAccumulator
(keeping every event: size guidance 0 for all kinds) and prints

  {"file_version": "brain.Event:2",
   "tags": {"scalars": [...], "images": [...], ...},
   "scalars": {TAG: [{"step": S, "wall_time": T, "value": V}, ...]},
   "images":  {TAG: [{"step": S, "wall_time": T, "width": W, "height": H,
                      "png_base64": "...", "decoded": {"mode": "L", "size": [W, H], "pixels": [...]}}]}}

"decoded" holds the pixels as Pillow reads them (row-major, channels interleaved) and is null when
Pillow is not installed. Needs the `tensorboard` package (TensorFlow is not required).
"""
import base64
import json
import sys


def decode_png(data):
    try:
        import io
        from PIL import Image
    except ImportError:
        return None
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return {"mode": image.mode, "size": list(image.size), "pixels": list(image.tobytes())}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    from tensorboard.backend.event_processing import event_accumulator as ea

    guidance = {kind: 0 for kind in ea.DEFAULT_SIZE_GUIDANCE}
    accumulator = ea.EventAccumulator(sys.argv[1], size_guidance=guidance)
    accumulator.Reload()
    tags = accumulator.Tags()
    result = {
        "file_version": accumulator.file_version,
        "tags": {kind: value for kind, value in tags.items() if isinstance(value, list)},
        "scalars": {
            tag: [{"step": e.step, "wall_time": e.wall_time, "value": e.value} for e in accumulator.Scalars(tag)]
            for tag in tags.get(ea.SCALARS, [])
        },
        "images": {
            tag: [{"step": e.step, "wall_time": e.wall_time, "width": e.width, "height": e.height,
                   "png_base64": base64.b64encode(e.encoded_image_string).decode("ascii"),
                   "decoded": decode_png(e.encoded_image_string)}
                  for e in accumulator.Images(tag)]
            for tag in tags.get(ea.IMAGES, [])
        },
    }
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
