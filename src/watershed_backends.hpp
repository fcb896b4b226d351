// The watershed family's backends (src/cpu/watershed.cpp, kernels/watershed.cu): the
// neighbourhood and elevation keys both flood with, and the floods themselves.
#pragma once

#include <cstdint>

#include "host_device.hpp"
#include "medkern/context.hpp"

namespace medkern {

// Every neighbour of a voxel (both halves) for a 3-D connectivity of 6, 18 or 26, in raster
// order of the offsets (dz, dy, dx). The watershed's tie rules take "the first neighbour" in
// this order, on the CPU and the GPU alike.
struct FullNeighbourhood {
  int count = 0;
  int8_t dz[26]{}, dy[26]{}, dx[26]{};
};
// Throws Error(invalid_argument) naming `connectivity` if it is not one of 6, 18, 26.
FullNeighbourhood all_neighbours(int connectivity);

// Elevations as unsigned keys whose integer order is the value order, so that one flooding
// code serves every dtype. kBlockedKey marks voxels that take no part (outside the mask, or
// NaN); no value maps to it.
constexpr uint32_t kBlockedKey = 0xffffffffu;
MEDKERN_HOST_DEVICE inline uint32_t elevation_key(float value) {
  if (value != value) return kBlockedKey;
  // -0 and +0 are one elevation, as they compare equal in scikit-image.
  return uint32_t(float_to_ordered(value == 0.0f ? 0.0f : value)) ^ 0x80000000u;
}
MEDKERN_HOST_DEVICE inline uint32_t elevation_key(int16_t value) {
  return uint32_t(int32_t(value) + 32768);
}
MEDKERN_HOST_DEVICE inline uint32_t elevation_key(uint16_t value) {
  return value;
}

namespace cpu {
// keys[i] = elevation_key of `elevation` (any strides), kBlockedKey where `mask` (may be
// null) is 0; `keys` is contiguous host memory.
void elevation_keys(const Context& context, const VolumeRef& elevation, const VolumeRef* mask,
                    uint32_t* keys);
// The watershed on contiguous host memory (include/medkern/watershed.hpp has its rules).
void watershed(const Context& context, const Shape3& shape, const uint32_t* keys,
               const int32_t* markers, const FullNeighbourhood& neighbours, bool watershed_line,
               int32_t* labels);
// minima[i] = 1 on the voxels of regional-minimum plateaus, else 0; contiguous host memory.
void regional_minima(const Context& context, const Shape3& shape, const uint32_t* keys,
                     const FullNeighbourhood& neighbours, uint8_t* minima);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same three on contiguous device memory (the watershed without lines).
void elevation_keys(const Context& context, const VolumeRef& elevation, const VolumeRef* mask,
                    uint32_t* keys);
void watershed(const Context& context, const Shape3& shape, const uint32_t* keys,
               const int32_t* markers, const FullNeighbourhood& neighbours, int32_t* labels);
void regional_minima(const Context& context, const Shape3& shape, const uint32_t* keys,
                     const FullNeighbourhood& neighbours, uint8_t* minima);
}  // namespace cuda
#endif

}  // namespace medkern
