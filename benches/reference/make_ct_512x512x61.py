#!/usr/bin/env python3
"""Resample the real chest CT angiogram of ../shared/data to a 512x512x61 grid.

    python make_ct_512x512x61.py CHEST.nii.gz OUT.nii.gz

Issue 15's B-spline benchmark asks for 10,000 views from a 512x512x61 real CT; the shared data
holds none of that size, so this makes one from the real 233x167x191 chest CT at 1.5 mm
(TotalSegmentator's test data, see ../shared/data/README.md) the way a scanner would have
stored it: a square 512x512 in-plane grid whose field of view is the source's width
(349.5 mm, so 0.683 mm pixels, air padding where the source is narrower), and 61 slices of
2.5 mm around the middle of the scan. Values are trilinear (map_coordinates order 1) from the
int16 HU source, rounded back to int16; outside the source reads air (-1024 HU). The affine
keeps the source's orientation (x and y axes negative). Deterministic, no randomness.
"""

import argparse

import nibabel as nib
import numpy as np
from scipy import ndimage

SHAPE = (512, 512, 61)
SLICE_MM = 2.5


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chest")
    ap.add_argument("out")
    args = ap.parse_args()

    src = nib.load(args.chest)
    data = np.asarray(src.dataobj, dtype=np.float32)
    a = np.asarray(src.affine, dtype=np.float64)
    sx, sy, sz = (float(np.linalg.norm(a[:3, k])) for k in range(3))
    pixel_mm = data.shape[0] * sx / SHAPE[0]

    # output voxel (i, j, k) -> source voxel: same in-plane centre, same orientation
    scale = np.array([pixel_mm / sx, pixel_mm / sy, SLICE_MM / sz])
    src_centre = (np.array(data.shape) - 1) / 2.0
    out_centre = (np.array(SHAPE) - 1) / 2.0
    offset = src_centre - scale * out_centre

    vol = np.empty(SHAPE, dtype=np.int16)
    i, j = np.meshgrid(np.arange(SHAPE[0]), np.arange(SHAPE[1]), indexing="ij")
    for k in range(SHAPE[2]):
        coords = np.stack([i * scale[0] + offset[0], j * scale[1] + offset[1], np.full(i.shape, k * scale[2] + offset[2])])
        hu = ndimage.map_coordinates(data, coords, order=1, mode="constant", cval=-1024.0)
        vol[:, :, k] = np.clip(np.rint(hu), -1024, 3071).astype(np.int16)

    affine = a.copy()
    for axis, step in enumerate(scale):
        affine[:3, axis] = a[:3, axis] * step
    affine[:3, 3] = a[:3, :3] @ offset + a[:3, 3]
    img = nib.Nifti1Image(vol, affine)
    img.header.set_xyzt_units("mm", "sec")
    nib.save(img, args.out)
    print(f"wrote {args.out}: shape {vol.shape}, {pixel_mm:.3f} x {pixel_mm:.3f} x {SLICE_MM} mm")


if __name__ == "__main__":
    main()
