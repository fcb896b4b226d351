// Internal steps of region growing that are not ops of their own: the components that hold
// a seed, and the moments of the input over a region, in a fixed order of summation shared
// by the CPU and the GPU.
#pragma once

#include <cstdint>
#include <vector>

#include "medkern/context.hpp"

namespace medkern {

// Sums over the voxels of a region. int16 / uint16 sum exactly in 64-bit integers; float32
// sums in double.
struct RegionMoments {
  uint64_t count;
  int64_t sum_int;
  uint64_t sum_squares_int;
  double sum_float;
  double sum_squares_float;
};

// The fixed order of the float32 sums: the volume (raster order) is cut into chunks of
// kMomentChunk voxels; in a chunk, lane l (of kMomentLanes) adds the voxels l, l + 32,
// l + 64, ... in turn; the lanes combine as lane[l] += lane[l + d] for d = 16, 8, 4, 2, 1
// (lane 0 holds the chunk's sum); the host adds the chunks in order.
inline constexpr int kMomentLanes = 32;
inline constexpr int kMomentsPerLane = 256;
inline constexpr int64_t kMomentChunk = int64_t(kMomentLanes) * kMomentsPerLane;

inline int64_t moment_chunks(int64_t count) {
  return (count + kMomentChunk - 1) / kMomentChunk;
}

namespace cpu {
// output[i] = 1 where labels[i] is non-zero and is the label of a seed voxel, else 0.
// `labels`, `output`: contiguous host memory; seeds are linear indices.
void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components, uint8_t* output);
// One entry per chunk into `partials` (moment_chunks(input.numel()) entries). `input`: any
// strides in host memory; `mask`: contiguous host memory, non-zero inside the region.
void region_moments(const Context& context, const VolumeRef& input, const uint8_t* mask,
                    RegionMoments* partials);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same on contiguous device memory.
void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components, uint8_t* output);
// The same on the context's device: `input` and `mask` contiguous device memory;
// `partials` device memory. Stream-ordered.
void region_moments(const Context& context, const VolumeRef& input, const uint8_t* mask,
                    RegionMoments* partials);
}  // namespace cuda
#endif

}  // namespace medkern
