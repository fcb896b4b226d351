// The min/max reduction, an internal step of other ops (threshold's Otsu, label statistics).
#pragma once

#include <cstdint>

#include "medkern/context.hpp"

namespace medkern {

// Extremes of the non-NaN voxels under a mask, and how many there were.
struct MinMax {
  double min = 0.0;
  double max = 0.0;
  uint64_t count = 0;
};

// Extremes of `input` (any dtype but uint64) on the context's device; arguments are
// validated by the caller.
MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask);

namespace cpu {
MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// Returns after the stream has reached the result.
MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask);
}  // namespace cuda
#endif

}  // namespace medkern
