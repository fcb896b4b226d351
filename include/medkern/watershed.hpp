// Marker-controlled watershed (skimage.segmentation.watershed) and regional minima
// (skimage.morphology.local_minima, labelled), the two calls of a marker-free watershed.
#pragma once

#include <cstdint>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

struct WatershedParams {
  // 6, 18 or 26: voxels sharing a face; a face or an edge; a face, an edge or a corner
  // (scikit-image's connectivity 1, 2, 3).
  int connectivity = 6;
  // Keep one-voxel lines of label 0 between the basins, as scikit-image does.
  bool watershed_line = false;
};

template <>
struct FieldsOf<WatershedParams> {
  static constexpr auto list = fields(field("connectivity", &WatershedParams::connectivity),
                                      field("watershed_line", &WatershedParams::watershed_line));
};

// Floods `elevation` (float32, int16 or uint16) from `markers` (int32, non-zero = a seed of
// that label) and writes every voxel's basin into `labels` (int32, same shape; it may be
// `markers` itself, which are copied first). `mask` (uint8, may be null): only its non-zero
// voxels are flooded, the rest get 0; markers outside it are dropped. NaN elevations count
// as outside the mask.
// Voxels that no marker reaches get 0.
//
// Result: where all elevations differ, exactly scikit-image's. Ties (plateaus) are decided
// by a fixed rule, the same on CPU and GPU (docs/ops.md): a voxel belongs to the basin that
// reaches it over the lowest pass; among equally low passes, to the one whose entry into the
// voxel's flood level is fewest steps away; then to the one whose entry came from the lower
// voxel the flood reached first (two levels of that history); then to the first neighbour in
// raster order.
// With watershed_line, the flood follows scikit-image's order step by step (ties by
// insertion order) and runs on the host, also for CUDA contexts.
void watershed(const Context& context, const VolumeRef& elevation, const VolumeRef& markers,
               const VolumeRef* mask, const VolumeRef& labels, const WatershedParams& params = {});

struct RegionalMinimaParams {
  int connectivity = 26;  // 6, 18 or 26, as for the watershed
};

template <>
struct FieldsOf<RegionalMinimaParams> {
  static constexpr auto list = fields(field("connectivity", &RegionalMinimaParams::connectivity));
};

// Labels the regional minima of `volume` (float32, int16 or uint16) into `labels` (int32,
// same shape): connected plateaus of equal value whose every neighbour is higher, numbered
// 1..N in raster order of their first voxel; 0 elsewhere. Returns N. This equals
// scipy.ndimage.label(skimage.morphology.local_minima(volume, connectivity=c)) with the
// matching structure; plateaus touching the border count. NaN voxels are never minima and
// are no one's neighbour.
int64_t regional_minima(const Context& context, const VolumeRef& volume, const VolumeRef& labels,
                        const RegionalMinimaParams& params = {});

}  // namespace medkern
