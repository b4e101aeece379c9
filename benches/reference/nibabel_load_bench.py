#!/usr/bin/env python3
"""Time how long nibabel takes to load a NIfTI file into a numpy array.

    python nibabel_load_bench.py FILE [--repeat R]

Each repetition opens the file with nibabel and materialises the stored voxel
array (np.asanyarray(img.dataobj): raw on-disk dtype, no scaling to float),
which for .nii.gz includes the full gzip decompression.  Prints one JSON line:
    {"file": ..., "seconds_min": ..., "seconds_median": ..., "voxels": ...}
Note that repeated runs read the file from the OS page cache after the first.
"""

import argparse
import json
import statistics
import time

import nibabel as nib
import numpy as np


def load_once(path):
    start = time.perf_counter()
    img = nib.load(path)
    arr = np.asanyarray(img.dataobj)
    elapsed = time.perf_counter() - start
    return elapsed, arr.size


def main():
    ap = argparse.ArgumentParser(description="nibabel NIfTI load benchmark")
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    times = []
    voxels = 0
    for _ in range(max(args.repeat, 1)):
        seconds, voxels = load_once(args.file)
        times.append(seconds)

    print(json.dumps({
        "file": args.file,
        "seconds_min": min(times),
        "seconds_median": statistics.median(times),
        "voxels": int(voxels),
    }))


if __name__ == "__main__":
    main()
