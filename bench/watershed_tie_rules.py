"""Watershed tie rules on plateaus in plain Python (sequential; 6-connectivity unless
`run` is given other offsets, e.g. OFF26; no mask), against scikit-image's priority flood
on quantised gradients. Variant K2 is medkern's rule (the script prints its agreement with
medkern, which is 1: equal voxel for voxel; tests/python/test_watershed.py checks it on all
three connectivities). K0 is the rule before it (steps, level entered from); K1 and K2
extend an entry's key with the key of the lower voxel it was entered from, one and two
levels deep; "full" with all of it. docs/ops.md (watershed) has the measurements.

    PYTHONPATH=build/python python3 bench/watershed_tie_rules.py [seed]
"""
import heapq, itertools, sys
import numpy as np
from scipy import ndimage as ndi

OFF = [(-1,0,0),(0,-1,0),(0,0,-1),(0,0,1),(0,1,0),(1,0,0)]  # raster order of offsets
# 26-connectivity, also in raster order of the offsets (medkern's neighbourhood order)
OFF26 = [d for d in itertools.product((-1, 0, 1), repeat=3) if d != (0, 0, 0)]

def smooth_gradient(rng, shape, levels):
    noise = ndi.gaussian_filter(rng.standard_normal(shape), 2.0)
    g = ndi.gaussian_gradient_magnitude(noise, 1.0)
    return (g / g.max() * levels).astype(np.int16)

def neighbours(v, shape, off=OFF):
    z, y, x = v
    for r, (dz, dy, dx) in enumerate(off):
        n = (z+dz, y+dy, x+dx)
        if 0 <= n[0] < shape[0] and 0 <= n[1] < shape[1] and 0 <= n[2] < shape[2]:
            yield r, n

def flood_level(e, markers, off=OFF):
    shape = e.shape; big = 1 << 40
    lvl = np.full(shape, big, np.int64); h = []
    for v in zip(*np.nonzero(markers)):
        lvl[v] = e[v]; heapq.heappush(h, (int(e[v]), v))
    while h:
        l, v = heapq.heappop(h)
        if l > lvl[v]: continue
        for _, n in neighbours(v, shape, off):
            nl = max(l, int(e[n]))
            if nl < lvl[n]: lvl[n] = nl; heapq.heappush(h, (nl, n))
    return lvl

def run(e, markers, variant, off=OFF):
    """Labels of the watershed of int elevations `e` from `markers` with tie rule `variant`
    ("K0", "K1", "K2" or "full"); `off`: the neighbour offsets in raster order."""
    shape = e.shape
    lvl = flood_level(e, markers, off)
    key = {}; parent = {}
    reach = lvl < (1 << 40)
    for L in np.unique(lvl[reach]):
        region = list(zip(*np.nonzero(lvl == L)))
        h = []
        for v in region:
            if markers[v]:
                k = {"full": (0, -1, ()), "K0": (0, -1), "K1": (0, -1, -1), "K2": (0, -1, -1, -1, -1)}[variant]
                key[v] = k; parent[v] = None; heapq.heappush(h, (k, v)); continue
            best = None
            for r, n in neighbours(v, shape, off):
                if lvl[n] < L:
                    cand = (int(lvl[n]), key[n], r)
                    if best is None or cand < best: best = cand; bp = n
            if best is not None:
                ln, kn, _ = best
                if variant == "K0": k = (0, ln)
                elif variant == "K1": k = (0, ln, kn[0])
                elif variant == "K2": k = (0, ln, kn[0], kn[1], kn[2])
                else: k = (0, ln, kn)
                key[v] = k; parent[v] = bp; heapq.heappush(h, (k, v))
        while h:
            k, v = heapq.heappop(h)
            if key[v] != k: continue
            for r, n in neighbours(v, shape, off):
                if lvl[n] != L or (n in key and key[n][0] == 0): continue
                cand = (k[0] + 1, k) if variant == "full" else (k[0] + 1,) + k[1:]
                if n not in key or cand < key[n]:
                    key[n] = cand; parent[n] = v; heapq.heappush(h, (cand, n))
                elif cand == key[n]:
                    # tie: the first neighbour in raster order of the offsets (seen from n)
                    old = parent[n]; d_old = tuple(a - b for a, b in zip(old, n)); d_new = tuple(a - b for a, b in zip(v, n))
                    if off.index(d_new) < off.index(d_old): parent[n] = v
    out = np.zeros(shape, np.int32)
    done = set()
    for v in key:  # follow the parents to a marker (or a voxel labelled before)
        path = []
        while v not in done and parent[v] is not None:
            path.append(v); v = parent[v]
        if v not in done: out[v] = markers[v]; done.add(v)
        for p in path: out[p] = out[v]; done.add(p)
    return out

def main():
    from skimage.segmentation import watershed as skw
    import medkern
    rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    shape = (16, 48, 48)
    for levels in (10, 20):
        e = smooth_gradient(rng, shape, levels)
        markers = np.zeros(shape, np.int32)
        idx = rng.choice(e.size, 30, replace=False); markers.flat[idx] = np.arange(1, 31)
        mine = medkern.watershed(e, markers, connectivity=6, device="cpu")
        theirs = skw(e, markers, connectivity=1)
        line = f"levels {levels}: medkern vs skimage {np.mean(mine == theirs):.4f}"
        for variant in ("K0", "K1", "K2", "full"):
            p = run(e, markers, variant)
            line += f" | {variant}: vs medkern {np.mean(p == mine):.4f}, vs skimage {np.mean(p == theirs):.4f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
