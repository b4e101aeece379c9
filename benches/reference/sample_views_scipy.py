#!/usr/bin/env python3
"""Reference 2.5D view sampler built on scipy.ndimage.map_coordinates.

Independent re-implementation of cadet's view sampling, used to produce
expected values for its tests and a throughput baseline.

Geometry (all world coordinates are RAS+ millimetres in the frame of the
NIfTI affine as nibabel reports it, img.affine):

    c   view centre, t shift, p0 = c + t
    F   field of view (mm), N output size (pixels)
    o(k) = ((k + 0.5) / N - 0.5) * F            k = 0 .. N-1
    e1, e2, e3 = columns of the rotation R

    channel 0 (axial):    p(r, q) = p0 - o(q) e1 - o(r) e2
    channel 1 (coronal):  p(r, q) = p0 - o(q) e1 - o(r) e3
    channel 2 (sagittal): p(r, q) = p0 - o(q) e2 - o(r) e3

Each point is mapped to continuous voxel coordinates with inv(affine) (voxel
centres at integer indices) and the volume (in HU, i.e. after scl_slope /
scl_inter scaling) is interpolated there:

    order 1: trilinear, map_coordinates(vol, order=1, mode='constant',
             cval=-1024).  With mode='constant' scipy returns cval for any
             coordinate outside [0, n-1] on some axis and does not blend
             with cval inside that range.
    order 3: cubic B-spline.  Coefficients are computed once per volume with
             spline_filter(order=3, mode='mirror'), then
             map_coordinates(coeffs, order=3, mode='mirror', prefilter=False);
             afterwards every point outside [0, n-1] on some axis is set to
             -1024.

View parameters come from a CSV with the header
    candidate,view,center_x,center_y,center_z,shift_x,shift_y,shift_z,
    fov_mm,r11,r12,r13,r21,r22,r23,r31,r32,r33
where R is given row-major (so e1 = (r11, r21, r31)).

Usage:
    python sample_views_scipy.py VOLUME.nii.gz VIEWS.csv --size N --order {1,3}
           [--out VIEWS.npy] [--bench] [--repeat K] [--chunk V]

The output array is float32 with shape [views, 3, N, N] (rows of the CSV in
order, then channel, row r, column q).  scipy.ndimage runs on one thread.
--chunk V samples V views per map_coordinates call (the coordinates of 10,000
views of 64x64x3 would take 3 GB at once); the timing is the sum over chunks.
"""

import argparse
import csv
import json
import time

import nibabel as nib
import numpy as np
from scipy import ndimage

OUTSIDE_HU = -1024.0

CSV_COLUMNS = [
    "candidate", "view",
    "center_x", "center_y", "center_z",
    "shift_x", "shift_y", "shift_z",
    "fov_mm",
    "r11", "r12", "r13", "r21", "r22", "r23", "r31", "r32", "r33",
]


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------

def load_volume(path):
    """Return (volume in HU as float64 [i, j, k], 4x4 affine)."""
    img = nib.load(str(path))
    vol = img.get_fdata(dtype=np.float64)
    if vol.ndim != 3:
        raise ValueError(f"expected a 3-D volume, got shape {vol.shape}")
    return vol, np.asarray(img.affine, dtype=np.float64)


def read_views(path):
    """Parse the view CSV into a list of dicts with numpy fields."""
    views = []
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"CSV lacks columns: {missing}")
        for row in reader:
            views.append(view_from_values(
                candidate=row["candidate"], view=row["view"],
                center=[float(row[c]) for c in ("center_x", "center_y", "center_z")],
                shift=[float(row[c]) for c in ("shift_x", "shift_y", "shift_z")],
                fov_mm=float(row["fov_mm"]),
                rotation_rows=[[float(row[f"r{i}{j}"]) for j in (1, 2, 3)] for i in (1, 2, 3)],
            ))
    return views


def view_from_values(candidate, view, center, shift, fov_mm, rotation_rows):
    return {
        "candidate": candidate,
        "view": view,
        "center": np.asarray(center, dtype=np.float64),
        "shift": np.asarray(shift, dtype=np.float64),
        "fov_mm": float(fov_mm),
        "R": np.asarray(rotation_rows, dtype=np.float64).reshape(3, 3),
    }


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------

def pixel_offsets(n, fov_mm):
    """o(k) = ((k + 0.5) / N - 0.5) * F for k = 0..N-1, in millimetres."""
    k = np.arange(n, dtype=np.float64)
    return ((k + 0.5) / n - 0.5) * fov_mm


