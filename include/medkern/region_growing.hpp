// Region growing from seeds (ITK ConnectedThresholdImageFilter).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "medkern/context.hpp"

namespace medkern {

using Seed = std::array<int64_t, 3>;  // (z, y, x) voxel index

struct ConnectedThresholdParams {
  double lo = 0.0;        // inclusive, compared in double as threshold() does
  double hi = 0.0;        // inclusive; lo <= hi
  int connectivity = 26;  // 6, 18, 26, or 4, 8 per slice (as label_components)
};

// Writes 1 into `output` (uint8, shape of `input`) at every voxel connected to a seed through
// voxels with lo <= value <= hi, 0 elsewhere: ITK ConnectedThresholdImageFilter (replace
// value 1; its default face connectivity is 6, FullyConnected is 26). A seed whose own value
// is outside [lo, hi] grows nothing. `input`: int16, uint16, float32. A seed outside the
// volume is an error naming it.
void connected_threshold(const Context& context, const VolumeRef& input,
                         const std::vector<Seed>& seeds, const VolumeRef& output,
                         const ConnectedThresholdParams& params);

}  // namespace medkern
