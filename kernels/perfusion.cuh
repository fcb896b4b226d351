// Device code: perfusion maps, one thread a voxel (perfusion_voxel, shared with the CPU).
#pragma once

#include <cstdint>

#include "perfusion_backends.hpp"

namespace medkern::cuda::kernels {

// The output maps, C-contiguous, a frame's voxels each.
struct MapPointers {
  float *cbf, *cbv, *mtt, *tmax, *ttp, *arrival;
  uint8_t* valid;

  __device__ void store(int64_t v, const PerfusionVoxel& out) const {
    cbf[v] = out.cbf;
    cbv[v] = out.cbv;
    mtt[v] = out.mtt;
    tmax[v] = out.tmax;
    ttp[v] = out.ttp;
    arrival[v] = out.arrival;
    valid[v] = out.valid;
  }
};

// The maps of `voxels` voxels of a C-contiguous series (frame t of voxel v at
// series[t * voxels + v]). Thread i of the grid uses scratch[k * threads + i] for its k-th
// scratch float, so that a warp's scratch accesses coalesce.
template <class T, int Threads>
__global__ void __launch_bounds__(Threads)
    perfusion_maps(const T* __restrict__ series, int64_t voxels, const uint8_t* __restrict__ mask,
                   PerfusionPlan plan, float* __restrict__ scratch, MapPointers maps) {
  const int64_t threads = int64_t(gridDim.x) * Threads;
  const int64_t thread = int64_t(blockIdx.x) * Threads + threadIdx.x;
  const StridedFloats own{scratch + thread, threads};
  for (int64_t v = thread; v < voxels; v += threads) {
    PerfusionVoxel out{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
    if (mask == nullptr || mask[v] != 0) {
      out = perfusion_voxel(
          plan, [&](int32_t t) { return series[int64_t(t) * voxels + v]; }, own);
    }
    maps.store(v, out);
  }
}

// The fixed methods on uniform frames of at most kMaxSamples: the operator, transposed and
// padded to whole blocks of kRowBlock rows (operator_t[u * padded + i] = inverse[i][u], 0
// beyond n), and each thread's curve in shared memory (thread j's frame t at
// curves[t * Threads + j]: conflict-free). A thread computes its voxel's residue kRowBlock
// rows at a time, the curve's value loaded once per block of rows and the operator's values
// read as broadcasts; products fused (FMA), so the result differs from the CPU's in the last
// bits only.
template <int RowBlock>
struct FixedTile {
  static constexpr int kRowBlock = RowBlock;
  static int padded(int n) { return (n + RowBlock - 1) / RowBlock * RowBlock; }
  // Dynamic shared memory of a block of `threads` for n samples.
  static std::size_t shared_bytes(int n, int threads) {
    return sizeof(float) * (std::size_t(n) * padded(n) + std::size_t(n) * threads);
  }
};

template <class T, int Threads, int RowBlock>
__global__ void __launch_bounds__(Threads)
    perfusion_maps_fixed(const T* __restrict__ series, int64_t voxels,
                         const uint8_t* __restrict__ mask, PerfusionPlan plan, MapPointers maps) {
  extern __shared__ float shared[];
  const int n = plan.samples;
  const int padded = (n + RowBlock - 1) / RowBlock * RowBlock;
  float* operator_t = shared;
  float* curves = shared + n * padded;
  for (int k = threadIdx.x; k < n * padded; k += Threads) {
    const int u = k / padded, i = k % padded;
    operator_t[k] = i < n ? plan.inverse[i * n + u] : 0.0f;
  }
  __syncthreads();
  const StridedFloats c{curves + threadIdx.x, Threads};
  const int64_t stride = int64_t(gridDim.x) * Threads;
  for (int64_t v = int64_t(blockIdx.x) * Threads + threadIdx.x; v < voxels; v += stride) {
    PerfusionVoxel out{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
    if (mask == nullptr || mask[v] != 0) {
      const CurveSummary curve = curve_of(
          plan, [&](int32_t t) { return series[int64_t(t) * voxels + v]; }, c, c);
      ResiduePeak best{0.0f, 0.0f};
      if (curve.enhanced) {
        PeakTracker tracker;
        for (int i0 = 0; i0 < n; i0 += RowBlock) {
          float f[RowBlock];
#pragma unroll
          for (int r = 0; r < RowBlock; ++r) f[r] = 0.0f;
          const float* column = operator_t + i0;
          for (int u = 0; u < n; ++u, column += padded) {
            const float g = c[u];
#pragma unroll
            for (int r = 0; r < RowBlock; r += 4) {
              const float4 p = *reinterpret_cast<const float4*>(column + r);
              f[r] = fmaf(p.x, g, f[r]);
              f[r + 1] = fmaf(p.y, g, f[r + 1]);
              f[r + 2] = fmaf(p.z, g, f[r + 2]);
              f[r + 3] = fmaf(p.w, g, f[r + 3]);
            }
          }
#pragma unroll
          for (int r = 0; r < RowBlock; ++r) {
            if (i0 + r < n) tracker.add(f[r]);
          }
        }
        best = tracker.peak();
      }
      out = maps_of(plan, curve, best, c);
    }
    maps.store(v, out);
  }
}

}  // namespace medkern::cuda::kernels
