# float32 FMA accumulation (taps -r..r, FMA emulated: exact product + sum in double, rounded to
# float32) vs the CPU's double accumulation rounded to float32 once per pass; z, y, x passes.
import numpy as np, scipy.ndimage as ndi
def weights(sigma, truncate=4.0):
    r = int(truncate*sigma+0.5); x = np.arange(-r, r+1); w = np.exp(-0.5*x*x/sigma**2); w /= w.sum()
    return w.astype(np.float32)
def pass_(v, w, axis, acc):
    r = len(w)//2; n = v.shape[axis]
    s = np.zeros(v.shape, acc)
    for k in range(-r, r+1):
        idx = np.clip(np.arange(n)+k, 0, n-1)
        t = np.take(v, idx, axis=axis).astype(np.float64)*np.float64(w[k+r])
        s = (s.astype(np.float64) + t).astype(acc)
    return s.astype(np.float32)
rng = np.random.default_rng(1)
worst = 0
for name, vol in [("float", rng.normal(10, 100, (40, 64, 96)).astype(np.float32)),
                  ("ct", np.clip(rng.choice([-1000., 40, 300, 900], p=[.3,.5,.15,.05], size=(40,64,96)) + rng.normal(0,50,(40,64,96)), -1024, 3000).round().astype(np.float32)),
                  ("u16", rng.integers(0, 65536, (40,64,96)).astype(np.float32)),
                  ("offset", (rng.normal(0,1,(40,64,96))+1000).astype(np.float32))]:
    for sigma in [1.0, 2.0, 4.0, 8.0]:
        w = weights(sigma)
        ref = vol; f32 = vol
        for ax in range(3):
            ref = pass_(ref, w, ax, np.float64); f32 = pass_(f32, w, ax, np.float32)
        err = np.abs(f32.astype(np.float64)-ref).max()/np.abs(ref).max()
        worst = max(worst, err)
        print(f"{name:7s} sigma {sigma}: max|f32-ref|/max|ref| = {err:.2e}")
print("worst", worst)
