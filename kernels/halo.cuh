// Device code: a box of a volume loaded into shared memory by a whole block, each value
// converted once on its way, edge voxels repeated beyond the volume's faces (clamp_index:
// scipy's mode='nearest'). The stencil kernels load their tile and its halo with it.
//
// How the block's threads share the box out is the load's arrangement, as with CUB's
// BlockLoad algorithms; it decides which addresses a warp reads together, so each kernel
// keeps the one it was measured with:
// - load_halo_striped: the box as one flat array, thread t of the block taking values t,
//   t + threads, ...; any block shape, any box; a warp's reads run on across row ends.
// - load_halo_rows: rows of the box striped over the thread rows (threadIdx.y), the values
//   of a row over threadIdx.x; the row's address is formed once per row.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "host_device.hpp"

namespace medkern::cuda::kernels {

// A tile whose first voxel is (z, y, x), with a halo of (halo_z, halo_y, halo_x) voxels on
// each side: Depth x Height x Width values in all, from voxel (z - halo_z, y - halo_y,
// x - halo_x) on; in shared memory row-major (x fastest), rows of Width values, no padding.
// An extent given as a template argument is a compile-time constant; 0 takes the run-time
// member instead.
template <int Depth, int Height, int Width>
struct HaloBox {
  int64_t z, y, x;
  int halo_z, halo_y, halo_x;
  int run_depth = Depth, run_height = Height, run_width = Width;

  __device__ int depth() const { return Depth > 0 ? Depth : run_depth; }
  __device__ int height() const { return Height > 0 ? Height : run_height; }
  __device__ int width() const { return Width > 0 ? Width : run_width; }
};

using RunTimeHaloBox = HaloBox<0, 0, 0>;

// The box of `input` (nz x ny x nx) into `tile`: tile[i] = convert(value of box entry i).
template <class T, class U, class Convert, int Depth, int Height, int Width>
__device__ inline void load_halo_striped(const T* __restrict__ input, int64_t nz, int64_t ny,
                                         int64_t nx, const HaloBox<Depth, Height, Width>& box,
                                         U* tile, Convert convert) {
  const int width = box.width(), height = box.height();
  const int total = width * height * box.depth();
  const int threads = blockDim.x * blockDim.y;
  for (int i = threadIdx.y * blockDim.x + threadIdx.x; i < total; i += threads) {
    const int lx = i % width;
    const int rest = i / width;
    const int ly = rest % height;
    const int lz = rest / height;
    const int64_t z = clamp_index(box.z - box.halo_z + lz, nz);
    const int64_t y = clamp_index(box.y - box.halo_y + ly, ny);
    const int64_t x = clamp_index(box.x - box.halo_x + lx, nx);
    tile[i] = convert(input[(z * ny + y) * nx + x]);
  }
}

// f(std::integral_constant<int, S>{}) for S = 0, 1, ...
template <int... S, class F>
__device__ inline void for_each_step(std::integer_sequence<int, S...>, F&& f) {
  (f(std::integral_constant<int, S>{}), ...);
}

// The same with blocks of ThreadsX x ThreadsY threads (threadIdx.x < ThreadsX, threadIdx.y <
// ThreadsY). Compile-time extents unroll the loops over rows and over a row's values. A box
// of depth 1 is a plane: pass its slice as `input`, nz = 1, z = 0 and halo_z = 0.
template <int ThreadsX, int ThreadsY, class T, class U, class Convert, int Depth, int Height,
          int Width>
__device__ inline void load_halo_rows(const T* __restrict__ input, int64_t nz, int64_t ny,
                                      int64_t nx, const HaloBox<Depth, Height, Width>& box, U* tile,
                                      Convert convert) {
  const int width = box.width(), height = box.height();
  auto load_row = [&](int row) {
    const int lz = Depth == 1 ? 0 : row / height;
    const int ly = Depth == 1 ? row : row % height;
    const int64_t z = clamp_index(box.z - box.halo_z + lz, nz);
    const int64_t y = clamp_index(box.y - box.halo_y + ly, ny);
    const T* source = input + (z * ny + y) * nx;
    U* target = tile + row * width;
    const int64_t left = box.x - box.halo_x;
    if constexpr (Width > 0) {
      // Steps as constants, not an unrolled loop: so the compiler sees that the columns past
      // the first ThreadsX lie beyond the left halo and drops their lower clamp.
      auto load_step = [&](auto step) {
        constexpr int kFirst = decltype(step)::value * ThreadsX;
        if (kFirst + ThreadsX <= Width || threadIdx.x < unsigned(Width - kFirst)) {
          target[kFirst + threadIdx.x] =
              convert(source[clamp_index(left + kFirst + threadIdx.x, nx)]);
        }
      };
      for_each_step(std::make_integer_sequence<int, (Width + ThreadsX - 1) / ThreadsX>{},
                    load_step);
    } else {
      for (int lx = threadIdx.x; lx < width; lx += ThreadsX) {
        target[lx] = convert(source[clamp_index(left + lx, nx)]);
      }
    }
  };
  if constexpr (Depth > 0 && Height > 0) {
    constexpr int kRows = Depth * Height;
    constexpr int kSteps = (kRows + ThreadsY - 1) / ThreadsY;
#pragma unroll
    for (int step = 0; step < kSteps; ++step) {
      const int row = step * ThreadsY + threadIdx.y;
      if (row < kRows) load_row(row);
    }
  } else {
    const int rows = box.depth() * height;
    for (int row = threadIdx.y; row < rows; row += ThreadsY) load_row(row);
  }
}

}  // namespace medkern::cuda::kernels
