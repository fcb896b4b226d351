// Device code: median filter and gradient anisotropic diffusion. Both read their input through
// a tile in shared memory: a block computes TileX x TileY x TileZ outputs (one thread per
// (x, y), looping over z) from the tile plus a halo, edge voxels repeated beyond the faces.
#pragma once

#include <cstdint>
#include <cub/block/block_reduce.cuh>

#include "denoise_backends.hpp"
#include "host_device.hpp"

#include "kernels/halo.cuh"

namespace medkern::cuda::kernels {

// A volume cut into tiles, and the extents of one tile with its halo.
struct TileGeometry {
  int64_t nz, ny, nx;
  int64_t tiles_y, tiles_x;  // tiles per axis (z follows)
  int64_t tiles;             // all tiles
  int halo_z, halo_y, halo_x;
  int pitch_y, pitch_x,
      depth;  // the tile with its halo: (TileY + 2hy), (TileX + 2hx), (TileZ + 2hz)
};

struct TileOrigin {
  int64_t z, y, x;  // the first output voxel of the tile
};

template <int TileX, int TileY, int TileZ>
__device__ inline TileOrigin tile_origin(const TileGeometry& g, int64_t tile) {
  const int64_t tx = tile % g.tiles_x;
  const int64_t ty = (tile / g.tiles_x) % g.tiles_y;
  const int64_t tz = tile / (g.tiles_x * g.tiles_y);
  return TileOrigin{tz * TileZ, ty * TileY, tx * TileX};
}

// The tile at `origin` with its halo (row-major: depth, pitch_y, pitch_x).
inline __device__ RunTimeHaloBox halo_box(const TileGeometry& g, const TileOrigin& origin) {
  return RunTimeHaloBox{origin.z, origin.y, origin.x,  g.halo_z, g.halo_y,
                        g.halo_x, g.depth,  g.pitch_y, g.pitch_x};
}

// ------------------------------------------------------------------ median

// The window as offsets from its first corner in the tile: (dz * pitch_y + dy) * pitch_x + dx
// in z, y, x order.
struct MedianTable {
  int32_t count;
  int32_t rank;
  int32_t size[3];  // (z, y, x) extents of the window
  uint16_t offset[kMaxMedianWindow];
};

// N > 0: forgetful selection of the N-value window in registers (offsets in registers too).
// N == 0: bisection over the keys, any window size.
template <class T, int N, int TileX, int TileY, int TileZ>
__global__ void __launch_bounds__(TileX* TileY)
    median(const T* __restrict__ input, T* __restrict__ output, TileGeometry g, MedianTable table) {
  extern __shared__ uint32_t keys[];
  constexpr int kOffsets = N > 0 ? N : 1;
  int offset[kOffsets];
#pragma unroll
  for (int t = 0; t < kOffsets; ++t) offset[t] = table.offset[t];
  for (int64_t tile = blockIdx.x; tile < g.tiles; tile += gridDim.x) {
    const TileOrigin origin = tile_origin<TileX, TileY, TileZ>(g, tile);
    __syncthreads();  // the previous tile's keys are no longer read
    load_halo_striped(input, g.nz, g.ny, g.nx, halo_box(g, origin), keys,
                      [](T v) { return median_key(v); });
    __syncthreads();
    const int64_t x = origin.x + threadIdx.x, y = origin.y + threadIdx.y;
    if (x >= g.nx || y >= g.ny) continue;
    for (int tz = 0; tz < TileZ && origin.z + tz < g.nz; ++tz) {
      const uint32_t* corner = keys + (tz * g.pitch_y + threadIdx.y) * g.pitch_x + threadIdx.x;
      uint32_t key;
      if constexpr (N > 0) {
        key = forgetful_median<N>([&](int t) { return corner[offset[t]]; });
      } else {
        key = bisection_select(table.rank, [&](auto&& f) {
          for (int dz = 0; dz < table.size[0]; ++dz)
            for (int dy = 0; dy < table.size[1]; ++dy) {
              const uint32_t* row = corner + (dz * g.pitch_y + dy) * g.pitch_x;
              for (int dx = 0; dx < table.size[2]; ++dx) f(row[dx]);
            }
        });
      }
      output[((origin.z + tz) * g.ny + y) * g.nx + x] = median_value<T>(key);
    }
  }
}

// The plane `lz` of the tile under thread (x, y) (rows y .. y + 2, columns x .. x + 2 of the
// tile), sorted.
template <int TileX, int TileY>
__device__ inline void sorted_plane(const uint32_t* tile, int lz, uint32_t (&plane)[9]) {
  constexpr int kPitchX = TileX + 2, kPitchY = TileY + 2;
  const uint32_t* corner = tile + (lz * kPitchY + threadIdx.y) * kPitchX + threadIdx.x;
#pragma unroll
  for (int dy = 0; dy < 3; ++dy)
#pragma unroll
    for (int dx = 0; dx < 3; ++dx) plane[3 * dy + dx] = corner[dy * kPitchX + dx];
  sort_plane(plane);
}

// Radius (1, 1, 1): a block computes TileX x TileY x TileZ outputs from a tile of
// (TileZ + 2) x (TileY + 2) x (TileX + 2) keys (all extents compile-time constants). Thread
// (x, y) marches along z: each 3 x 3 (y, x) plane of its windows is read once and sorted once
// (sort_plane), and the outputs come in pairs that share one merge (median_pair), so a plane
// costs 50 min/max for the 3 outputs that hold it. The march is unrolled: the planes stay in
// registers. Requires blockDim = (TileX, TileY).
template <class T, int TileX, int TileY, int TileZ, int MinBlocksPerSm>
__global__ void __launch_bounds__(TileX* TileY, MinBlocksPerSm)
    median_cube(const T* __restrict__ input, T* __restrict__ output, TileGeometry g) {
  static_assert(TileZ % 2 == 0, "outputs come in pairs along z");
  __shared__ uint32_t tile[(TileZ + 2) * (TileY + 2) * (TileX + 2)];
  for (int64_t t = blockIdx.x; t < g.tiles; t += gridDim.x) {
    const TileOrigin origin = tile_origin<TileX, TileY, TileZ>(g, t);
    __syncthreads();  // the previous tile's keys are no longer read
    load_halo_rows<TileX, TileY>(
        input, g.nz, g.ny, g.nx,
        HaloBox<TileZ + 2, TileY + 2, TileX + 2>{origin.z, origin.y, origin.x, 1, 1, 1}, tile,
        [](T v) { return median_key(v); });
    __syncthreads();
    const int64_t x = origin.x + threadIdx.x, y = origin.y + threadIdx.y;
    if (x >= g.nx || y >= g.ny) continue;
    // Planes beyond the volume's last slice repeat it (the loader clamps z): their outputs
    // are computed and not stored.
    T* target = output + (origin.z * g.ny + y) * g.nx + x;
    const int64_t slice = g.ny * g.nx;
    uint32_t a[9], b[9];
    sorted_plane<TileX, TileY>(tile, 0, a);
    sorted_plane<TileX, TileY>(tile, 1, b);
#pragma unroll
    for (int tz = 0; tz < TileZ; tz += 2) {
      uint32_t c[9], d[9];
      sorted_plane<TileX, TileY>(tile, tz + 2, c);
      sorted_plane<TileX, TileY>(tile, tz + 3, d);
      uint32_t first, second;
      median_pair(a, b, c, d, first, second);
      if (origin.z + tz < g.nz) target[tz * slice] = median_value<T>(first);
      if (origin.z + tz + 1 < g.nz) target[(tz + 1) * slice] = median_value<T>(second);
#pragma unroll
      for (int i = 0; i < 9; ++i) {
        a[i] = c[i];
        b[i] = d[i];
      }
    }
  }
}

// ------------------------------------------------------------------ anisotropic diffusion

template <class T>
__global__ void to_float(const T* __restrict__ input, float* __restrict__ output, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    output[i] = float(input[i]);
  }
}

