// Device code of calcium scoring (launch and dispatch in calcium.cu). The 3-D joins use the
// global union-find of labeling.cuh; area, sum, maximum and centroid sums come from the
// label-statistics kernel.
#pragma once

#include <cstdint>

#include "calcium_backends.hpp"
#include "kernels/labeling.cuh"
#include "label_statistics_backends.hpp"

namespace medkern::cuda::kernels {

// Pass 1: mask[i] = 1 on candidate voxels (calcium_candidate), and the set of label values
// seen on them (with labels).
template <int Threads>
__global__ void __launch_bounds__(Threads)
    mark_candidates(const int16_t* __restrict__ ct, const uint8_t* __restrict__ labels,
                    int32_t count, int32_t slice_voxels, const __grid_constant__ CalciumScan scan,
                    uint8_t* __restrict__ mask, uint32_t* __restrict__ presence) {
  __shared__ uint32_t seen[8];
  if (threadIdx.x < 8) seen[threadIdx.x] = 0;
  __syncthreads();
  // 64-bit index: count may be up to 2^31 - 1, and i + stride would overflow int32.
  for (int64_t i = int64_t(blockIdx.x) * Threads + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * Threads) {
    const uint32_t label = labels != nullptr ? labels[i] : 1u;
    const bool candidate =
        calcium_candidate(ct[i], label != 0, int32_t(i) / slice_voxels, scan);  // i < 2^31
    mask[i] = candidate ? 1 : 0;
    if (candidate && labels != nullptr) atomicOr(&seen[label >> 5], 1u << (label & 31));
  }
  __syncthreads();
  if (threadIdx.x < 8 && seen[threadIdx.x] != 0)
    atomicOr(presence + threadIdx.x, seen[threadIdx.x]);
}

// 1 for the lesions (labels 1..N of the per-slice labelling) that are kept, 0 for label 0
// and the others: the input of the prefix sum that numbers the kept lesions in order.
struct KeptFlag {
  const LabelAccumulator* table;
  double pixel_area_mm2;
  double min_area_mm2;
  __device__ int32_t operator()(int32_t id) const {
    return id != 0 && calcium_lesion_kept(table[id].count, pixel_area_mm2, min_area_mm2) ? 1 : 0;
  }
};

// Pass 2 (over lesions): kept lesion `ranks[id] - 1` gets its sums; kept_of[id] is its
// index or -1; each kept lesion starts as a root of the 3-D union-find.
__global__ void compact_lesions(const LabelAccumulator* __restrict__ table,
                                const int32_t* __restrict__ ranks, int32_t lesions,
                                double pixel_area_mm2, double min_area_mm2, int32_t initial_label,
                                int32_t* __restrict__ kept_of, LesionSums* __restrict__ kept,
                                int32_t* __restrict__ forest) {
  const KeptFlag flag{table, pixel_area_mm2, min_area_mm2};
  for (int32_t id = int32_t(blockIdx.x * blockDim.x + threadIdx.x); id <= lesions;
       id += int32_t(gridDim.x * blockDim.x)) {
    if (!flag(id)) {
      kept_of[id] = -1;
      continue;
    }
    const int32_t k = ranks[id] - 1;
    const LabelAccumulator& a = table[id];
    kept_of[id] = k;
    kept[k] = LesionSums{int64_t(a.count), a.sum_int, a.coordinate_sum[1], a.coordinate_sum[2],
                         a.bbox_min[0],    a.max_key, initial_label,       k};
    forest[k] = k;
  }
}

// The label values counted by one launch of join_and_vote: slot s of the present values
// (in increasing order) is counted when first <= s < first + count (count <= kVoteSlots).
constexpr int kVoteSlots = 8;
constexpr uint8_t kNoSlot = 0xff;  // label 0 is never a candidate, so at most 255 slots
struct VoteSlots {
  uint8_t slot_of[256];  // label value -> slot, kNoSlot where absent
  int32_t first = 0;
  int32_t count = 0;
  int32_t label_of[kVoteSlots]{};  // slot first + s -> label value
};

// Pass 3 (over voxels; kVoxelsPerThread consecutive voxels per thread): each voxel of a kept
// lesion adds a vote for its label (votes[lesion * kVoteSlots + slot], runs of one lesion
// and label added at once), and with `join` unites its lesion with the kept lesion at the
// same (y, x) of the next scored slice.
constexpr int kVoxelsPerThread = 8;
template <int Threads>
__global__ void __launch_bounds__(Threads)
    join_and_vote(const int32_t* __restrict__ ids, const uint8_t* __restrict__ labels,
                  const int32_t* __restrict__ kept_of, int32_t count, int32_t slice_voxels,
                  int32_t slice_step, bool join, const __grid_constant__ VoteSlots slots,
                  uint32_t* __restrict__ votes, int32_t* forest, uint32_t* root_bits) {
  __shared__ uint8_t slot_of[256];
  for (int v = threadIdx.x; v < 256; v += Threads) slot_of[v] = slots.slot_of[v];
  __syncthreads();
  const int64_t next_slice = int64_t(slice_step) * slice_voxels;
  for (int64_t start = (int64_t(blockIdx.x) * Threads + threadIdx.x) * kVoxelsPerThread;
       start < count; start += int64_t(gridDim.x) * Threads * kVoxelsPerThread) {
    int32_t chunk[kVoxelsPerThread];
    if (start + kVoxelsPerThread <= count) {
      const int4 a = reinterpret_cast<const int4*>(ids + start)[0];
      const int4 b = reinterpret_cast<const int4*>(ids + start)[1];
      chunk[0] = a.x, chunk[1] = a.y, chunk[2] = a.z, chunk[3] = a.w;
      chunk[4] = b.x, chunk[5] = b.y, chunk[6] = b.z, chunk[7] = b.w;
    } else {
      for (int j = 0; j < kVoxelsPerThread; ++j) chunk[j] = start + j < count ? ids[start + j] : 0;
    }
    int32_t run_lesion = -1, run_slot = -1, last_a = -1, last_b = -1;
    uint32_t run = 0;
    for (int j = 0; j < kVoxelsPerThread; ++j) {
      if (chunk[j] == 0) continue;
      const int32_t lesion = kept_of[chunk[j]];
      if (lesion < 0) continue;
      const int64_t i = start + j;
      if (votes != nullptr) {
        const int32_t slot = int32_t(slot_of[labels[i]]) - slots.first;
        if (slot >= 0 && slot < slots.count) {
          if (lesion != run_lesion || slot != run_slot) {
            if (run != 0) atomicAdd(votes + int64_t(run_lesion) * kVoteSlots + run_slot, run);
            run_lesion = lesion;
            run_slot = slot;
            run = 0;
          }
          ++run;
        }
      }
      if (join && i + next_slice < count) {
        const int32_t above = ids[i + next_slice];
        const int32_t other = above != 0 ? kept_of[above] : -1;
        if (other >= 0 && (lesion != last_a || other != last_b)) {
          unite_global(forest, root_bits, lesion, other);
          last_a = lesion;
          last_b = other;
        }
      }
    }
    if (run != 0) atomicAdd(votes + int64_t(run_lesion) * kVoteSlots + run_slot, run);
  }
}

// After each join_and_vote: a lesion takes the label of a slot with more votes than its best
// so far. Slots come in increasing label order, so a tie keeps the smaller label.
__global__ void pick_majority(const uint32_t* __restrict__ votes, int32_t kept,
                              const __grid_constant__ VoteSlots slots, uint32_t* __restrict__ best,
                              LesionSums* __restrict__ lesions) {
  for (int32_t k = int32_t(blockIdx.x * blockDim.x + threadIdx.x); k < kept;
       k += int32_t(gridDim.x * blockDim.x)) {
    uint32_t top = best[k];
    for (int s = 0; s < slots.count; ++s) {
      const uint32_t v = votes[int64_t(k) * kVoteSlots + s];
      if (v > top) {
        top = v;
        lesions[k].label = slots.label_of[s];
      }
    }
    best[k] = top;
  }
}

// Each kept lesion's 3-D group: the root of its set, which is its smallest member.
__global__ void assign_groups(const int32_t* __restrict__ forest, int32_t kept,
                              LesionSums* __restrict__ lesions) {
  for (int32_t k = int32_t(blockIdx.x * blockDim.x + threadIdx.x); k < kept;
       k += int32_t(gridDim.x * blockDim.x)) {
    lesions[k].group = find_root(forest, k);
  }
}

}  // namespace medkern::cuda::kernels