def view_world_points(view, n):
    """World points (RAS mm) of one view, shape [3 channels, N rows, N cols, 3]."""
    R = view["R"]
    e1, e2, e3 = R[:, 0], R[:, 1], R[:, 2]
    p0 = view["center"] + view["shift"]
    o = pixel_offsets(n, view["fov_mm"])

    # For each channel: the world direction that the column index q moves
    # along, and the one the row index r moves along.
    plane_axes = [
        (-e1, -e2),  # axial
        (-e1, -e3),  # coronal
        (-e2, -e3),  # sagittal
    ]
    pts = np.empty((3, n, n, 3), dtype=np.float64)
    for ch, (col_dir, row_dir) in enumerate(plane_axes):
        # o[None, :, None] varies with the column q, o[:, None, None] with row r.
        pts[ch] = (p0[None, None, :]
                   + o[None, :, None] * col_dir[None, None, :]
                   + o[:, None, None] * row_dir[None, None, :])
    return pts


def world_to_voxel(points, affine):
    """Map world points [..., 3] to continuous voxel coordinates [..., 3]."""
    inv = np.linalg.inv(affine)
    return points @ inv[:3, :3].T + inv[:3, 3]


def views_to_voxel_coords(views, n, affine):
    """Voxel coordinates for all views, shape [3 axes, V*3*N*N]."""
    pts = np.stack([view_world_points(v, n) for v in views])  # [V, 3, N, N, 3]
    vox = world_to_voxel(pts, affine)
    return vox.reshape(-1, 3).T.copy()


# --------------------------------------------------------------------------
# Interpolation
# --------------------------------------------------------------------------

def prepare(vol, order):
    """Per-volume preprocessing: the B-spline coefficients for order 3."""
    if order == 1:
        return vol
    if order == 3:
        return ndimage.spline_filter(vol, order=3, mode="mirror", output=np.float64)
    raise ValueError("order must be 1 or 3")


def outside_mask(coords, shape):
    """True where a voxel coordinate lies outside [0, n-1] on some axis."""
    mask = np.zeros(coords.shape[1], dtype=bool)
    for axis, n in enumerate(shape):
        c = coords[axis]
        mask |= (c < 0.0) | (c > n - 1)
    return mask


def sample(prepared, coords, order, shape):
    """Interpolate at voxel coordinates [3, M]; float64 result [M]."""
    if order == 1:
        return ndimage.map_coordinates(prepared, coords, order=1, mode="constant",
                                       cval=OUTSIDE_HU, output=np.float64)
    values = ndimage.map_coordinates(prepared, coords, order=3, mode="mirror",
                                     prefilter=False, output=np.float64)
    values[outside_mask(coords, shape)] = OUTSIDE_HU
    return values


def sample_views(vol, affine, views, n, order, prepared=None, chunk=0):
    """All views as float64 [V, 3, N, N]; pass `prepared` to reuse coefficients and `chunk`
    to sample that many views per map_coordinates call."""
    if prepared is None:
        prepared = prepare(vol, order)
    step = chunk if chunk > 0 else max(len(views), 1)
    out = np.empty((len(views), 3, n, n), dtype=np.float64)
    for start in range(0, len(views), step):
        part = views[start:start + step]
        coords = views_to_voxel_coords(part, n, affine)
        out[start:start + len(part)] = sample(prepared, coords, order, vol.shape).reshape(len(part), 3, n, n)
    return out


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Reference 2.5D view sampler (scipy)")
    ap.add_argument("volume")
    ap.add_argument("views_csv")
    ap.add_argument("--size", type=int, required=True, help="output size N")
    ap.add_argument("--order", type=int, choices=(1, 3), default=1)
    ap.add_argument("--out", help="save float32 [views, 3, N, N] to this .npy")
    ap.add_argument("--bench", action="store_true", help="print a JSON timing line")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions for --bench")
    ap.add_argument("--chunk", type=int, default=0, help="views per map_coordinates call (0: all)")
    args = ap.parse_args()

    vol, affine = load_volume(args.volume)
    views = read_views(args.views_csv)

    t0 = time.perf_counter()
    prepared = prepare(vol, args.order)
    prefilter_s = time.perf_counter() - t0 if args.order == 3 else 0.0

    sample_times = []
    result = None
    for _ in range(max(args.repeat if args.bench else 1, 1)):
        t0 = time.perf_counter()
        result = sample_views(vol, affine, views, args.size, args.order, prepared, args.chunk)
        sample_times.append(time.perf_counter() - t0)

    if args.out:
        np.save(args.out, result.astype(np.float32))

    if args.bench:
        best = min(sample_times)
        print(json.dumps({
            "volume": args.volume,
            "volume_shape": list(vol.shape),
            "views": len(views),
            "size": args.size,
            "order": args.order,
            "sampling_seconds_min": best,
            "views_per_second": len(views) / best if best > 0 else None,
            "prefilter_seconds": prefilter_s,
            "threads": 1,
            "threads_note": "scipy.ndimage spline_filter/map_coordinates are single-threaded",
        }))


if __name__ == "__main__":
    main()
