// Connected-component labelling (scipy.ndimage.label; skimage.measure.label for label images).
#pragma once

#include <cstdint>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

struct LabelComponentsParams {
  // 6, 18 or 26: 3-D neighbourhoods (faces; faces and edges; faces, edges and corners).
  // 4 or 8: each z-slice on its own, with the in-plane neighbourhood (calcium scoring).
  int connectivity = 26;
};

template <>
struct FieldsOf<LabelComponentsParams> {
  static constexpr auto list = fields(field("connectivity", &LabelComponentsParams::connectivity));
};

// Labels the connected components of `image` into `labels` (int32, same shape): 0 for
// background, components numbered 1..N in the raster order of their first voxel. Returns N.
// Which voxels form a component depends on the dtype of `image`:
// - uint8: a mask. Every non-zero voxel is foreground and all neighbouring foreground voxels
//   connect, whatever their values: scipy.ndimage.label(image != 0, structure) with the
//   matching structuring element (generate_binary_structure(3, 1 | 2 | 3); for 4 and 8,
//   that of (2, 1 | 2) in the middle z-plane only), label for label.
// - int16, uint16, int32: a label image. 0 is background and neighbouring voxels connect
//   only when their values are equal, so touching regions of different values are different
//   components: skimage.measure.label(image, background=0, connectivity=1 | 2 | 3 for
//   6 | 18 | 26), label for label (skimage numbers in the same raster order; for 4 and 8,
//   skimage on each slice with connectivity 1 | 2, renumbered across slices).
// Volumes of 2^31 voxels or more are refused (Error(overflow)).
int64_t label_components(const Context& context, const VolumeRef& image, const VolumeRef& labels,
                         const LabelComponentsParams& params = {});

}  // namespace medkern
