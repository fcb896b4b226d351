// Connected-component labelling's backends (src/cpu/labeling.cpp, kernels/labeling.cu), and
// the entry points of the ops built on labelling (calcium, Canny, region growing, regional
// minima): call cpu:: or cuda:: directly with a validated, contiguous image.
#pragma once

#include <cstdint>

#include "medkern/context.hpp"

namespace medkern {

// The neighbours of a voxel that come before it in raster order, for a connectivity of 6,
// 18 or 26 (3-D) or 4 or 8 (in-plane); the later half follows by symmetry.
// When the left neighbour (0, 0, -1) is foreground, the neighbours flagged in
// implied_by_left need no union of their own: each is also an earlier neighbour of the left
// voxel, which joined it already, so joining the left voxel joins them too.
struct Neighbourhood {
  int count = 0;
  int8_t dz[13]{}, dy[13]{}, dx[13]{};
  int left = -1;  // index of (0, 0, -1)
  uint32_t implied_by_left = 0;
};
// Throws Error(invalid_argument) naming `connectivity` if it is not one of 4, 6, 8, 18, 26.
Neighbourhood previous_neighbours(int connectivity);

// Which voxels the labelling backends put in one component:
// - nonzero: `image` is a uint8 mask; every non-zero voxel is foreground and neighbouring
//   foreground voxels connect (scipy.ndimage.label).
// - equal_value: `image` is uint8, int16, uint16, int32 or float32; zero is background (and
//   NaN, which equals nothing, even itself), and neighbouring voxels connect when their
//   values are equal (skimage.measure.label with background=0). -0.0 equals 0.0.
// Labels are numbered 1..N in raster order of each component's first voxel either way.
enum class LabelRule { nonzero, equal_value };

namespace cpu {
// `labels` is contiguous int32 host memory (`image` any strides); returns the number of
// components.
int64_t label_components(const Context& context, const VolumeRef& image, int32_t* labels,
                         const Neighbourhood& neighbours, LabelRule rule = LabelRule::nonzero);
// output[i] = flags[labels[i]]: the voxels of the components whose flag is set (`flags` has
// one entry per label, 0 for the background). Contiguous host memory.
void select_flagged_components(const Context& context, const int32_t* labels, const uint8_t* flags,
                               int64_t count, uint8_t* output);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// `image` and `labels` contiguous device memory; returns the number of components after
// the stream has reached it.
int64_t label_components(const Context& context, const VolumeRef& image, int32_t* labels,
                         const Neighbourhood& neighbours, LabelRule rule = LabelRule::nonzero);
// The same on contiguous device memory.
void select_flagged_components(const Context& context, const int32_t* labels, const uint8_t* flags,
                               int64_t count, uint8_t* output);
}  // namespace cuda
#endif

}  // namespace medkern
