// Connected-component labelling (scipy.ndimage.label).
#pragma once

#include <cstdint>

#include "medkern/context.hpp"

namespace medkern {

struct LabelComponentsParams {
  // 6, 18 or 26: 3-D neighbourhoods (faces; faces and edges; faces, edges and corners).
  // 4 or 8: each z-slice on its own, with the in-plane neighbourhood (calcium scoring).
  int connectivity = 26;
};

// Labels the connected components of the non-zero voxels of `mask` (uint8) into `labels`
// (int32, same shape): 0 for background, components numbered 1..N in the raster order of
// their first voxel, exactly as scipy.ndimage.label with the matching structuring element
// (generate_binary_structure(3, 1 | 2 | 3); for 4 and 8, that of (2, 1 | 2) in the middle
// z-plane only). Returns N. Volumes of 2^31 voxels or more are refused (Error(overflow)).
int64_t label_components(const Context& context, const VolumeRef& mask, const VolumeRef& labels,
                         const LabelComponentsParams& params = {});

}  // namespace medkern
