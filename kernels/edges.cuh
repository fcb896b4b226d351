// Device code of the edge filters: the gradient tiles (Sobel, gradient magnitude) and Canny's
// per-voxel steps. The arithmetic is edges_backends.hpp's, shared with the CPU.
#pragma once

#include <cstdint>

#include "edges_backends.hpp"

namespace medkern::cuda::kernels {

// One pass for every gradient output: a TileX x TileY block walks its (y, x) tile through a
// run of z-slices. For each slice (the run's and one on each side) the tile with a one-voxel
// halo goes to shared memory (double-buffered: one barrier a slice), and each thread forms
// the slice's partials at its voxel; the partials of the last three slices stay in registers
// and give the output of the middle one. Each input voxel is read about (1 + 2 / z_run) times
// from DRAM (halos from L2); the output is written once, coalesced along x.
// Software-pipelined: the values of the next two slices are loaded into registers before
// this slice's partials are formed, so their DRAM latency overlaps the arithmetic (the first
// version loaded, waited at the barrier, then computed: 1.3 loads in flight per thread,
// latency-bound at 1.70 ms for 512^3 against 0.36 ms of traffic; one slice ahead: 1.02 ms
// Sobel, 0.745 ms central, H100, 218bc61). The offsets of
// each thread's tile values within a slice are the same for every slice of a y-tile and are
// computed (clamped) once per y-tile.
// MinBlocksPerSm caps the registers so that many blocks share an SM: at 5 blocks of 256,
// 48 registers and no spill on sm_90 (as the one-slice version had), where ptxas would
// otherwise take 72 for the two staged slices (3 blocks).
template <class T, int TileX, int TileY, int MinBlocksPerSm>
__global__ void __launch_bounds__(TileX* TileY, MinBlocksPerSm)
    gradient_tiles(const T* __restrict__ input, float* __restrict__ output, int64_t nz, int64_t ny,
                   int64_t nx, int64_t z_run, const GradientSpec spec) {
  constexpr int kThreads = TileX * TileY;
  constexpr int kValues = (TileX + 2) * (TileY + 2);
  constexpr int kLoads = (kValues + kThreads - 1) / kThreads;  // tile values per thread
  __shared__ float tile[2][TileY + 2][TileX + 2];
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * TileX + tx;
  const int64_t x0 = int64_t(blockIdx.x) * TileX, x = x0 + tx;
  const int64_t z_begin = int64_t(blockIdx.z) * z_run;
  const int64_t z_end = z_begin + z_run < nz ? z_begin + z_run : nz;
  const int64_t y_tiles = (ny + TileY - 1) / TileY;
  const int64_t plane = ny * nx;
  for (int64_t y_tile = blockIdx.y; y_tile < y_tiles; y_tile += gridDim.y) {
    const int64_t y0 = y_tile * TileY, y = y0 + ty;
    int64_t offset[kLoads];
#pragma unroll
    for (int i = 0; i < kLoads; ++i) {
      const int v = tid + i * kThreads < kValues ? tid + i * kThreads : kValues - 1;
      offset[i] = clamp_index(y0 - 1 + v / (TileX + 2), ny) * nx +
                  clamp_index(x0 - 1 + v % (TileX + 2), nx);
    }
    // Two slices in flight: the values of slices s + 1 and s + 2 load while slice s is
    // computed, twice the bytes in flight of a one-slice prefetch (the kernel is bound by
    // load latency, not bandwidth). Two named register sets and a loop unrolled by two keep
    // them out of local memory.
    float staged_a[kLoads], staged_b[kLoads];
    auto fetch = [&](float(&staged)[kLoads], int64_t s) {
      const T* slice = input + clamp_index(s, nz) * plane;
#pragma unroll
      for (int i = 0; i < kLoads; ++i) staged[i] = static_cast<float>(slice[offset[i]]);
    };
    SlicePartials below{}, here{}, above{};
    // Slice s: store its staged values in the tile, then refill the same registers with
    // slice s + 2, then compute (output of s - 1 once three slices are in).
    auto step_slice = [&](float(&staged)[kLoads], float(&buffer)[TileY + 2][TileX + 2], int64_t s) {
#pragma unroll
      for (int i = 0; i < kLoads; ++i) {
        const int v = tid + i * kThreads;
        if (v < kValues) buffer[v / (TileX + 2)][v % (TileX + 2)] = staged[i];
      }
      __syncthreads();
      if (s + 2 <= z_end) fetch(staged, s + 2);
      const float n[3][3] = {{buffer[ty][tx], buffer[ty][tx + 1], buffer[ty][tx + 2]},
                             {buffer[ty + 1][tx], buffer[ty + 1][tx + 1], buffer[ty + 1][tx + 2]},
                             {buffer[ty + 2][tx], buffer[ty + 2][tx + 1], buffer[ty + 2][tx + 2]}};
      below = here;
      here = above;
      above = slice_partials(n, spec);
      if (s > z_begin && x < nx && y < ny) {
        output[((s - 1) * ny + y) * nx + x] = combine_partials(below, here, above, spec);
      }
    };
    fetch(staged_a, z_begin - 1);
    fetch(staged_b, z_begin);
    // Slices z_begin - 1 .. z_end, pairs (a, b) alternating the two tile buffers.
    for (int64_t s = z_begin - 1; s <= z_end; s += 2) {
      step_slice(staged_a, tile[0], s);
      if (s + 1 <= z_end) step_slice(staged_b, tile[1], s + 1);
    }
    __syncthreads();  // the next tile's first slice overwrites a buffer still being read
  }
}

// The 3 x 3 x 3 neighbourhood of voxel i (z, y, x) in `v`, edge voxels repeated; along z only
// when ndim is 3.
__device__ inline Cube cube_at(const float* __restrict__ v, int64_t z, int64_t y, int64_t x,
                               int64_t nz, int64_t ny, int64_t nx, int ndim) {
  Cube cube;
#pragma unroll
  for (int a = 0; a < 3; ++a) {
    const int64_t zz = ndim == 3 ? clamp_index(z + a - 1, nz) : z;
#pragma unroll
    for (int b = 0; b < 3; ++b) {
      const int64_t row = (zz * ny + clamp_index(y + b - 1, ny)) * nx;
#pragma unroll
      for (int c = 0; c < 3; ++c) cube.n[a][b][c] = v[row + clamp_index(x + c - 1, nx)];
    }
  }
  return cube;
}

__device__ inline Star star_at(const float* __restrict__ v, int64_t z, int64_t y, int64_t x,
                               int64_t nz, int64_t ny, int64_t nx, int ndim) {
  const int64_t plane = ny * nx, i = (z * ny + y) * nx + x;
  Star star;
  star.centre = v[i];
  star.below[0] = v[i - x + clamp_index(x - 1, nx)];
  star.above[0] = v[i - x + clamp_index(x + 1, nx)];
  star.below[1] = v[i + (clamp_index(y - 1, ny) - y) * nx];
  star.above[1] = v[i + (clamp_index(y + 1, ny) - y) * nx];
  star.below[2] = ndim == 3 ? v[i + (clamp_index(z - 1, nz) - z) * plane] : star.centre;
  star.above[2] = ndim == 3 ? v[i + (clamp_index(z + 1, nz) - z) * plane] : star.centre;
  return star;
}

// Canny, step 2: the second derivative along the gradient, one voxel per thread and
// grid-stride step (neighbours from L1/L2).
__global__ void canny_second_derivative_pass(const float* __restrict__ smoothed,
                                             float* __restrict__ second, int64_t nz, int64_t ny,
                                             int64_t nx, int ndim) {
  const int64_t count = nz * ny * nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    second[i] =
        medkern::canny_second_derivative(cube_at(smoothed, z, y, x, nz, ny, nx, ndim), ndim);
  }
}

// Canny, step 3: the strength of the voxels kept by the non-maximum suppression.
__global__ void canny_strength_pass(const float* __restrict__ smoothed,
                                    const float* __restrict__ second, float* __restrict__ strength,
                                    int64_t nz, int64_t ny, int64_t nx, int ndim) {
  const int64_t count = nz * ny * nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    strength[i] = medkern::canny_strength(star_at(smoothed, z, y, x, nz, ny, nx, ndim),
                                          star_at(second, z, y, x, nz, ny, nx, ndim), ndim);
  }
}

// Canny, step 4: flags the components that hold a voxel of strength > high (every writer
// writes 1), then keeps the flagged components.
__global__ void flag_strong_components(const int32_t* __restrict__ labels,
                                       const float* __restrict__ strength, int64_t count,
                                       float high, uint8_t* __restrict__ strong) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    if (strength[i] > high) strong[labels[i]] = 1;
  }
}

}  // namespace medkern::cuda::kernels
