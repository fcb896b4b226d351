// Device code of the edge filters: the gradient rows (Sobel, gradient magnitude) and Canny's
// per-voxel steps. The arithmetic is edges_backends.hpp's, shared with the CPU.
#pragma once

#include <cstdint>

#include "edges_backends.hpp"
#include "host_device.hpp"

namespace medkern::cuda::kernels {

// Stores `value` at base[offset] where `condition` holds, as one predicated store: with a
// plain `if`, nvcc moved the computation of the value (a square root with its own branch)
// into the branch, two reconvergence points an output.
__device__ inline void store_if(float* base, int64_t offset, float value, bool condition) {
  asm volatile(
      "{\n\t.reg .pred p;\n\t.reg .u64 a;\n\tsetp.ne.u32 p, %3, 0;\n\t"
      "shl.b64 a, %1, 2;\n\tadd.u64 a, %0, a;\n\t@p st.global.f32 [a], %2;\n\t}" ::"l"(base),
      "l"(offset), "f"(value), "r"(static_cast<unsigned>(condition))
      : "memory");
}

// One pass for every gradient output, by warps that stream down z with no shared memory and
// no barrier. A block is one warp and holds 32 columns of RowsPerLane rows, a lane one
// column; it walks a run of z-slices, and per slice each lane loads its column of the band's
// rows and of the rows on either side (RowsPerLane + 2 loads, coalesced along x) and one
// value of the columns beside the warp. The x neighbours come from the lanes beside it by
// shuffles. The partials of the last three slices stay in registers and give the output of
// the middle one.
// Each input value is read once from DRAM ((z_run + 2) / z_run times; the rows beside a
// band and the halo columns come from L1/L2); the output is written once, coalesced.
// The kernel is bound by issue, not by memory, so it is written for few instructions:
// - one warp a block, so that the band, the slice and every row offset come from blockIdx
//   alone and are the same for the whole warp (with two warps a block, ptxas re-derived the
//   clamped 64-bit row offsets at every slice: about 100 integer instructions a slice);
// - the values of slice s + 2 load while slice s is computed, and three register sets of
//   values and three of partials take turns (a loop unrolled by three), so that no value is
//   copied from one register to another;
// - Output is a template parameter: the partials an output does not need, and the branches
//   of the other outputs, fold away;
// - the neighbourhood of each row is formed once for the lane's RowsPerLane outputs;
// - every lane computes its outputs and only the stores are predicated.
// This replaced 32 x 8 tiles staged in shared memory (one barrier a slice, 9 shared loads an
// output), which reached 42 % of the memory limit on sm_90 with the best of 11 tile shapes;
// this kernel, 95 instructions an output, reached 68 % on the same device.
template <class T, GradientOutput Output, int RowsPerLane, int MinBlocksPerSm>
__global__ void __launch_bounds__(32, MinBlocksPerSm)
    gradient_rows(const T* __restrict__ input, float* __restrict__ output, int64_t nz, int64_t ny,
                  int64_t nx, int64_t z_run, GradientSpec spec) {
  constexpr int kRows = RowsPerLane + 2;  // the band's rows and one on each side
  static_assert(kRows <= 16, "a half warp holds the halo values of all the rows");
  constexpr unsigned kWholeWarp = 0xffffffffu;
  using Partials = SlicePartials[RowsPerLane];
  using Values = float[kRows + 1];  // the lane's column of each row, then its halo value
  spec.output = Output;
  const int lane = threadIdx.x;
  const int64_t x0 = int64_t(blockIdx.x) * 32, x = x0 + lane;
  // Lanes beyond nx load the last column: that is also the right neighbour (repeated) of
  // the lane at nx - 1. They store nothing.
  const int64_t column = clamp_index(x, nx);
  const bool lane_writes = x < nx;
  const T* lane_input = input + column;
  float* lane_output = output + column;
  // One load a slice brings the warp's halo: lane j < kRows the value left of the warp in
  // row j, lane 16 + j the value right of it; shuffles hand them to lanes 0 and 31.
  const int halo_row = (lane & 15) < kRows ? (lane & 15) : kRows - 1;
  const int halo_source = lane == 0 ? 0 : 16;
  const int64_t halo_shift = clamp_index(lane < 16 ? x0 - 1 : x0 + 32, nx) - column;
  const int64_t z_begin = int64_t(blockIdx.z) * z_run;
  const int64_t z_end = z_begin + z_run < nz ? z_begin + z_run : nz;
  const int64_t bands = (ny + RowsPerLane - 1) / RowsPerLane;
  const int64_t plane = ny * nx;
  for (int64_t band = blockIdx.y; band < bands; band += gridDim.y) {
    const int64_t y0 = band * RowsPerLane;
    const int rows_out = ny - y0 < RowsPerLane ? int(ny - y0) : RowsPerLane;
    int64_t offset[kRows + 1];  // of each load from lane_input within a slice
#pragma unroll
    for (int j = 0; j < kRows; ++j) offset[j] = clamp_index(y0 - 1 + j, ny) * nx;
    offset[kRows] = clamp_index(y0 - 1 + halo_row, ny) * nx + halo_shift;
    auto fetch = [&](Values& values, int64_t s) {
      const int64_t slice = clamp_index(s, nz) * plane;
#pragma unroll
      for (int j = 0; j <= kRows; ++j)
        values[j] = static_cast<float>(lane_input[slice + offset[j]]);
    };
    // Slice s from `values`: refill `next` (free since the step before) with slice s + 2,
    // form the partials of s in `above`, and write the output of s - 1 once three slices
    // are in.
    auto step_slice = [&](const Values& values, Values& next, const Partials& below,
                          const Partials& here, Partials& above, int64_t s) {
      float left[kRows], right[kRows];
#pragma unroll
      for (int j = 0; j < kRows; ++j) {
        const float halo = __shfl_sync(kWholeWarp, values[kRows], halo_source + j);
        left[j] = __shfl_up_sync(kWholeWarp, values[j], 1);
        right[j] = __shfl_down_sync(kWholeWarp, values[j], 1);
        if (lane == 0) left[j] = halo;
        if (lane == 31) right[j] = halo;
      }
      if (s + 2 <= z_end) fetch(next, s + 2);
      const bool writes = lane_writes && s > z_begin;
#pragma unroll
      for (int r = 0; r < RowsPerLane; ++r) {
        const float n[3][3] = {{left[r], values[r], right[r]},
                               {left[r + 1], values[r + 1], right[r + 1]},
                               {left[r + 2], values[r + 2], right[r + 2]}};
        above[r] = slice_partials(n, spec);
        store_if(lane_output, (s - 1) * plane + (y0 + r) * nx,
                 combine_partials(below[r], here[r], above[r], spec), writes && r < rows_out);
      }
    };
    Values a, b, c;
    Partials p0 = {}, p1 = {}, p2 = {};
    fetch(a, z_begin - 1);
    fetch(b, z_begin);
    // Slices z_begin - 1 .. z_end; slice z_begin - 1 + k in value set k % 3.
    for (int64_t s = z_begin - 1; s <= z_end; s += 3) {
      step_slice(a, c, p1, p2, p0, s);
      if (s + 1 <= z_end) step_slice(b, a, p2, p0, p1, s + 1);
      if (s + 2 <= z_end) step_slice(c, b, p0, p1, p2, s + 2);
    }
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
