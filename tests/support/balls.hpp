// Solid balls painted into a mask: the components of the labelling inputs of the GPU tests
// and the benchmarks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "medkern/volume.hpp"

namespace medkern::test {

// Sets to 1 the voxels of `mask` (C-contiguous, `shape`) within distance r of (cz, cy, cx),
// clipped to the volume.
inline void paint_ball(std::vector<uint8_t>& mask, const Shape3& shape, int64_t cz, int64_t cy,
                       int64_t cx, int64_t r) {
  for (int64_t z = std::max<int64_t>(0, cz - r); z <= std::min(shape[0] - 1, cz + r); ++z)
    for (int64_t y = std::max<int64_t>(0, cy - r); y <= std::min(shape[1] - 1, cy + r); ++y)
      for (int64_t x = std::max<int64_t>(0, cx - r); x <= std::min(shape[2] - 1, cx + r); ++x)
        if ((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r)
          mask[(z * shape[1] + y) * shape[2] + x] = 1;
}

}  // namespace medkern::test
