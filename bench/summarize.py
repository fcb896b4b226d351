#!/usr/bin/env python3
"""Prints the GPU routine's summary (Markdown) from the files scripts/gpu-check wrote."""
import json
import pathlib
import sys

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "gpu-check-out")


def read(name):
    path = out / "logs" / name
    return path.read_text().strip() if path.exists() else "(missing)"


print("## GPU routine summary\n")
print("Device: " + read("device.txt").splitlines()[-1] + "  \nCommit: " + read("commit.txt") + "\n")
print("Steps:\n")
for line in read("steps.txt").splitlines():
    print(f"- {line}")
print("\nSanitizer:\n")
for line in read("sanitizer-summary.txt").splitlines():
    print(f"- {line}")
benchmarks = []
for name in ("bench.json", "tuning.json"):  # medkern_bench, then medkern_filters_tuning
    if (out / name).exists():
        benchmarks += json.loads((out / name).read_text())["benchmarks"]
if benchmarks:
    print("\n| benchmark | time | bytes moved (MB) | limit | of limit |\n| --- | --- | --- | --- | --- |")
    for b in benchmarks:
        if b.get("aggregate_name") not in (None, "median"):
            continue
        t, unit = b["real_time"], b["time_unit"]
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]
        limit = b.get("limit_us")
        fraction = f"{limit / (t * scale):.0%}" if limit else "-"
        mb = f"{b['MB_moved']:.0f}" if "MB_moved" in b else "-"
        lim = f"{limit:.0f} us" if limit else "-"
        print(f"| {b['run_name']} | {t:.3f} {unit} | {mb} | {lim} | {fraction} |")
peers = out / "peers.json"
if peers.exists():
    print("\n| op | device | medkern ms | peer | peer ms | speed-up | of limit | same result |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in json.loads(peers.read_text()):
        limit = f"{r['of_limit']:.0%}" if r["of_limit"] is not None else "-"
        print(f"| {r['op']} | {r['device']} | {r['medkern_ms']:.3f} | {r['peer']} | {r['peer_ms']:.3f} | "
              f"{r['speedup']:.1f}x | {limit} | {'yes' if r['identical'] else 'NO'} |")
