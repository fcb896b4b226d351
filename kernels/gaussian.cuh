// Device code: separable smoothing with symmetric kernels. Every output is summed with
// add_tap (gaussian_backends.hpp) in the order the CPU uses (taps -r..r in double, rounded to
// float32 once per pass), so both agree bit for bit.
#pragma once

#include <cstdint>

#include "gaussian_backends.hpp"
#include "host_device.hpp"

#include "kernels/halo.cuh"

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
      load_halo_rows<TileX, Rows>(slice, 1, ny, nx,
                                  HaloBox<1, 0, 0>{0, y0, x0, 0, ry, rx, 1, tile_h, tile_w}, tile,
                                  [](T v) { return tap_value(v); });
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

// ------------------------------------------------------------------ float32 fast path
// For gaussian() with every radius <= kFloat32SumMaxRadius (SeparableKernels::float32_sums):
// the same passes, summed in float32 with fused multiply-adds, taps -r..r in order. Why:
// the double path spends its time on FP64 FMAs (half the FP32 rate on sm_90), on
// conversions to double, and on shared-memory traffic twice as wide (8-byte values); the
// float32 sums stay within 3e-7 of the largest magnitude of the CPU's double sums at these
// radii (docs/design.md), under the GPU tests' 1e-6.

struct ColumnWeights32 {
  float w[kFloat32SumMaxRadius + 1];
};

struct PlaneWeights32 {
  float x[kFloat32SumMaxRadius + 1];
  float y[kFloat32SumMaxRadius + 1];
  int rx, ry;
};

// The z pass as smooth_columns, in float32: Unroll loads of a run in flight per thread.
template <class T, int R, int Unroll, int Threads>
__global__ void __launch_bounds__(Threads)
    smooth_columns32(const T* __restrict__ input, float* __restrict__ output, int64_t nz,
                     int64_t plane, int64_t runs, int64_t run_length,
                     const ColumnWeights32 weights) {
  const int64_t run = blockIdx.x % runs;
  const int64_t column = (blockIdx.x / runs) * Threads + threadIdx.x;
  if (column >= plane) return;
  const int64_t z_begin = run * run_length;
  const int64_t z_end = z_begin + run_length < nz ? z_begin + run_length : nz;
  const T* in = input + column;
  float window[2 * R + Unroll];
#pragma unroll
  for (int j = 0; j < 2 * R; ++j) {
    window[j] = static_cast<float>(in[clamp_index(z_begin - R + j, nz) * plane]);
  }
  for (int64_t z = z_begin; z < z_end; z += Unroll) {
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      window[2 * R + u] = static_cast<float>(in[clamp_index(z + R + u, nz) * plane]);
    }
#pragma unroll
    for (int u = 0; u < Unroll; ++u) {
      float sum = 0.0f;
#pragma unroll
      for (int k = -R; k <= R; ++k)
        sum = __fmaf_rn(weights.w[k < 0 ? -k : k], window[R + u + k], sum);
      if (z + u < z_end) output[(z + u) * plane + column] = sum;
    }
#pragma unroll
    for (int j = 0; j < 2 * R; ++j) window[j] = window[j + Unroll];
  }
}

// The float32 plane pass's block shape, shared by the kernel and its launcher: a block loads
// the TileX columns of its strip and a halo of R on each side rounded up to whole quads (so
// that float4 reads of the shared rows stay 16-byte aligned), one column per thread, in whole
// warps.
template <int R, int TileX>
struct PlaneStrip32 {
  static_assert(TileX % 4 == 0, "a strip of whole quads");
  static constexpr int kHalo = (R + 3) / 4 * 4;
  static constexpr int kColumns = TileX + 2 * kHalo;
  static constexpr int kThreads = (kColumns + 31) / 32 * 32;
};

