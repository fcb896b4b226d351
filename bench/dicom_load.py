#!/usr/bin/env python3
"""DICOM loading speed: medkern.load_series against pydicom, in slices per second.

Writes a CT series with pydicom into a temporary directory - 64 slices of 512 x 512 int16 by
default, uncompressed (explicit VR little endian) and RLE (pydicom's encoder) - and times
  medkern:  medkern.load_series(dir)  (DCMTK, files decoded in parallel)
  pydicom:  dcmread every file, sort by ImagePositionPatient on the normal, pixel_array,
            apply_modality_lut, stack into one int16 volume
on the same files, after one warm-up run of each (the files are in the page cache: this
measures parsing and decoding, not the disk). It checks that both volumes are equal.
It also times the whole path of a PACS call, directory to score: load_series, then
calcium_score on the default device (the GPU when there is one: the copy there included).
Times are medians of --repeat runs.

Usage: PYTHONPATH=build/python python3 bench/dicom_load.py [--slices 64] [--size 512]
       [--repeat 5] [--threads 0] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_modality_lut
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, RLELossless, generate_uid

import medkern


def ct_slice(rng, n):
    """CT-like stored values (HU + 1024): air, soft tissue, bone, noise; RLE-compressible
    runs of air as a real CT has around the body."""
    yy, xx = np.mgrid[0:n, 0:n]
    body = ((yy - n / 2) ** 2 / (0.42 * n) ** 2 + (xx - n / 2) ** 2 / (0.47 * n) ** 2) <= 1
    hu = np.where(body, 40, -1000).astype(np.float32)
    hu[body] += rng.normal(0, 20, size=int(body.sum()))
    bone = ((yy - 0.7 * n) ** 2 + (xx - n / 2) ** 2) <= (0.06 * n) ** 2
    hu[bone] = 900
    return (np.clip(hu, -1024, 3071) + 1024).astype(np.int16)


def write_series(folder, slices, n, rle, seed=0):
    rng = np.random.default_rng(seed)
    series_uid, study_uid = generate_uid(), generate_uid()
    order = rng.permutation(slices)
    for k in range(slices):
        meta = FileMetaDataset()
        sop = generate_uid()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop
        ds.Modality, ds.PatientID = "CT", "BENCH"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.ImagePositionPatient = [-250.0, -250.0, 3.0 * k]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.PixelSpacing = [0.9765625, 0.9765625]
        ds.SliceThickness = 3.0
        ds.Rows = ds.Columns = n
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.PixelData = ct_slice(rng, n).tobytes()
        ds["PixelData"].VR = "OW"
        if rle:
            ds.compress(RLELossless, generate_instance_uid=False)
        ds.save_as(os.path.join(folder, f"IM{order[k]:05d}.dcm"), enforce_file_format=True)


def pydicom_load(folder):
    dss = [pydicom.dcmread(os.path.join(folder, f)) for f in os.listdir(folder)]
    iop = np.array(dss[0].ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    dss.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    return np.stack([apply_modality_lut(d.pixel_array, d).astype(np.int16) for d in dss])


def directory_to_score(folder, threads):
    """What a PACS backend does per study: the series in HU, then its calcium score."""
    s = medkern.load_series(folder, num_threads=threads)
    return medkern.calcium_score(s.volume, s.spacing, slice_thickness=s.slice_thickness)


def timed(fn, repeat):
    result = fn()  # warm-up: page cache, imports, codec registration
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--slices", type=int, default=64)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="medkern's threads; 0 = all cores")
    parser.add_argument("--json")
    args = parser.parse_args()
    if not medkern.dicom_available():
        raise SystemExit("medkern was built without DICOM support (DCMTK)")

    rows = []
    print(f"{args.slices} slices of {args.size}x{args.size} int16, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}, medkern threads: "
          f"{args.threads or 'all'}, pydicom {pydicom.__version__}")
    print(f"{'syntax':<14}{'medkern s':>11}{'slices/s':>10}{'pydicom s':>11}{'slices/s':>10}"
          f"{'ratio':>8}{'dir->score s':>14}")
    for rle in (False, True):
        with tempfile.TemporaryDirectory(prefix="medkern-dicom-bench-") as folder:
            write_series(folder, args.slices, args.size, rle)
            t_mk, s = timed(lambda: medkern.load_series(folder, num_threads=args.threads),
                            args.repeat)
            t_py, ref = timed(lambda: pydicom_load(folder), args.repeat)
            if s.volume.dtype != np.int16 or not np.array_equal(s.volume, ref):
                raise SystemExit("medkern and pydicom volumes differ")
            t_path, score = timed(lambda: directory_to_score(folder, args.threads), args.repeat)
            name = "RLE" if rle else "uncompressed"
            row = {
                "syntax": name,
                "slices": args.slices,
                "size": args.size,
                "medkern_s": t_mk,
                "medkern_slices_per_s": args.slices / t_mk,
                "pydicom_s": t_py,
                "pydicom_slices_per_s": args.slices / t_py,
                "ratio": t_py / t_mk,
                "directory_to_score_s": t_path,
                "score_device": "gpu" if medkern.devices() else "cpu",
                "agatston": score.agatston,
            }
            rows.append(row)
            print(f"{name:<14}{t_mk:>11.4f}{args.slices / t_mk:>10.0f}{t_py:>11.4f}"
                  f"{args.slices / t_py:>10.0f}{t_py / t_mk:>7.1f}x{t_path:>14.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cores": os.cpu_count(), "threads": args.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
