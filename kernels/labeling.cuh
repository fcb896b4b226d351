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

__global__ void initialise_parents(const uint8_t* __restrict__ mask, int32_t* __restrict__ parent,
                                   int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    parent[i] = mask[i] != 0 ? int32_t(i) : kBackground;
  }
}

// Each foreground voxel joins the foreground neighbours that come before it (only the left
// one, and those it does not imply, when the left one is foreground).
__global__ void merge_neighbours(int32_t* parent, int32_t nz, int32_t ny, int32_t nx,
                                 Neighbourhood neighbours) {
  const int64_t count = int64_t(nz) * ny * nx;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    if (parent[i] == kBackground) continue;
    const int32_t x = int32_t(i % nx);
    const int32_t y = int32_t((i / nx) % ny);
    const int32_t z = int32_t(i / (int64_t(nx) * ny));
    uint32_t skip = 0;
    if (neighbours.left >= 0 && x > 0 && parent[i - 1] != kBackground) {
      unite(parent, int32_t(i), int32_t(i - 1));
      skip = neighbours.implied_by_left | (1u << neighbours.left);
    }
    for (int n = 0; n < neighbours.count; ++n) {
      if (skip & (1u << n)) continue;
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
