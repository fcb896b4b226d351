#!/usr/bin/env python3
"""Prints the tables of docs/performance.md from the outputs of one scripts/gpu-check run.

Reads from the folder OUT (default gpu-check-out):
  *.json with a "benchmarks" list  Google Benchmark (bench.json; tuning.json with TUNING=1)
  peers.json                       bench/peers.py
  dicom.json                       bench/dicom_load.py
  logs/device.txt, logs/commit.txt nvidia-smi's line and the commit (or inside logs.tar.gz)
and prints in Markdown a header (device, driver, date, commit, the bandwidth limit) and one
table per op family. Each row says what the op must move at the least (bytes a voxel times
the voxels), the floor that takes at the limit (bytes / bandwidth) and the fraction of it the
measured time reached; the peers of bench/peers.py are timed from Python in the same run, so
their ratios compare like with like (peer time / medkern's time from Python). Rows that the
catalogue below does not name are printed in a last table, so nothing measured is left out.
The run's steps and sanitizer summary go to stderr.

Usage: bench/summarize.py [OUT] [--bandwidth BYTES_PER_S]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import pathlib
import re
import sys
import tarfile
from dataclasses import dataclass
from typing import Optional

# Bytes read plus written per second by a large device-to-device copy on the H200
# (BM_copy_gpu of the run that measured the tables).
DEFAULT_BANDWIDTH = 4.23e12

V512, V256, V128 = 512 ** 3, 256 ** 3, 128 ** 3
V_CALCIUM = 64 * 512 * 512
V_PERFUSION = 320 * 256 * 256  # voxels of a frame of the 40-frame perfusion series


@dataclass
class Row:
    """One line of a family's table. `bench`: the Google Benchmark name without its
    /manual_time, /real_time or /iterations:N suffixes; `peers`: (op, device) of
    bench/peers.py rows timed on the same kind of input (an op ending in "*" is a prefix).
    `moves` says what one voxel must move, `per_voxel` how many bytes that is (the
    benchmark's MB_moved counter, where there is one, is used instead: it may depend on the
    run, e.g. confidence connected's iterations). `moves` may name the benchmark's counters
    ("{estimates}"). A CPU row has no floor: the limit is the GPU's."""
    op: str
    input: str
    bench: Optional[str] = None
    peers: tuple = ()
    voxels: int = 0
    per_voxel: float = 0.0
    moves: str = ""
    cpu: bool = False


def gpu_row(op, input, voxels, per_voxel, moves, bench=None, peers=()):
    return Row(op, input, bench, peers, voxels, per_voxel, moves)


def cpu_row(op, input, bench=None, peers=()):
    return Row(op, input, bench, peers, cpu=True)


FLOAT_RW = "4 B read + 4 B written"

FAMILIES = {
    "histogram": [
        gpu_row("histogram, 4,096 bins", "512³ int16", V512, 2, "2 B read",
                "BM_histogram_gpu<int16_t>/512/4096", [("histogram int16 4096 bins", "gpu")]),
        gpu_row("histogram, 256 bins", "512³ int16", V512, 2, "2 B read",
                "BM_histogram_gpu<int16_t>/512/256"),
        gpu_row("histogram, 4,096 bins", "512³ float32", V512, 4, "4 B read",
                "BM_histogram_gpu<float>/512/4096", [("histogram float32 4096 bins", "gpu")]),
        cpu_row("histogram, 4,096 bins", "256³ int16", "BM_histogram_cpu/256",
                [("histogram int16 4096 bins", "cpu")]),
    ],
    "threshold": [
        gpu_row("threshold → uint8", "512³ int16", V512, 3, "2 B read + 1 B written",
                "BM_threshold_gpu<int16_t>/512", [("threshold int16 -> uint8", "gpu")]),
        gpu_row("threshold → uint8", "512³ float32", V512, 5, "4 B read + 1 B written",
                "BM_threshold_gpu<float>/512"),
        gpu_row("otsu_threshold", "512³ int16", V512, 4, "2 × 2 B read (extremes, then counts)",
                "BM_otsu_gpu/512"),
        cpu_row("threshold → uint8", "256³ int16", "BM_threshold_cpu/256",
                [("threshold int16 -> uint8", "cpu")]),
        cpu_row("otsu_threshold", "256³ int16", peers=[("otsu int16", "cpu")]),
    ],
    "label_statistics": [
        gpu_row("label_statistics, 2,000 labels", "512³ int16, int32 labels", V512, 10,
                "2 B values + 2 × 4 B labels read (their maximum, then the sums)",
                "BM_label_statistics_gpu/512"),
        gpu_row("label_statistics, 64 labels", "512³ int16, int32 labels", V512, 10,
                "2 B values + 2 × 4 B labels read",
                peers=[("label statistics (sum, mean, std, min, max)", "gpu")]),
        cpu_row("label_statistics, 2,000 labels", "256³ int16, int32 labels",
                "BM_label_statistics_cpu/256"),
    ],
    "labeling": [
        gpu_row("label_components, 26-conn", "512³ uint8 mask, 2,000 balls", V512, 5,
                "1 B read + 4 B written", "BM_label_components_gpu/512/26",
                [("label components 26-conn*", "gpu")]),
        gpu_row("label_components, 6-conn", "512³ uint8 mask, 2,000 balls", V512, 5,
                "1 B read + 4 B written", "BM_label_components_gpu/512/6"),
        gpu_row("label_components, 8-conn per slice", "64×512×512 uint8 mask, 300 balls",
                V_CALCIUM, 5, "1 B read + 4 B written", "BM_label_components_slices_gpu"),
        gpu_row("label_components of a label image, 26-conn", "512³ int32, 2,000 labels", V512, 8,
                FLOAT_RW, "BM_label_components_regions_gpu/512/26"),
        gpu_row("label_components of a label image, 6-conn", "512³ int32, 2,000 labels", V512, 8,
                FLOAT_RW, "BM_label_components_regions_gpu/512/6"),
        cpu_row("label_components, 26-conn", "256³ uint8 mask, 250 balls",
                "BM_label_components_cpu/256", [("label components 26-conn", "cpu")]),
    ],
    "region_growing": [
        gpu_row("connected_threshold, 26-conn, one seed", "512³ int16 CT-like body", V512, 11,
                "2 B read + 1 B written + 2 × 4 B labels", "BM_connected_threshold_gpu/512"),
        gpu_row("confidence_connected, 6-conn", "512³ int16 CT-like body", V512, 0,
                "(1 + k) floods × 11 B + k estimates × 3 B, k = {estimates:.0f}",
                "BM_confidence_connected_gpu/512/6"),
        gpu_row("confidence_connected, 26-conn", "512³ int16 CT-like body", V512, 0,
                "(1 + k) floods × 11 B + k estimates × 3 B, k = {estimates:.0f}",
                "BM_confidence_connected_gpu/512/26"),
        gpu_row("connected_threshold [-200, 300], 6-conn", "256³ int16 body", V256, 11,
                "2 B read + 1 B written + 2 × 4 B labels",
                peers=[("connected threshold 6-conn", "gpu")]),
        gpu_row("connected_threshold [-200, 300], 26-conn", "256³ int16 body", V256, 11,
                "2 B read + 1 B written + 2 × 4 B labels",
                peers=[("connected threshold 26-conn", "gpu")]),
        gpu_row("connected_threshold, seed ± 250, 6-conn", "256³ int16 body", V256, 11,
                "2 B read + 1 B written + 2 × 4 B labels",
                peers=[("connected threshold 6-conn (band of the seed)", "gpu")]),
        gpu_row("connected_threshold, seed ± 250, 26-conn", "256³ int16 body", V256, 11,
                "2 B read + 1 B written + 2 × 4 B labels",
                peers=[("connected threshold 26-conn (band of the seed)", "gpu")]),
        gpu_row("confidence_connected (2.5, 4 iterations, radius 1), 6-conn", "256³ int16 body",
                V256, 55, "5 floods × 11 B",
                peers=[("confidence connected 6-conn (2.5, 4, r=1)", "gpu")]),
        cpu_row("connected_threshold [-200, 300], 6-conn", "256³ int16 body",
                peers=[("connected threshold 6-conn", "cpu")]),
        cpu_row("connected_threshold [-200, 300], 26-conn", "256³ int16 body",
                peers=[("connected threshold 26-conn", "cpu")]),
        cpu_row("connected_threshold, seed ± 250, 6-conn", "256³ int16 body",
                peers=[("connected threshold 6-conn (band of the seed)", "cpu")]),
        cpu_row("connected_threshold, seed ± 250, 26-conn", "256³ int16 body",
                peers=[("connected threshold 26-conn (band of the seed)", "cpu")]),
        cpu_row("confidence_connected (2.5, 4 iterations, radius 1), 6-conn", "256³ int16 body",
                "BM_confidence_connected_cpu/256/6",
                [("confidence connected 6-conn (2.5, 4, r=1)", "cpu")]),
    ],
    "watershed": [
        gpu_row("watershed, 100 markers, 6-conn", "256³ float32, gradient of a smooth relief",
                V256, 12, "4 B elevation + 4 B markers read, 4 B labels written",
                "BM_watershed_gpu/256"),
        gpu_row("watershed, 100 markers, 6-conn", "512³ float32, gradient of a smooth relief",
                V512, 12, "4 B elevation + 4 B markers read, 4 B labels written",
                "BM_watershed_gpu/512"),
        gpu_row("regional_minima, 6-conn", "256³ float32, the same relief", V256, 8, FLOAT_RW,
                "BM_regional_minima_gpu/256"),
        gpu_row("watershed, 100 markers, 6-conn", "128³ float32, gradient of smoothed noise",
                V128, 12, "4 B elevation + 4 B markers read, 4 B labels written",
                peers=[("watershed 128^3, 100 markers", "gpu")]),
        cpu_row("watershed, 100 markers, 6-conn", "256³ float32, gradient of a smooth relief",
                "BM_watershed_cpu/256"),
        cpu_row("watershed, 100 markers, 6-conn", "128³ float32, gradient of smoothed noise",
                peers=[("watershed 128^3, 100 markers", "cpu")]),
    ],
    "gaussian": [
        gpu_row("gaussian, σ = 1 voxel (radius 4)", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gaussian_gpu/512/1", [("gaussian sigma 1 float32", "gpu")]),
        gpu_row("gaussian, σ = 2 voxels (radius 8)", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gaussian_gpu/512/2", [("gaussian sigma 2 float32", "gpu")]),
        gpu_row("z pass alone, σ = 1", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gaussian_pass_gpu/512/1/0"),
        gpu_row("y and x pass alone, σ = 1", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gaussian_pass_gpu/512/1/1"),
        gpu_row("z pass alone, σ = 2", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gaussian_pass_gpu/512/2/0"),
        gpu_row("y and x pass alone, σ = 2", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gaussian_pass_gpu/512/2/1"),
        cpu_row("gaussian, σ = 1", "256³ float32", "BM_gaussian_cpu/256/1",
                [("gaussian sigma 1 float32", "cpu")]),
        cpu_row("gaussian, σ = 2", "256³ float32", "BM_gaussian_cpu/256/2",
                [("gaussian sigma 2 float32", "cpu")]),
    ],
    "edges": [
        gpu_row("gradient_magnitude, Sobel", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gradient_magnitude_gpu/512/0", [("gradient magnitude (sobel) float32", "gpu")]),
        gpu_row("gradient_magnitude, central differences", "512³ float32", V512, 8, FLOAT_RW,
                "BM_gradient_magnitude_gpu/512/1"),
        gpu_row("canny, σ = 1 mm, low 100, high 300", "256³ int16 CT-like body", V256, 63,
                "≈ 63 B as run (the least: 2 B read + 1 B written)", "BM_canny_gpu/256"),
        gpu_row("canny, σ = 1 mm, low 100, high 300", "512³ int16 CT-like body", V512, 63,
                "≈ 63 B as run (the least: 2 B read + 1 B written)", "BM_canny_gpu/512"),
        gpu_row("canny, σ = 1 mm, low 100, high 300", "256³ float32 CT-like body", V256, 63,
                "≈ 63 B as run (the least: 4 B read + 1 B written)",
                peers=[("canny sigma 1 mm, body", "gpu")]),
        cpu_row("gradient_magnitude, Sobel", "256³ float32", "BM_gradient_magnitude_cpu/256",
                [("gradient magnitude (sobel) float32", "cpu")]),
        cpu_row("canny, σ = 1 mm, low 100, high 300", "256³ int16 CT-like body",
                "BM_canny_cpu/256"),
        cpu_row("canny, σ = 1 mm, low 100, high 300", "256³ float32 CT-like body",
                peers=[("canny sigma 1 mm, body", "cpu")]),
    ],
    "denoise": [
        gpu_row("median, radius 1", "512³ float32", V512, 8, FLOAT_RW, "BM_median_gpu/512/1",
                [("median r=1 float32", "gpu")]),
        gpu_row("median, radius 1", "512³ int16", V512, 4, "2 B read + 2 B written",
                "BM_median_int16_gpu/512"),
        gpu_row("median, radius 2", "512³ float32", V512, 8, FLOAT_RW, "BM_median_gpu/512/2",
                [("median r=2 float32", "gpu")]),
        gpu_row("median, radius 3", "512³ float32", V512, 8, FLOAT_RW, "BM_median_gpu/512/3"),
        gpu_row("anisotropic_diffusion, 5 iterations", "512³ float32", V512, 68,
                "8 B (the cast) + 5 × 12 B (average, step)", "BM_anisotropic_diffusion_gpu/512/5",
                [("anisotropic diffusion 5 it float32*", "gpu")]),
        cpu_row("median, radius 1", "256³ float32", "BM_median_cpu/256/1",
                [("median r=1 float32", "cpu")]),
        cpu_row("median, radius 2", "256³ float32", "BM_median_cpu/256/2"),
        cpu_row("anisotropic_diffusion, 5 iterations", "256³ float32",
                "BM_anisotropic_diffusion_cpu/256/5",
                [("anisotropic diffusion 5 it float32*", "cpu")]),
    ],
    "calcium": [
        gpu_row("calcium_score: Agatston, volume, mass, lesion table",
                "64×512×512 int16 phantom, uint8 artery labels", V_CALCIUM, 3,
                "2 B CT + 1 B labels read", "BM_calcium_score_gpu"),
        gpu_row("calcium_score, no labels", "64×512×512 int16, about 300 calcified spheres",
                V_CALCIUM, 2, "2 B read", peers=[("calcium score 64x512x512*", "gpu")]),
        cpu_row("calcium_score: Agatston, volume, mass, lesion table",
                "64×512×512 int16 phantom, uint8 artery labels", "BM_calcium_score_cpu"),
    ],
    "perfusion": [
        *[gpu_row(f"perfusion_maps {name}: CBF, CBV, MTT, Tmax, TTP, arrival, valid",
                  "40×320×256×256 float32", V_PERFUSION, 40 * 4 + 25,
                  "40 × 4 B read + 6 × 4 B + 1 B written", f"BM_perfusion_maps_gpu/method:{code}",
                  [(f"perfusion maps {name} 40x320x256x256 float32", "gpu")])
          for code, name in enumerate(("ssvd", "csvd", "osvd", "tikhonov"))],
        gpu_row("perfusion_maps csvd", "40×320×256×256 int16", V_PERFUSION, 40 * 2 + 25,
                "40 × 2 B read + 6 × 4 B + 1 B written", "BM_perfusion_maps_int16_gpu/method:1"),
        gpu_row("time_intensity_curves, 1,000 labels", "40×320×256×256 float32", V_PERFUSION,
                40 * 8, "40 × (4 B values + 4 B labels) read", "BM_time_intensity_curves_gpu"),
        *[cpu_row(f"perfusion_maps {name}", "40×16×128×128 float32",
                  f"BM_perfusion_maps_cpu/method:{code}",
                  [(f"perfusion maps {name} 40x16x128x128 float32", "cpu")])
          for code, name in enumerate(("ssvd", "csvd", "osvd", "tikhonov"))],
    ],
    "copy": [
        gpu_row("device-to-device copy (the limit)", "512³ float32", V512, 8, FLOAT_RW,
                "BM_copy_gpu/512"),
    ],
}
POOL_BENCH, MALLOC_BENCH = "BM_pool_allocate_free_gpu/64", "BM_cuda_malloc_free_gpu/64"


def bench_key(run_name):
    """BM_x<T>/512/4/manual_time -> BM_x<T>/512/4 (the catalogue's names)."""
    return "/".join(p for p in run_name.split("/")
                    if not re.fullmatch(r"manual_time|real_time|process_time|iterations:\d+|"
                                        r"min_time:.*|repeats:\d+|threads:\d+", p))


class Run:
    def __init__(self, out: pathlib.Path):
        self.out = out
        self.logs = self._logs()
        self.benchmarks, self.context = {}, {}
        for path in sorted(out.glob("*.json")):
            data = json.loads(path.read_text())
            if isinstance(data, dict) and "benchmarks" in data:
                self.context = self.context or data.get("context", {})
                for b in data["benchmarks"]:
                    if b.get("aggregate_name") in (None, "median"):
                        self.benchmarks[bench_key(b["run_name"])] = b
        peers = out / "peers.json"
        self.peers = json.loads(peers.read_text()) if peers.exists() else []
        dicom = out / "dicom.json"
        self.dicom = json.loads(dicom.read_text()) if dicom.exists() else None
        self.used_benchmarks, self.used_peers = set(), set()

    def _logs(self):
        """logs/NAME's text, from logs/ or from logs.tar.gz (gpu-check packs them at the end)."""
        logs = {}
        if (self.out / "logs").is_dir():
            for path in (self.out / "logs").glob("*.txt"):
                logs[path.name] = path.read_text()
        elif (self.out / "logs.tar.gz").exists():
            with tarfile.open(self.out / "logs.tar.gz") as tar:
                for member in tar.getmembers():
                    if member.isfile() and member.name.endswith(".txt"):
                        logs[pathlib.PurePath(member.name).name] = tar.extractfile(member).read().decode()
        return logs

    def benchmark(self, name):
        b = self.benchmarks.get(name)
        if b is not None:
            self.used_benchmarks.add(name)
        return b

    def peer_rows(self, specs):
        found = []
        for op, device in specs:
            for i, r in enumerate(self.peers):
                matches = r["op"].startswith(op[:-1]) if op.endswith("*") else r["op"] == op
                if matches and r["device"] == device:
                    found.append(r)
                    self.used_peers.add(i)
        return found


def ms_of(b):
    return b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]


def fmt_ms(ms):
    if ms >= 1e4:
        return f"{ms / 1e3:,.1f} s"
    if ms >= 100:
        return f"{ms:,.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    if ms >= 0.1:
        return f"{ms:.3f} ms"
    return f"{ms * 1e3:.1f} µs"


def fmt_bytes(n):
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:,.0f} MB"


def fmt_ratio(x):
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×"


def peer_cell(rows, with_medkern):
    """From Python: medkern's time (unless the row's time is that one already), then each
    peer's time and ratio (peer / medkern)."""
    if not rows:
        return "—"
    parts = [f"medkern {fmt_ms(rows[0]['medkern_ms'])}"] if with_medkern else []
    for r in rows:
        if r["peer"] == "-":  # medkern's time from Python alone, no peer of the same op
            continue
        same = "" if r["identical"] else ", results differ"
        parts.append(f"`{r['peer']}` {fmt_ms(r['peer_ms'])} ({fmt_ratio(r['speedup'])}{same})")
    return "; ".join(parts) or "—"


def family_table(run, rows, bandwidth):
    lines = ["| op | input | medkern | bytes it must move (a voxel: in all) | floor | of floor | peers, same run, from Python |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    printed = 0
    for row in rows:
        b = run.benchmark(row.bench) if row.bench else None
        peers = run.peer_rows(row.peers)
        if b is None and not peers:
            continue
        if b is not None:
            ms = ms_of(b)
            time = fmt_ms(ms)
        else:
            ms = peers[0]["medkern_ms"]
            time = fmt_ms(ms) + " (Python)"
        where = row.input + (f", CPU ({run.context.get('num_cpus', '?')} threads)" if row.cpu else "")
        if row.cpu:
            moves = floor = of_floor = "—"
        else:
            counters = {k: v for k, v in (b or {}).items() if isinstance(v, (int, float))}
            total = b["MB_moved"] * 1e6 if b is not None and "MB_moved" in b else row.voxels * row.per_voxel
            if b is not None and row.per_voxel and abs(total - row.voxels * row.per_voxel) > 0.005 * total:
                print(f"summarize: {row.bench} moves {total:.4g} B, the catalogue says "
                      f"{row.voxels * row.per_voxel:.4g}", file=sys.stderr)
            floor_ms = total / bandwidth * 1e3
            moves = f"{row.moves.format(**counters)}: {fmt_bytes(total)}"
            floor = fmt_ms(floor_ms)
            of_floor = f"{100 * floor_ms / ms:.0f} %"
        lines.append(f"| {row.op} | {where} | {time} | {moves} | {floor} | {of_floor} | {peer_cell(peers, b is not None)} |")
        printed += 1
    return lines if printed else []


def header(run, bandwidth):
    device = run.logs.get("device.txt", "").strip()
    table = list(csv.reader(io.StringIO(device), skipinitialspace=True))
    if len(table) >= 2 and table[0] and table[0][0] == "name":
        fields = dict(zip(table[0], table[1]))
        gpu = (f"{fields.get('name', '?')}, driver {fields.get('driver_version', '?')}, "
               f"{fields.get('memory.total [MiB]', '?')}")
    else:
        gpu = device.splitlines()[-1] if device else "(no logs/device.txt)"
    date = (run.context.get("date") or run.logs.get("date.txt", "").strip() or "?")[:10]
    commit = run.logs.get("commit.txt", "?").strip() or "?"
    copy = run.benchmarks.get("BM_copy_gpu/512")
    measured = ""
    if copy is not None:
        measured = f" (this run's `BM_copy_gpu`: {copy['MB_moved'] * 1e6 / (ms_of(copy) * 1e-3) / 1e12:.2f} TB/s)"
    cpus = run.context.get("num_cpus")
    return [f"Device: {gpu}" + (f"; host: {cpus} CPU threads" if cpus else "") + ".  ",
            f"Measured {date} at commit {commit}.  ",
            f"Limit: {bandwidth / 1e12:.2f} TB/s, bytes read plus written by a device-to-device "
            f"copy{measured}; floor = bytes / limit.", ""]


def pool_table(run):
    pool, malloc = run.benchmark(POOL_BENCH), run.benchmark(MALLOC_BENCH)
    lines = ["| op | time |", "| --- | --- |"]
    if pool is not None:
        ratio = f" ({ms_of(malloc) / ms_of(pool):,.0f}× faster than `cudaMalloc` + `cudaFree`)" if malloc else ""
        lines.append(f"| pool allocate + free, 64 MiB, warm | {fmt_ms(ms_of(pool))}{ratio} |")
    if malloc is not None:
        lines.append(f"| `cudaMalloc` + `cudaFree`, 64 MiB | {fmt_ms(ms_of(malloc))} |")
    return lines if len(lines) > 2 else []


def dicom_table(run):
    if not run.dicom:
        return []
    rows = run.dicom["rows"]
    threads = run.dicom.get("threads") or run.dicom.get("cores")
    lines = [f"{rows[0]['slices']} slices of {rows[0]['size']}² int16 CT, files in the page cache, "
             f"{threads} threads, medians.", "",
             "| transfer syntax | medkern `load_series` | pydicom | pydicom / medkern | directory → calcium score |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(
            f"| {r['syntax']} | {fmt_ms(r['medkern_s'] * 1e3)}, {r['medkern_slices_per_s']:,.0f} slices/s | "
            f"{fmt_ms(r['pydicom_s'] * 1e3)}, {r['pydicom_slices_per_s']:,.0f} slices/s | "
            f"{fmt_ratio(r['ratio'])} | {fmt_ms(r['directory_to_score_s'] * 1e3)} "
            f"(score on the {r['score_device'].upper()}) |")
    return lines


def others_table(run):
    lines = ["| benchmark or peer row | device | medkern | peer | peer time |", "| --- | --- | --- | --- | --- |"]
    for name, b in run.benchmarks.items():
        if name not in run.used_benchmarks:
            lines.append(f"| `{name}` | {'GPU' if 'gpu' in name else 'CPU'} | {fmt_ms(ms_of(b))} | — | — |")
    for i, r in enumerate(run.peers):
        if i not in run.used_peers:
            lines.append(f"| {r['op']} | {r['device'].upper()} | {fmt_ms(r['medkern_ms'])} (Python) | "
                         f"`{r['peer']}` | {fmt_ms(r['peer_ms'])} ({fmt_ratio(r['speedup'])}) |")
    return lines if len(lines) > 2 else []


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default="gpu-check-out")
    parser.add_argument("--bandwidth", type=float, default=DEFAULT_BANDWIDTH,
                        help="the limit, bytes read plus written per second (default %(default).3g)")
    args = parser.parse_args()
    run = Run(pathlib.Path(args.out))
    for name in ("steps.txt", "sanitizer-summary.txt"):
        for line in run.logs.get(name, "").splitlines():
            print(line, file=sys.stderr)
    lines = header(run, args.bandwidth)
    sections = [(family, family_table(run, rows, args.bandwidth)) for family, rows in FAMILIES.items()]
    sections.insert(len(sections) - 1, ("memory pool", pool_table(run)))  # before copy
    sections.append(("DICOM loading", dicom_table(run)))
    sections.append(("other rows of the run", others_table(run)))
    for title, table in sections:
        if table:
            lines += [f"### {title}", ""] + table + [""]
    print("\n".join(lines).rstrip())


if __name__ == "__main__":
    main()
