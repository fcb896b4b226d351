// Device code: separable smoothing with symmetric kernels. Every output is summed with
// add_tap (gaussian_backends.hpp) in the order the CPU uses (taps -r..r in double, rounded to
// float32 once per pass), so both agree bit for bit.
#pragma once

#include <cstdint>

#include "gaussian_backends.hpp"

namespace medkern::cuda::kernels {

// Radii the fast paths take; larger ones go through smooth_axis.
inline constexpr int kMaxTileRadius = 32;      // y and x, in a shared-memory tile
inline constexpr int kMaxRegisterRadius = 16;  // z, in registers

// One-sided weights (float32 values, held as double) of the in-plane pass, passed by value
// (the constant bank).
struct PlaneWeights {
  double x[kMaxTileRadius + 1];
  double y[kMaxTileRadius + 1];
  int rx, ry;
};

struct ColumnWeights {
  double w[kMaxRegisterRadius + 1];
};

// A value as the passes sum it: rounded to float32 (the input's conversion), held as double.
template <class T>
__device__ inline double tap_value(T v) {
  return static_cast<double>(static_cast<float>(v));
}

__device__ inline int64_t clamp_index(int64_t i, int64_t n) {
  return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

// y and x passes of TileY x TileX outputs of one z-slice per step: the input tile with its
// halo (edge voxels repeated) goes to shared memory, is summed along y into a second buffer
// (halo columns included), then along x into the output. Blocks are TileX x Rows threads;
// they loop over y-tiles and slices beyond the grid. The tile holds doubles (each value
// converted once as it is loaded), the y sums rounded to float32 and held as double again.
// Dynamic shared memory: ((TileY + 2 ry) * (TileX + 2 rx) + TileY * (TileX + 2 rx)) doubles.
template <class T, int TileX, int TileY, int Rows>
__global__ void __launch_bounds__(TileX* Rows)
    smooth_plane(const T* __restrict__ input, float* __restrict__ output, int64_t nz, int64_t ny,
                 int64_t nx, const PlaneWeights weights) {
  extern __shared__ double shared[];
  const int rx = weights.rx, ry = weights.ry;
  const int tile_w = TileX + 2 * rx, tile_h = TileY + 2 * ry;
  double* tile = shared;
  double* columns = shared + tile_h * tile_w;
  const int64_t x0 = int64_t(blockIdx.x) * TileX;
  const int64_t y_tiles = (ny + TileY - 1) / TileY;
  for (int64_t z = blockIdx.z; z < nz; z += gridDim.z) {
    const T* slice = input + z * ny * nx;
    for (int64_t y_tile = blockIdx.y; y_tile < y_tiles; y_tile += gridDim.y) {
      const int64_t y0 = y_tile * TileY;
      for (int ty = threadIdx.y; ty < tile_h; ty += Rows) {
        const int64_t row = clamp_index(y0 - ry + ty, ny) * nx;
        for (int tx = threadIdx.x; tx < tile_w; tx += TileX) {
          tile[ty * tile_w + tx] = tap_value(slice[row + clamp_index(x0 - rx + tx, nx)]);
        }
      }
      __syncthreads();
      for (int ty = threadIdx.y; ty < TileY; ty += Rows) {
        for (int tx = threadIdx.x; tx < tile_w; tx += TileX) {
          const double* column = tile + (ty + ry) * tile_w + tx;
          double sum = 0.0;
          for (int k = -ry; k <= ry; ++k) {
            sum = add_tap(sum, weights.y[k < 0 ? -k : k], column[k * tile_w]);
          }
          columns[ty * tile_w + tx] = static_cast<double>(static_cast<float>(sum));
        }
      }
      __syncthreads();
      const int64_t x = x0 + threadIdx.x;
      for (int ty = threadIdx.y; ty < TileY; ty += Rows) {
        const double* line = columns + ty * tile_w + rx + threadIdx.x;
        double sum = 0.0;
        for (int k = -rx; k <= rx; ++k) sum = add_tap(sum, weights.x[k < 0 ? -k : k], line[k]);
        const int64_t y = y0 + ty;
        if (x < nx && y < ny) output[(z * ny + y) * nx + x] = static_cast<float>(sum);
      }
      __syncthreads();  // the next step overwrites the tile
    }
  }
}

// z pass with a window of 2R + Unroll values in registers: a thread walks one (y, x) column
// through a run of `run_length` slices, loading each input value once (Unroll loads in
// flight) plus 2R for the run's halo. Consecutive blocks take consecutive runs of the same
// columns, so the halos are mostly read from L2. Loads and stores are coalesced along x.
template <class T, int R, int Unroll, int Threads>
__global__ void __launch_bounds__(Threads)
    smooth_columns(const T* __restrict__ input, float* __restrict__ output, int64_t nz,
                   int64_t plane, int64_t runs, int64_t run_length, const ColumnWeights weights) {
  const int64_t run = blockIdx.x % runs;
  const int64_t column = (blockIdx.x / runs) * Threads + threadIdx.x;
  if (column >= plane) return;
  const int64_t z_begin = run * run_length;
  const int64_t z_end = z_begin + run_length < nz ? z_begin + run_length : nz;
  double window[2 * R + Unroll];
#pragma unroll
  for (int j = 0; j < 2 * R; ++j) {
    window[j] = tap_value(input[clamp_index(z_begin - R + j, nz) * plane + column]);
  }
  for (int64_t z = z_begin; z < z_end; z += Unroll) {
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      window[2 * R + u] = tap_value(input[clamp_index(z + R + u, nz) * plane + column]);
    }
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      double sum = 0.0;
#pragma unroll
      for (int k = -R; k <= R; ++k)
        sum = add_tap(sum, weights.w[k < 0 ? -k : k], window[R + u + k]);
      if (z + u < z_end) output[(z + u) * plane + column] = static_cast<float>(sum);
    }
#pragma unroll
    for (int j = 0; j < 2 * R; ++j) window[j] = window[j + Unroll];
  }
}

// Any radius along one axis (0: z, 1: y, 2: x), one output per thread and grid-stride step,
// the taps read from global memory (through L1/L2) and the weights from `weights`. The
// fallback for radii beyond the fast paths.
template <class T>
__global__ void smooth_axis(const T* __restrict__ input, float* __restrict__ output, int64_t nz,
                            int64_t ny, int64_t nx, int axis, const float* __restrict__ weights,
                            int radius) {
  const int64_t count = nz * ny * nx;
  const int64_t extent = axis == 0 ? nz : (axis == 1 ? ny : nx);
  const int64_t stride = axis == 0 ? ny * nx : (axis == 1 ? nx : 1);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t p = (i / stride) % extent;
    const int64_t base = i - p * stride;
    double sum = 0.0;
    for (int k = -radius; k <= radius; ++k) {
      sum = add_tap(sum, weights[k < 0 ? -k : k],
                    tap_value(input[base + clamp_index(p + k, extent) * stride]));
    }
    output[i] = static_cast<float>(sum);
  }
}

}  // namespace medkern::cuda::kernels
