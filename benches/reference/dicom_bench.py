#!/usr/bin/env python3
"""Loading a 512x512x300 CT series: cadet against dcm2niix and pydicom, whole process each.

    python3 benches/reference/dicom_bench.py [target/release/cadet] [--repeat 3]

Makes two series once under target/bench-data/ (not committed):
  * uncompressed: Explicit VR Little Endian, int16 with a body-like phantom and noise;
  * JPEG 2000 lossless: the real 20-slice series in ../shared/data/dicom/totalseg_upper_abdomen
    repeated to 300 slices (pixel data copied as encoded, positions rewritten, new UIDs).
Then times, best of --repeat, each as its own process on the same cores:
  * `cadet convert DIR --out x.nii` (read, sort, decode, write an uncompressed NIfTI);
  * `dcm2niix -z n` (the same job);
  * pydicom: read every file, sort by position along the normal, stack, rescale to HU
    (`pydicom_load` below; JPEG 2000 through pylibjpeg-openjpeg when installed).
Prints a table and one JSON line. Needs pydicom and numpy.
"""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "target/bench-data"
REAL = ROOT / "../shared/data/dicom/totalseg_upper_abdomen"
N = 300


def make_uncompressed(out):
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    out.mkdir(parents=True)
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:512, 0:512]
    body = ((x - 256) / 200.0) ** 2 + ((y - 256) / 150.0) ** 2 < 1
    series, study = generate_uid(), generate_uid()
    for k in range(N):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.PatientID = "CT", "BENCH"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.InstanceNumber = k + 1
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-250.0, -250.0, -300.0 + 1.0 * k]
        ds.PixelSpacing = [0.9765625, 0.9765625]
        ds.SliceThickness = 1.0
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows = ds.Columns = 512
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        img = np.where(body, 1064, 24) + rng.normal(0, 20, (512, 512))
        ds.PixelData = img.astype("<i2").tobytes()
        ds["PixelData"].VR = "OW"
        ds.save_as(out / f"IM{k:05d}", enforce_file_format=True)


def make_j2k(out):
    import pydicom
    from pydicom.uid import generate_uid
    files = sorted(REAL.iterdir())
    slices = [pydicom.dcmread(f) for f in files]
    slices.sort(key=lambda d: float(d.ImagePositionPatient[2]))
    step = float(slices[1].ImagePositionPatient[2]) - float(slices[0].ImagePositionPatient[2])
    z0 = float(slices[0].ImagePositionPatient[2])
    out.mkdir(parents=True)
    series = generate_uid()
    for k in range(N):
        ds = slices[k % len(slices)]
        ds.SeriesInstanceUID = series
        uid = generate_uid()
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPInstanceUID = uid
        pos = list(ds.ImagePositionPatient)
        ds.ImagePositionPatient = [pos[0], pos[1], z0 + k * step]
        ds.InstanceNumber = k + 1
        ds.save_as(out / f"IM{k:05d}")


def pydicom_load(folder):
    """Read, sort along the normal, stack, rescale: what a pydicom user writes."""
    import pydicom
    slices = [pydicom.dcmread(p) for p in Path(folder).iterdir()]
    iop = np.array(slices[0].ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    vol = np.stack([s.pixel_array for s in slices]).astype(np.float32)
    vol = vol * float(slices[0].RescaleSlope) + float(slices[0].RescaleIntercept)
    return vol.shape


def best_of(cmd, repeat, out):
    """Best wall time of `repeat` runs, each into an emptied `out` (untimed): a tool that
    replaced an earlier run's 150 MB output would also pay for freeing it."""
    times = []
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            return None, r.stderr.decode(errors="replace")[-400:]
    return min(times), None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    args = [a for a in args if not a.isdigit()]
    cadet = args[0] if args else str(ROOT / "target/release/cadet")
    series = {"uncompressed": DATA / "dicom_512x512x300", "jpeg2000": DATA / "dicom_j2k_512x512x300"}
    if not series["uncompressed"].is_dir():
        make_uncompressed(series["uncompressed"])
    if not series["jpeg2000"].is_dir() and REAL.is_dir():
        make_j2k(series["jpeg2000"])
    out = DATA / "dicom_bench_out"
    results = {}
    for name, folder in series.items():
        if not folder.is_dir():
            continue
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        row = {}
        row["cadet"] = best_of([cadet, "convert", str(folder), "--out", str(out / "cadet.nii")], repeat, out)
        if shutil.which("dcm2niix"):
            row["dcm2niix"] = best_of(["dcm2niix", "-z", "n", "-f", "d", "-o", str(out), str(folder)], repeat, out)
        row["pydicom"] = best_of([sys.executable, __file__, "--pydicom", str(folder)], repeat, out)
        results[name] = {k: {"s": v[0], "error": v[1]} for k, v in row.items()}
    print(f"{'series':<14} {'cadet':>8} {'dcm2niix':>10} {'pydicom':>10}")
    for name, row in results.items():
        cells = [f"{row[k]['s']:.3f} s" if row.get(k, {}).get("s") else "n/a" for k in ("cadet", "dcm2niix", "pydicom")]
        print(f"{name:<14} {cells[0]:>8} {cells[1]:>10} {cells[2]:>10}")
        for k, v in row.items():
            if v["error"]:
                print(f"  {k} failed: {v['error']}")
    print(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--pydicom":
        print(pydicom_load(sys.argv[2]))
    else:
        main()
