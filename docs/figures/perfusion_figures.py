"""The figures of docs/perfusion.md, from medkern's digital reference object.

    python docs/figures/perfusion_figures.py [--out docs/figures]

Needs medkern (built or installed) and matplotlib. Deterministic: the phantom's noise has a
fixed seed, so the PNGs change only when the library's results do.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import medkern  # noqa: E402

CBF = (10.0, 20.0, 40.0, 60.0)
MTT = (2.0, 4.0, 8.0, 12.0)
DELAY = (0.0, 2.0)
BLOCK = 12


def phantom():
    """A CT perfusion phantom: 4 CBF x 2 delays (rows) x 4 MTT (columns), 60 frames of 1 s,
    an AIF peaking 400 HU above baseline, noise of 2 HU (a 200th of that peak)."""
    return medkern.perfusion_phantom(
        modality="ct", cbf=CBF, mtt=MTT, delay=DELAY, block=BLOCK, frames=60, interval=1.0,
        snr=200.0, seed=7, aif_peak=400.0)


def region_labels(p):
    """Label 1: the block of the highest CBF and shortest MTT; 2: the lowest CBF and longest
    MTT; both without delay. The inner 8 x 8 voxels of each block."""
    labels = np.zeros(p.cbf.shape, np.int32)
    rows_per_cbf = len(DELAY) * BLOCK
    for label, (cbf_index, mtt_index) in ((1, (len(CBF) - 1, 0)), (2, (0, len(MTT) - 1))):
        y0, x0 = cbf_index * rows_per_cbf + 2, mtt_index * BLOCK + 2
        labels[0, y0:y0 + BLOCK - 4, x0:x0 + BLOCK - 4] = label
    return labels


def time_intensity_figure(p, out):
    curves = medkern.time_intensity_curves(p.series, region_labels(p), p.times)
    baseline = p.aif[:3].mean()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(p.times, p.aif - baseline, color="crimson", label="AIF")
    left.set_title("Arterial input function")
    left.set_xlabel("time (s)")
    left.set_ylabel("enhancement (HU)")
    names = (f"CBF {CBF[-1]:g}, MTT {MTT[0]:g} s", f"CBF {CBF[0]:g}, MTT {MTT[-1]:g} s")
    for row, name, color in zip(range(2), names, ("tab:blue", "tab:green")):
        mean, std = curves.mean[row], curves.std[row]
        base = mean[:3].mean()
        right.plot(p.times, mean - base, color=color, label=name)
        right.fill_between(p.times, mean - base - std, mean - base + std, color=color,
                           alpha=0.2, linewidth=0)
    right.set_title("Tissue regions: mean ± standard deviation")
    right.set_xlabel("time (s)")
    right.set_ylabel("enhancement (HU)")
    right.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(out / "perfusion_tics.png", dpi=110)
    plt.close(fig)


def maps_figure(p, out):
    maps = medkern.perfusion_maps(p.series, p.times, p.aif, modality="ct", method="osvd")
    panels = (
        ("true CBF (ml/100 g/min)", p.cbf[0], "viridis", (0, CBF[-1])),
        ("oSVD CBF (ml/100 g/min)", np.asarray(maps.cbf)[0], "viridis", (0, CBF[-1])),
        ("oSVD Tmax (s)", np.asarray(maps.tmax)[0], "magma", (0, 10)),
    )
    fig, axes = plt.subplots(1, 3, figsize=(10, 5.2))
    for axis, (title, image, cmap, (low, high)) in zip(axes, panels):
        shown = axis.imshow(image, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        axis.set_title(title, fontsize=10)
        axis.set_xticks([BLOCK * (i + 0.5) for i in range(len(MTT))])
        axis.set_xticklabels([f"{m:g}" for m in MTT])
        axis.set_xlabel("MTT (s)")
        axis.set_yticks([len(DELAY) * BLOCK * (i + 0.5) for i in range(len(CBF))])
        axis.set_yticklabels([f"{c:g}" for c in CBF])
        fig.colorbar(shown, ax=axis, shrink=0.7)
    axes[0].set_ylabel("CBF (rows: delay 0 s, then 2 s)")
    fig.tight_layout()
    fig.savefig(out / "perfusion_maps.png", dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    p = phantom()
    time_intensity_figure(p, out)
    maps_figure(p, out)


if __name__ == "__main__":
    main()
