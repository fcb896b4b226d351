// Device code: perfusion maps, one thread a voxel (perfusion_voxel, shared with the CPU).
#pragma once

#include <cstdint>

#include "perfusion_backends.hpp"

namespace medkern::cuda::kernels {

// The maps of `voxels` voxels of a C-contiguous series (frame t of voxel v at
// series[t * voxels + v]). Thread i of the grid uses scratch[k * threads + i] for its k-th
// scratch float, so that a warp's scratch accesses coalesce.
template <class T, int Threads>
__global__ void __launch_bounds__(Threads)
    perfusion_maps(const T* __restrict__ series, int64_t voxels, const uint8_t* __restrict__ mask,
                   PerfusionPlan plan, float* __restrict__ scratch, float* __restrict__ cbf,
                   float* __restrict__ cbv, float* __restrict__ mtt, float* __restrict__ tmax,
                   float* __restrict__ ttp, float* __restrict__ arrival,
                   uint8_t* __restrict__ valid) {
  const int64_t threads = int64_t(gridDim.x) * Threads;
  const int64_t thread = int64_t(blockIdx.x) * Threads + threadIdx.x;
  const StridedFloats own{scratch + thread, threads};
  for (int64_t v = thread; v < voxels; v += threads) {
    PerfusionVoxel out{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
    if (mask == nullptr || mask[v] != 0) {
      out = perfusion_voxel(
          plan, [&](int32_t t) { return series[int64_t(t) * voxels + v]; }, own);
    }
    cbf[v] = out.cbf;
    cbv[v] = out.cbv;
    mtt[v] = out.mtt;
    tmax[v] = out.tmax;
    ttp[v] = out.ttp;
    arrival[v] = out.arrival;
    valid[v] = out.valid;
  }
}

}  // namespace medkern::cuda::kernels
