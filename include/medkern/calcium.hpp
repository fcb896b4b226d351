// Coronary artery calcium scoring: Agatston, volume and mass scores (Agatston et al., J Am
// Coll Cardiol 1990; 15:827; McCollough et al., Radiology 2007; 243:527). docs/ops.md,
// section "Calcium scoring", states every convention.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

// Conventional coronary labels of the label volume (other non-zero values: the user's own).
enum CoronaryLabel : int32_t { kLeftMain = 1, kLad = 2, kLcx = 3, kRca = 4 };

struct CalciumParams {
  // The reconstructed slice thickness in mm: required (finite, > 0). It may differ from the
  // z spacing: slices spaced closer than it overlap, and then only every k-th slice is
  // scored, k = ceil(thickness / z spacing), so that scored slices do not overlap.
  double slice_thickness_mm = 0.0;
  // Voxels with HU >= threshold_hu are calcium (finite, > 0). The density weight's bands
  // scale with it: 200, 300, 400 HU at the default 130 are threshold * 200/130, 300/130,
  // 400/130.
  double threshold_hu = 130.0;
  double min_area_mm2 = 1.0;  // lesions of smaller in-plane area are dropped (finite, >= 0)
  int connectivity = 8;       // in-plane: 8 (edges and corners) or 4 (edges)
  // Multiply Agatston scores by slice_thickness / 3 mm, so that any thickness scores as
  // Agatston's 3 mm slices did.
  bool normalize_thickness = true;
  // mg of calcium hydroxyapatite per cm^3 per HU, from a calibration phantom (finite, > 0);
  // without it no mass is computed (mass_mg is NaN).
  std::optional<double> calibration_mg_per_cm3_per_hu;
};

template <>
struct FieldsOf<CalciumParams> {
  static constexpr auto list =
      fields(field("slice_thickness_mm", &CalciumParams::slice_thickness_mm),
             field("threshold_hu", &CalciumParams::threshold_hu),
             field("min_area_mm2", &CalciumParams::min_area_mm2),
             field("connectivity", &CalciumParams::connectivity),
             field("normalize_thickness", &CalciumParams::normalize_thickness),
             field("calibration_mg_per_cm3_per_hu", &CalciumParams::calibration_mg_per_cm3_per_hu));
};

enum class RiskCategory : int32_t {
  zero = 0,                // Agatston 0
  one_to_ten = 1,          // 0 < Agatston <= 10
  eleven_to_100 = 2,       // 10 < Agatston <= 100
  hundred_one_to_400 = 3,  // 100 < Agatston <= 400
  above_400 = 4,           // Agatston > 400
};

// "0", "1-10", "11-100", "101-400", ">400".
const char* risk_category_name(RiskCategory category) noexcept;
// The category of a total Agatston score (unrounded: any positive score is at least "1-10").
RiskCategory risk_category_of(double agatston) noexcept;

struct CalciumTotals {
  double agatston = 0.0;
  double volume_mm3 = 0.0;
  double mass_mg = 0.0;  // NaN without calibration
  int64_t lesions = 0;   // scored 2-D lesions
};

struct CalciumLabelTotals {
  int32_t label = 0;
  CalciumTotals totals;
};

// One scored lesion: a connected set of voxels >= threshold in one slice whose area
// reaches the minimum.
struct CalciumLesion {
  int64_t slice = 0;   // z index
  int32_t label = 0;   // majority label of its voxels (ties: the smallest); 0 without labels
  int64_t voxels = 0;  // its pixels
  double area_mm2 = 0.0;
  int32_t max_hu = 0;
  double mean_hu = 0.0;
  int32_t weight = 0;  // density weight 1..4 from max_hu
  double score = 0.0;  // its Agatston score: area * weight (* thickness / 3 when normalised)
  double volume_mm3 = 0.0;
  double mass_mg = 0.0;                 // NaN without calibration
  std::array<double, 3> centroid_mm{};  // (z, y, x): mean voxel index times spacing
  int64_t lesion_3d = 0;                // 1-based index of its 3-D lesion
};

struct CalciumResult {
  CalciumTotals total;
  std::vector<CalciumLabelTotals> per_label;  // labels that have lesions, increasing; empty
                                              // without a label volume
  std::vector<CalciumLesion> lesions;         // raster order of their first voxel (slice, row, col)
  int64_t lesions_3d = 0;                     // 2-D lesions joined across consecutive scored slices
  RiskCategory risk_category = RiskCategory::zero;
  int64_t slice_step = 1;       // every slice_step-th slice was scored (1: all)
  double voxel_volume_mm3 = 0;  // sy * sx * slice_step * sz: the volume of a scored voxel
  bool has_mass = false;
};

// Scores `ct` (int16 HU, spacing (z, y, x) in mm taken from the view) within `labels`
// (uint8, same shape, 0 = not counted, 1 LM, 2 LAD, 3 LCX, 4 RCA, others user-defined; a
// mask is a label volume of one value) or everywhere when `labels` is null.
// Throws Error naming the bad argument: dtypes, shapes, non-finite or out-of-range
// parameters; 2^31 voxels or more (overflow).
CalciumResult calcium_score(const Context& context, const VolumeRef& ct, const VolumeRef* labels,
                            const CalciumParams& params);

}  // namespace medkern