// Per block, the sum of gradient_magnitude_squared over its voxels (grid-stride order, then
// cub::BlockReduce's fixed order over the block's threads): partials[blockIdx.x]. The same
// grid gives the same sum.
template <int Threads>
__global__ void __launch_bounds__(Threads)
    gradient_sums(const float* __restrict__ image, int64_t nz, int64_t ny, int64_t nx,
                  DiffusionScales scales, double* __restrict__ partials) {
  using BlockSum = cub::BlockReduce<double, Threads>;
  __shared__ typename BlockSum::TempStorage storage;
  double sum = 0.0;
  const int64_t count = nz * ny * nx;
  for (int64_t i = blockIdx.x * int64_t(Threads) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * Threads) {
    const int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
    DiffusionStencil s;
    s.value[1][1][0] = image[(z * ny + y) * nx + clamp_index(x - 1, nx)];
    s.value[1][1][2] = image[(z * ny + y) * nx + clamp_index(x + 1, nx)];
    s.value[1][0][1] = image[(z * ny + clamp_index(y - 1, ny)) * nx + x];
    s.value[1][2][1] = image[(z * ny + clamp_index(y + 1, ny)) * nx + x];
    s.value[0][1][1] = image[(clamp_index(z - 1, nz) * ny + y) * nx + x];
    s.value[2][1][1] = image[(clamp_index(z + 1, nz) * ny + y) * nx + x];
    sum = __dadd_rn(sum, gradient_magnitude_squared(s, scales));
  }
  const double total = BlockSum(storage).Sum(sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// One block: the partial sums in a fixed order, the average, and ITK's K of the iteration.
template <int Threads>
__global__ void __launch_bounds__(Threads)
    diffusion_constant(const double* __restrict__ partials, int partial_count, int64_t voxels,
                       double conductance, double* __restrict__ average, float* __restrict__ k) {
  using BlockSum = cub::BlockReduce<double, Threads>;
  __shared__ typename BlockSum::TempStorage storage;
  double sum = 0.0;
  for (int i = threadIdx.x; i < partial_count; i += Threads) sum = __dadd_rn(sum, partials[i]);
  const double total = BlockSum(storage).Sum(sum);
  if (threadIdx.x == 0) {
    const double mean = total / double(voxels);
    *average = mean;
    *k = diffusion_k(mean, conductance);
  }
}

// next = current moved by one iteration (diffusion_update, diffusion_apply) with the K of
// *k; the tile has a halo of 1 on every side.
template <int TileX, int TileY, int TileZ>
__global__ void __launch_bounds__(TileX* TileY)
    diffusion_step(const float* __restrict__ current, float* __restrict__ next, TileGeometry g,
                   DiffusionScales scales, const float* __restrict__ k, double time_step) {
  extern __shared__ float values[];
  const float conductance_k = *k;
  for (int64_t tile = blockIdx.x; tile < g.tiles; tile += gridDim.x) {
    const TileOrigin origin = tile_origin<TileX, TileY, TileZ>(g, tile);
    __syncthreads();
    load_halo_striped(current, g.nz, g.ny, g.nx, halo_box(g, origin), values,
                      [](float v) { return v; });
    __syncthreads();
    const int64_t x = origin.x + threadIdx.x, y = origin.y + threadIdx.y;
    if (x >= g.nx || y >= g.ny) continue;
    for (int tz = 0; tz < TileZ && origin.z + tz < g.nz; ++tz) {
      DiffusionStencil s;
#pragma unroll
      for (int dz = 0; dz < 3; ++dz)
#pragma unroll
        for (int dy = 0; dy < 3; ++dy)
#pragma unroll
          for (int dx = 0; dx < 3; ++dx)
            s.value[dz][dy][dx] =
                values[((tz + dz) * g.pitch_y + threadIdx.y + dy) * g.pitch_x + threadIdx.x + dx];
      const float update = diffusion_update(s, scales, conductance_k);
      const int64_t i = ((origin.z + tz) * g.ny + y) * g.nx + x;
      next[i] = diffusion_apply(s.value[1][1][1], update, time_step);
    }
  }
}

}  // namespace medkern::cuda::kernels
