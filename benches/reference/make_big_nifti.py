#!/usr/bin/env python3
"""Write a large synthetic CT-like NIfTI volume for load benchmarks.

    python make_big_nifti.py OUT.nii.gz [--nx 512 --ny 512 --nz 600 --seed 12345]

The volume is int16 Hounsfield units: air outside an elliptical "body",
soft tissue inside it with two lung-like low-density regions and a ring of
bone-like density, a slow smooth modulation, and Gaussian noise (sigma 20 HU)
so that gzip has realistic work to do (pure smooth data would compress far
better than a real scan).  Everything is deterministic for a given seed.

The file is saved with nibabel's defaults for .nii.gz (nibabel's own default
gzip compression level), with a 0.7 x 0.7 x 1.0 mm LPS-style affine as a
typical DICOM-derived CT would carry.
"""

import argparse

import nibabel as nib
import numpy as np


def make_slice(k, nz, xx, yy, rng, noise_sigma):
    """One axial slice (shape nx, ny) of the phantom, in float32 HU."""
    t = k / max(nz - 1, 1)  # 0 at the feet, 1 at the head

    # Body outline: an ellipse whose size varies slowly along z.
    a = 0.80 + 0.08 * np.sin(2.0 * np.pi * t)
    b = 0.60 + 0.05 * np.cos(3.0 * np.pi * t)
    body = (xx / a) ** 2 + (yy / b) ** 2 < 1.0

    hu = np.full(xx.shape, -1000.0, dtype=np.float32)
    # Soft tissue with a gentle spatial modulation.
    tissue = 40.0 + 25.0 * np.sin(3.0 * xx + 2.0 * t) * np.cos(2.5 * yy - t)
    hu[body] = tissue[body]

    # Lungs in the upper part of the volume.
    if t > 0.45:
        for cx in (-0.35, 0.35):
            lung = ((xx - cx) / 0.25) ** 2 + ((yy + 0.05) / 0.35) ** 2 < 1.0
            hu[lung & body] = -850.0

    # A bone-like ring (ribs / pelvis stand-in) just inside the body surface.
    r = (xx / a) ** 2 + (yy / b) ** 2
    ring = (r > 0.80) & (r < 0.86)
    hu[ring] = 700.0

    # A vertebra-like disk behind the centre.
    spine = (xx / 0.07) ** 2 + ((yy - 0.42) / 0.07) ** 2 < 1.0
    hu[spine & body] = 450.0

    hu += rng.normal(0.0, noise_sigma, size=hu.shape).astype(np.float32)
    return hu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--nx", type=int, default=512)
    ap.add_argument("--ny", type=int, default=512)
    ap.add_argument("--nz", type=int, default=600)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--noise", type=float, default=20.0, help="noise sigma in HU")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    # Normalised in-plane coordinates in [-1, 1]; x varies along axis 0.
    x = np.linspace(-1.0, 1.0, args.nx, dtype=np.float32)
    y = np.linspace(-1.0, 1.0, args.ny, dtype=np.float32)
    xx, yy = np.meshgrid(x, y, indexing="ij")

    vol = np.empty((args.nx, args.ny, args.nz), dtype=np.int16)
    for k in range(args.nz):
        hu = make_slice(k, args.nz, xx, yy, rng, args.noise)
        vol[:, :, k] = np.clip(np.rint(hu), -1024, 3071).astype(np.int16)

    # LPS-flipped-to-RAS affine typical of a DICOM conversion: i -> -x, j -> -y.
    affine = np.array([
        [-0.7, 0.0, 0.0, 0.7 * (args.nx - 1) / 2.0],
        [0.0, -0.7, 0.0, 0.7 * (args.ny - 1) / 2.0],
        [0.0, 0.0, 1.0, -(args.nz - 1) / 2.0],
        [0.0, 0.0, 0.0, 1.0],
    ])
    img = nib.Nifti1Image(vol, affine)
    img.header.set_xyzt_units("mm", "sec")
    nib.save(img, args.out)
    print(f"wrote {args.out}: shape {vol.shape}, dtype {vol.dtype}")


if __name__ == "__main__":
    main()
