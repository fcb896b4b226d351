// Device code: per-label accumulation of label statistics.
#pragma once

#include <cstdint>
#include <type_traits>

#include "host_device.hpp"
#include "label_statistics_backends.hpp"

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
__device__ inline void add_voxel(LabelAccumulator& acc, T value, int32_t z, int32_t y, int32_t x) {
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

// Sums a warp's accumulators over each group of consecutive lanes that share `label`; the
// first lane of a group ends with the group's total. A tree of shuffles whose partners stay
// inside the group: after the step of offset d, a lane holds lanes [lane, lane + 2d - 1] of
// its group.
__device__ inline bool reduce_label_groups(LabelAccumulator& acc, int64_t label) {
  const unsigned lane = threadIdx.x % 32;
  const int64_t next_label = __shfl_down_sync(0xffffffffu, label, 1);
  const unsigned group_ends = __ballot_sync(0xffffffffu, lane == 31 || next_label != label);
  const unsigned group_end = lane + __ffs(group_ends >> lane) - 1;
  const int64_t previous_label = __shfl_up_sync(0xffffffffu, label, 1);
  const bool first_of_group = lane == 0 || previous_label != label;
#pragma unroll
  for (unsigned offset = 1; offset < 32; offset *= 2) {
    LabelAccumulator other;
    other.count = __shfl_down_sync(0xffffffffu, acc.count, offset);
    other.sum_int = __shfl_down_sync(0xffffffffu, acc.sum_int, offset);
    other.sum_squares_int = __shfl_down_sync(0xffffffffu, acc.sum_squares_int, offset);
    other.sum_float = __shfl_down_sync(0xffffffffu, acc.sum_float, offset);
    other.sum_squares_float = __shfl_down_sync(0xffffffffu, acc.sum_squares_float, offset);
    other.min_key = __shfl_down_sync(0xffffffffu, acc.min_key, offset);
    other.max_key = __shfl_down_sync(0xffffffffu, acc.max_key, offset);
#pragma unroll
    for (int axis = 0; axis < 3; ++axis) {
      other.coordinate_sum[axis] = __shfl_down_sync(0xffffffffu, acc.coordinate_sum[axis], offset);
      other.bbox_min[axis] = __shfl_down_sync(0xffffffffu, acc.bbox_min[axis], offset);
      other.bbox_max[axis] = __shfl_down_sync(0xffffffffu, acc.bbox_max[axis], offset);
    }
    if (lane + offset <= group_end) {
      acc.count += other.count;
      acc.sum_int += other.sum_int;
      acc.sum_squares_int += other.sum_squares_int;
      acc.sum_float += other.sum_float;
      acc.sum_squares_float += other.sum_squares_float;
      acc.min_key = min(acc.min_key, other.min_key);
      acc.max_key = max(acc.max_key, other.max_key);
#pragma unroll
      for (int axis = 0; axis < 3; ++axis) {
        acc.coordinate_sum[axis] += other.coordinate_sum[axis];
        acc.bbox_min[axis] = min(acc.bbox_min[axis], other.bbox_min[axis]);
        acc.bbox_max[axis] = max(acc.bbox_max[axis], other.bbox_max[axis]);
      }
    }
  }
  return first_of_group;
}

// A warp takes a tile of 32 * VoxelsPerLane consecutive voxels and each lane a run of
// VoxelsPerLane of them, in order. A lane keeps a private accumulator while its label stays
// the same (labels come in runs along x; skipped background does not break a run), flushes
// it with atomics when the label changes, and at the end of the tile neighbouring lanes that
// hold the same label pool their accumulators, so that a region costs a few atomics per tile
// instead of per voxel. With SharedTable (few labels) the atomics go to a per-block table in
// shared memory, added to `table` once at the end, so that many threads updating the same
// few labels do not contend in global memory.
template <class T, class L, int Threads, int VoxelsPerLane, bool SharedTable>
__global__ void __launch_bounds__(Threads)
    accumulate_labels(const T* __restrict__ input, const L* __restrict__ labels, int64_t count,
                      int32_t ny, int32_t nx, int32_t entries, bool include_background,
                      LabelAccumulator* __restrict__ table) {
  extern __shared__ LabelAccumulator shared_table[];
  LabelAccumulator* target = table;
  if constexpr (SharedTable) {
    for (int e = threadIdx.x; e < entries; e += Threads)
      shared_table[e] = empty_label_accumulator();
    __syncthreads();
    target = shared_table;
  }
  constexpr int64_t kTile = 32 * int64_t(VoxelsPerLane);
  constexpr int64_t kNoLabel = -1;
  const int64_t warps = int64_t(gridDim.x) * (Threads / 32);
  const int lane = threadIdx.x % 32;
  for (int64_t tile = blockIdx.x * int64_t(Threads / 32) + threadIdx.x / 32; tile * kTile < count;
       tile += warps) {
    const int64_t start = tile * kTile + int64_t(lane) * VoxelsPerLane;
    const int64_t end = min(count, start + VoxelsPerLane);
    int32_t x = int32_t(start % nx);
    int32_t y = int32_t((start / nx) % ny);
    int32_t z = int32_t(start / (int64_t(nx) * ny));
    LabelAccumulator local = empty_label_accumulator();
    int64_t current = kNoLabel;
    for (int64_t i = start; i < end; ++i) {
      const int64_t label = label_slot(labels[i], entries - 2);
      if (label != 0 || include_background) {
        if (label != current) {
          if (local.count != 0) flush(target + current, local);
          local = empty_label_accumulator();
          current = label;
        }
        add_voxel(local, input[i], z, y, x);
      }
      if (++x == nx) {
        x = 0;
        if (++y == ny) {
          y = 0;
          ++z;
        }
      }
    }
    if (local.count == 0) current = kNoLabel;  // nothing to add: keep out of other groups
    const bool first_of_group = reduce_label_groups(local, current);
    if (first_of_group && current != kNoLabel) flush(target + current, local);
  }
  if constexpr (SharedTable) {
    __syncthreads();
    for (int e = threadIdx.x; e < entries; e += Threads) {
      if (shared_table[e].count != 0) flush(table + e, shared_table[e]);
    }
  }
}

}  // namespace medkern::cuda::kernels
