// Internal steps of calcium scoring shared by the CPU (src/cpu/calcium.cpp) and the GPU
// (kernels/calcium.cu): which voxels are candidates, which lesions are kept, and the integer
// sums each backend returns for a kept lesion. Everything in floating point (areas, weights,
// scores, totals) is computed afterwards from these integers by one host function
// (src/calcium.cpp), so the CPU and the GPU give identical results.
#pragma once

#include <cstdint>
#include <vector>

#include "host_device.hpp"
#include "labeling_backends.hpp"
#include "medkern/context.hpp"

namespace medkern {

// What the backends need, already validated (src/calcium.cpp).
struct CalciumScan {
  int32_t threshold = 130;      // smallest HU that counts: ceil(threshold_hu), > 0
  int32_t slice_step = 1;       // slices 0, step, 2 * step, ... are scored
  double pixel_area_mm2 = 1.0;  // sy * sx
  double min_area_mm2 = 1.0;
  Neighbourhood neighbours;  // in-plane 4 or 8 (previous_neighbours(4 | 8))
};

// A voxel is a candidate when its slice is scored, its HU reaches the threshold and, with
// a label volume, its label is not 0.
MEDKERN_HOST_DEVICE inline bool calcium_candidate(int16_t hu, bool inside, int32_t z,
                                                  const CalciumScan& scan) {
  return inside && int32_t(hu) >= scan.threshold && z % scan.slice_step == 0;
}

// A lesion of `voxels` pixels is kept when its area reaches the minimum. The product is
// rounded on its own (no FMA), so both backends decide alike.
MEDKERN_HOST_DEVICE inline bool calcium_lesion_kept(uint64_t voxels, double pixel_area_mm2,
                                                    double min_area_mm2) {
  return multiply_rounded(double(voxels), pixel_area_mm2) >= min_area_mm2;
}

// One kept lesion (a connected set of candidate voxels in one slice whose area reaches the
// minimum), as both backends return it, in the order of the per-slice labelling: raster
// order of the lesions' first voxels.
struct LesionSums {
  int64_t voxels;  // pixels of the lesion
  int64_t sum_hu;  // exact sum of their HU
  int64_t sum_y;   // sums of their row and column indices (centroid)
  int64_t sum_x;
  int32_t slice;  // z index
  int32_t max_hu;
  int32_t label;  // majority label of its voxels (ties: the smallest); 0 without labels
  int32_t group;  // index (in the kept list) of the first lesion of its 3-D lesion
};

// Label values that occur among candidate voxels: a 256-bit set.
struct LabelPresence {
  uint32_t words[8];
};

namespace cpu {
// Kept lesions of `ct` (int16, any strides, host). `labels`: uint8 host view of the same
// shape, or null. Majority label and 3-D group filled in.
std::vector<LesionSums> calcium_lesions(const Context& context, const VolumeRef& ct,
                                        const VolumeRef* labels, const CalciumScan& scan);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same on the context's device: `ct` and `labels` contiguous device memory. Returns
// after the stream has reached the result.
std::vector<LesionSums> calcium_lesions(const Context& context, const VolumeRef& ct,
                                        const VolumeRef* labels, const CalciumScan& scan);
}  // namespace cuda
#endif

}  // namespace medkern
