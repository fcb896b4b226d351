// Device code: connected components by union-find over voxel indices (Playne & Hawick,
// "A new algorithm for parallel connected-component labelling on GPUs", IEEE TPDS 2018).
// The label buffer itself holds the parent of each voxel (-1 for background); a set's root
// is always its smallest index, which is the component's first voxel in raster order.
#pragma once

#include <cstdint>

#include "backends.hpp"

namespace medkern::cuda::kernels {

constexpr int32_t kBackground = -1;

__device__ inline int32_t find_root(const int32_t* parent, int32_t i) {
  int32_t next = parent[i];
  while (next != i) {
    i = next;
    next = parent[i];
  }
  return i;
}

// Joins the sets of a and b. atomicMin only ever lowers a root's parent, so concurrent unions
// and finds always see a valid ancestor; a failed attempt (another thread re-parented the
// root first) retries from the new parent.
__device__ inline void unite(int32_t* parent, int32_t a, int32_t b) {
  while (true) {
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a == b) return;
    if (a < b) {
      const int32_t old = atomicMin(parent + b, a);
      if (old == b) return;
      b = old;
    } else {
      const int32_t old = atomicMin(parent + a, b);
      if (old == a) return;
      a = old;
    }
  }
}

// The tile a block labels on its own in shared memory before tiles are joined.
struct Tile {
  static constexpr int kZ = 8, kY = 8, kX = 32;
  static constexpr int kVoxels = kZ * kY * kX;
};

// Whether the neighbour `n` of local voxel (tz, ty, tx) lies inside the tile.
__device__ inline bool inside_tile(const Neighbourhood& neighbours, int n, int tz, int ty, int tx) {
  const int z = tz + neighbours.dz[n], y = ty + neighbours.dy[n], x = tx + neighbours.dx[n];
  return z >= 0 && y >= 0 && y < Tile::kY && x >= 0 && x < Tile::kX;
}

// Phase 1: each block labels one tile in shared memory (union-find over local indices, whose
// raster order is the global one within a tile), then writes for every voxel the global
// index of its tile-local root. The trees that phase 2 joins are therefore one level deep.
template <int Threads>
__global__ void __launch_bounds__(Threads)
    label_tiles(const uint8_t* __restrict__ mask, int32_t* __restrict__ parent, int32_t nz,
                int32_t ny, int32_t nx, Neighbourhood neighbours) {
  __shared__ int32_t local[Tile::kVoxels];
  const int32_t tiles_x = (nx + Tile::kX - 1) / Tile::kX;
  const int32_t tiles_y = (ny + Tile::kY - 1) / Tile::kY;
  const int32_t z0 = blockIdx.x / (tiles_x * tiles_y) * Tile::kZ;
  const int32_t y0 = blockIdx.x / tiles_x % tiles_y * Tile::kY;
  const int32_t x0 = blockIdx.x % tiles_x * Tile::kX;
  auto global_index = [&](int l) {
    const int tz = l / (Tile::kY * Tile::kX), ty = l / Tile::kX % Tile::kY, tx = l % Tile::kX;
    return (int64_t(z0 + tz) * ny + (y0 + ty)) * nx + (x0 + tx);
  };
  auto in_volume = [&](int l) {
    const int tz = l / (Tile::kY * Tile::kX), ty = l / Tile::kX % Tile::kY, tx = l % Tile::kX;
    return z0 + tz < nz && y0 + ty < ny && x0 + tx < nx;
  };
  for (int l = threadIdx.x; l < Tile::kVoxels; l += Threads) {
    local[l] = in_volume(l) && mask[global_index(l)] != 0 ? l : kBackground;
  }
  __syncthreads();
  for (int l = threadIdx.x; l < Tile::kVoxels; l += Threads) {
    if (local[l] == kBackground) continue;
    const int tz = l / (Tile::kY * Tile::kX), ty = l / Tile::kX % Tile::kY, tx = l % Tile::kX;
    uint32_t skip = 0;
    if (neighbours.left >= 0 && tx > 0 && local[l - 1] != kBackground) {
      unite(local, l, l - 1);
      skip = neighbours.implied_by_left | (1u << neighbours.left);
    }
    for (int n = 0; n < neighbours.count; ++n) {
      if ((skip & (1u << n)) || !inside_tile(neighbours, n, tz, ty, tx)) continue;
      const int m =
          l + (neighbours.dz[n] * Tile::kY + neighbours.dy[n]) * Tile::kX + neighbours.dx[n];
      if (local[m] != kBackground) unite(local, l, m);
    }
  }
  __syncthreads();
  // Roots are only read here (no compression in place), so threads never race on `local`.
  for (int l = threadIdx.x; l < Tile::kVoxels; l += Threads) {
    if (in_volume(l)) {
      parent[global_index(l)] =
          local[l] == kBackground ? kBackground : int32_t(global_index(find_root(local, l)));
    }
  }
}

// Phase 2: foreground voxels on a tile's faces join their earlier neighbours in other tiles.
__global__ void join_tiles(int32_t* parent, int32_t nz, int32_t ny, int32_t nx,
                           Neighbourhood neighbours) {
  const int64_t count = int64_t(nz) * ny * nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t x = int32_t(i % nx);
    const int32_t y = int32_t((i / nx) % ny);
    const int32_t z = int32_t(i / (int64_t(nx) * ny));
    const int tz = z % Tile::kZ, ty = y % Tile::kY, tx = x % Tile::kX;
    // Earlier neighbours leave the tile through these faces only (dy = +1 and dx = +1 occur
    // with dz = -1 or dy = -1).
    const bool on_face = tz == 0 || ty == 0 || ty == Tile::kY - 1 || tx == 0 || tx == Tile::kX - 1;
    if (!on_face || parent[i] == kBackground) continue;
    for (int n = 0; n < neighbours.count; ++n) {
      if (inside_tile(neighbours, n, tz, ty, tx)) continue;
      const int32_t zz = z + neighbours.dz[n], yy = y + neighbours.dy[n], xx = x + neighbours.dx[n];
      if (zz < 0 || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
      const int32_t j = (zz * ny + yy) * nx + xx;
      if (parent[j] != kBackground) unite(parent, int32_t(i), j);
    }
  }
}

__global__ void compress_paths(int32_t* parent, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    if (parent[i] != kBackground) parent[i] = find_root(parent, int32_t(i));
  }
}

// 1 where a voxel is the root (first voxel) of its component; its inclusive prefix sum is
// the component's number.
struct IsRoot {
  const int32_t* parent;
  __device__ int32_t operator()(int64_t i) const { return parent[i] == int32_t(i) ? 1 : 0; }
};

// Replaces every voxel's root by the root's number; each thread touches only its own voxel.
__global__ void number_components(int32_t* labels, const int32_t* __restrict__ numbers,
                                  int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t root = labels[i];
    labels[i] = root == kBackground ? 0 : numbers[root];
  }
}

}  // namespace medkern::cuda::kernels
