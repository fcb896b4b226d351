// Device code: per-label accumulation of label statistics.
#pragma once

#include <cstdint>
#include <type_traits>

#include "backends.hpp"

namespace medkern::cuda::kernels {

__global__ void clear_accumulators(LabelAccumulator* table, int64_t entries) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < entries;
       i += int64_t(gridDim.x) * blockDim.x) {
    table[i] = empty_label_accumulator();
  }
}

// Adds a thread's partial result for one label to the table. Integer sums are added as
// unsigned 64-bit words: two's complement makes that exact for negative sums too.
__device__ inline void flush(LabelAccumulator* entry, const LabelAccumulator& local) {
  atomicAdd(&entry->count, local.count);
  atomicAdd(reinterpret_cast<unsigned long long*>(&entry->sum_int),
            static_cast<unsigned long long>(local.sum_int));
  atomicAdd(&entry->sum_squares_int, local.sum_squares_int);
  atomicAdd(&entry->sum_float, local.sum_float);
  atomicAdd(&entry->sum_squares_float, local.sum_squares_float);
  atomicMin(&entry->min_key, local.min_key);
  atomicMax(&entry->max_key, local.max_key);
#pragma unroll
  for (int axis = 0; axis < 3; ++axis) {
    atomicAdd(reinterpret_cast<unsigned long long*>(&entry->coordinate_sum[axis]),
              static_cast<unsigned long long>(local.coordinate_sum[axis]));
    atomicMin(&entry->bbox_min[axis], local.bbox_min[axis]);
    atomicMax(&entry->bbox_max[axis], local.bbox_max[axis]);
  }
}

template <class T>
__device__ inline void add_voxel(LabelAccumulator& acc, T value, int32_t z, int32_t y,
                                 int32_t x) {
  if constexpr (std::is_same_v<T, float>) {
    if (value != value) return;  // NaN voxels are not counted
    acc.sum_float += double(value);
    acc.sum_squares_float += double(value) * double(value);
    const int32_t key = float_to_ordered(value);
    acc.min_key = min(acc.min_key, key);
    acc.max_key = max(acc.max_key, key);
  } else {
    const long long v = value;
    acc.sum_int += v;
    acc.sum_squares_int += static_cast<unsigned long long>(v * v);
    acc.min_key = min(acc.min_key, int32_t(value));
    acc.max_key = max(acc.max_key, int32_t(value));
  }
  ++acc.count;
  const int32_t coordinate[3] = {z, y, x};
#pragma unroll
  for (int axis = 0; axis < 3; ++axis) {
    acc.coordinate_sum[axis] += coordinate[axis];
    acc.bbox_min[axis] = min(acc.bbox_min[axis], coordinate[axis]);
    acc.bbox_max[axis] = max(acc.bbox_max[axis], coordinate[axis]);
  }
}

// Each thread walks a run of RunLength consecutive voxels and keeps a private accumulator
// while the label stays the same, so that a label image (long runs of one label) costs one
// set of atomics per run instead of per voxel.
template <class T, class L, int Threads, int RunLength>
__global__ void __launch_bounds__(Threads)
    accumulate_labels(const T* __restrict__ input, const L* __restrict__ labels, int64_t count,
                      int32_t ny, int32_t nx, bool include_background,
                      LabelAccumulator* __restrict__ table) {
  for (int64_t start = (blockIdx.x * int64_t(Threads) + threadIdx.x) * RunLength; start < count;
       start += int64_t(gridDim.x) * Threads * RunLength) {
    const int64_t end = min(count, start + RunLength);
    int32_t x = int32_t(start % nx);
    int32_t y = int32_t((start / nx) % ny);
    int32_t z = int32_t(start / (int64_t(nx) * ny));
    LabelAccumulator local = empty_label_accumulator();
    L current = labels[start];
    for (int64_t i = start; i < end; ++i) {
      const L label = labels[i];
      if (label != current) {
        if (local.count != 0) flush(table + current, local);
        local = empty_label_accumulator();
        current = label;
      }
      if (label != 0 || include_background) add_voxel(local, input[i], z, y, x);
      if (++x == nx) {
        x = 0;
        if (++y == ny) {
          y = 0;
          ++z;
        }
      }
    }
    if (local.count != 0) flush(table + current, local);
  }
}

}  // namespace medkern::cuda::kernels