// y and x passes, radii ry, rx <= R, of a strip of TileX output columns of one z-slice down a
// run of `run_length` rows, RowsPerStep rows a step; blocks take (strip, run) pairs, runs of
// a strip consecutive so that their halo rows come from L2, and loop over slices beyond the
// grid.
// y: each thread streams one column of the strip (the x halo included) through a register
// window of 2R + RowsPerStep values, as the z pass does: each input value is loaded once (2R
// more rows a run), RowsPerStep loads in flight, the row offsets uniform across the block.
// The y sums go to a shared row buffer.
// x: each thread forms 4 consecutive outputs of a row from a window read as float4 (8
// threads read one row's 128 contiguous bytes: no bank conflicts), 1.5 shared loads per
// output at R = 8 instead of 17.
// The two row buffers alternate between steps, so one barrier a step suffices: a thread
// writes a buffer again only after the barrier that every thread passes once done reading
// it. Taps beyond the runtime radii are skipped (the loops are unrolled to R so the windows
// stay in registers), a warp-uniform test per tap for all the rows (or quad) at once: tested
// per output, each tap was a branch around one dependent FMA, and radius 8 ran at about a
// quarter of the memory limit.
template <class T, int R, int TileX, int RowsPerStep>
__global__ void __launch_bounds__(PlaneStrip32<R, TileX>::kThreads)
    smooth_plane32(const T* __restrict__ input, float* __restrict__ output, int64_t nz, int64_t ny,
                   int64_t nx, int64_t runs, int64_t run_length, const PlaneWeights32 weights,
                   bool vector_stores) {
  using Strip = PlaneStrip32<R, TileX>;
  constexpr int kHalo = Strip::kHalo;
  constexpr int kQuads = TileX / 4;
  constexpr int kWindowX = 4 + 2 * kHalo;
  __shared__ __align__(16) float rows[2][RowsPerStep][Strip::kColumns];
  const int rx = weights.rx, ry = weights.ry;
  const int t = threadIdx.x;
  const bool streams = t < Strip::kColumns;
  const int64_t x0 = int64_t(blockIdx.x / runs) * TileX;
  const int64_t y_begin = int64_t(blockIdx.x % runs) * run_length;
  const int64_t y_end = y_begin + run_length < ny ? y_begin + run_length : ny;
  const int64_t column = clamp_index(x0 - kHalo + t, nx);
  int buffer = 0;
  for (int64_t z = blockIdx.y; z < nz; z += gridDim.y) {
    const T* in = input + z * ny * nx + column;
    float* out_slice = output + z * ny * nx;
    float window[2 * R + RowsPerStep];
    if (streams) {
#pragma unroll
      for (int j = 0; j < 2 * R; ++j) {
        window[j] = static_cast<float>(in[clamp_index(y_begin - R + j, ny) * nx]);
      }
    }
    for (int64_t y = y_begin; y < y_end; y += RowsPerStep, buffer ^= 1) {
      if (streams) {
#pragma unroll
        for (int u = 0; u < RowsPerStep; ++u) {
          window[2 * R + u] = static_cast<float>(in[clamp_index(y + R + u, ny) * nx]);
        }
        float sums[RowsPerStep] = {};
#pragma unroll
        for (int k = -R; k <= R; ++k) {
          if (k < -ry || k > ry) continue;
#pragma unroll
          for (int s = 0; s < RowsPerStep; ++s)
            sums[s] = __fmaf_rn(weights.y[k < 0 ? -k : k], window[R + s + k], sums[s]);
        }
#pragma unroll
        for (int s = 0; s < RowsPerStep; ++s) rows[buffer][s][t] = sums[s];
#pragma unroll
        for (int j = 0; j < 2 * R; ++j) window[j] = window[j + RowsPerStep];
      }
      __syncthreads();
      for (int task = t; task < RowsPerStep * kQuads; task += Strip::kThreads) {
        const int quad = task % kQuads, s = task / kQuads;
        const int64_t row = y + s, x = x0 + 4 * quad;
        if (row >= y_end || x >= nx) continue;
        const float4* line = reinterpret_cast<const float4*>(&rows[buffer][s][4 * quad]);
        float window_x[kWindowX];
#pragma unroll
        for (int j = 0; j < kWindowX / 4; ++j) {
          const float4 v = line[j];
          window_x[4 * j] = v.x;
          window_x[4 * j + 1] = v.y;
          window_x[4 * j + 2] = v.z;
          window_x[4 * j + 3] = v.w;
        }
        float sums[4] = {};
#pragma unroll
        for (int k = -R; k <= R; ++k) {
          if (k < -rx || k > rx) continue;
#pragma unroll
          for (int o = 0; o < 4; ++o)
            sums[o] = __fmaf_rn(weights.x[k < 0 ? -k : k], window_x[kHalo + o + k], sums[o]);
        }
        float* target = out_slice + row * nx + x;
        if (vector_stores && x + 3 < nx) {
          *reinterpret_cast<float4*>(target) = make_float4(sums[0], sums[1], sums[2], sums[3]);
        } else {
#pragma unroll
          for (int o = 0; o < 4; ++o)
            if (x + o < nx) target[o] = sums[o];
        }
      }
    }
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
