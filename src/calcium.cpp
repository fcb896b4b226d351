#include "medkern/calcium.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "calcium_backends.hpp"
#include "checks.hpp"
#include "labeling_backends.hpp"
#include "staging.hpp"

namespace medkern {

const char* risk_category_name(RiskCategory category) noexcept {
  switch (category) {
    case RiskCategory::zero:
      return "0";
    case RiskCategory::one_to_ten:
      return "1-10";
    case RiskCategory::eleven_to_100:
      return "11-100";
    case RiskCategory::hundred_one_to_400:
      return "101-400";
    case RiskCategory::above_400:
      return ">400";
  }
  return "unknown";
}

RiskCategory risk_category_of(double agatston) noexcept {
  if (!(agatston > 0.0)) return RiskCategory::zero;
  if (agatston <= 10.0) return RiskCategory::one_to_ten;
  if (agatston <= 100.0) return RiskCategory::eleven_to_100;
  if (agatston <= 400.0) return RiskCategory::hundred_one_to_400;
  return RiskCategory::above_400;
}

namespace {

void validate(const Context& context, const VolumeRef& ct, const VolumeRef* labels,
              const CalciumParams& params) {
  require_volume(context, ct, "ct", {DType::int16});
  if (labels != nullptr) {
    require_like(context, ct, "ct", *labels, "labels", {DType::uint8});
  }
  // Per-slice labelling keeps voxel indices in int32.
  require_int32_voxels(ct, "ct", "calcium scoring");
  require_finite(params.slice_thickness_mm, "slice_thickness_mm", true,
                 " (the reconstructed slice thickness; the z spacing for contiguous slices)");
  require_finite(params.threshold_hu, "threshold_hu", true, " (Agatston's is 130 HU)");
  require_finite(params.min_area_mm2, "min_area_mm2", false, "");
  if (params.connectivity != 4 && params.connectivity != 8) {
    throw Error(Status::invalid_argument,
                fmt::format("connectivity: {} is not 8 or 4 (in-plane, each slice on its own)",
                            params.connectivity));
  }
  if (params.calibration_mg_per_cm3_per_hu) {
    require_finite(*params.calibration_mg_per_cm3_per_hu, "calibration_mg_per_cm3_per_hu", true,
                   " (mg/cm^3 per HU from a calibration phantom)");
  }
}

// Slices closer than the thickness overlap: score every k-th, k = ceil(thickness / spacing),
// with a relative tolerance of 1e-3 for spacings that match a multiple of the thickness up
// to rounding: 3 / 0.6 in double, and z spacings derived from DICOM positions written to
// 0.001 mm (3 mm slices 2.99998 mm apart are contiguous, not k = 2).
int64_t slice_step_for(double thickness, double spacing_z) {
  const double ratio = thickness / spacing_z;
  if (ratio <= 1.0) return 1;
  const double k = std::ceil(ratio * (1.0 - 1e-3));
  return k >= double(std::numeric_limits<int32_t>::max()) ? std::numeric_limits<int32_t>::max()
                                                          : std::max<int64_t>(1, int64_t(k));
}

// Agatston's density weight from a lesion's maximum HU: 1 below 200, 2 below 300, 3 below
// 400, else 4 at the 130 HU threshold; the bands scale with the threshold (calcium.hpp).
int32_t density_weight(int32_t max_hu, double threshold_hu) {
  const double scaled = double(max_hu) * 130.0;
  if (scaled >= 400.0 * threshold_hu) return 4;
  if (scaled >= 300.0 * threshold_hu) return 3;
  if (scaled >= 200.0 * threshold_hu) return 2;
  return 1;
}

void add(CalciumTotals& totals, const CalciumLesion& lesion) {
  totals.agatston += lesion.score;
  totals.volume_mm3 += lesion.volume_mm3;
  totals.mass_mg += lesion.mass_mg;
  ++totals.lesions;
}

// Everything in floating point, from the backends' integers, in lesion order: the same
// doubles whichever backend found the lesions.
CalciumResult finish(const std::vector<LesionSums>& sums, const Spacing3& spacing,
                     const CalciumScan& scan, const CalciumParams& params, bool with_labels) {
  CalciumResult result;
  result.slice_step = scan.slice_step;
  result.has_mass = params.calibration_mg_per_cm3_per_hu.has_value();
  const double calibration = result.has_mass ? *params.calibration_mg_per_cm3_per_hu : std::nan("");
  result.voxel_volume_mm3 = scan.pixel_area_mm2 * (double(scan.slice_step) * spacing[0]);
  const double factor = params.normalize_thickness ? params.slice_thickness_mm / 3.0 : 1.0;
  if (!result.has_mass) result.total.mass_mg = std::nan("");
  std::map<int32_t, CalciumTotals> per_label;
  std::vector<int64_t> group_number(sums.size(), 0);
  result.lesions.reserve(sums.size());
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const LesionSums& s = sums[i];
    CalciumLesion lesion;
    lesion.slice = s.slice;
    lesion.label = s.label;
    lesion.voxels = s.voxels;
    const double n = double(s.voxels);
    lesion.area_mm2 = n * scan.pixel_area_mm2;
    lesion.max_hu = s.max_hu;
    lesion.mean_hu = double(s.sum_hu) / n;
    lesion.weight = density_weight(s.max_hu, params.threshold_hu);
    lesion.score = lesion.area_mm2 * double(lesion.weight) * factor;
    lesion.volume_mm3 = n * result.voxel_volume_mm3;
    // mean HU * volume = sum of HU * voxel volume; mg/cm^3 * mm^3 / 1000 = mg.
    lesion.mass_mg = calibration * (double(s.sum_hu) * result.voxel_volume_mm3) / 1000.0;
    lesion.centroid_mm = {double(s.slice) * spacing[0], double(s.sum_y) / n * spacing[1],
                          double(s.sum_x) / n * spacing[2]};
    // A 3-D lesion's group is the index of its first 2-D lesion, which comes first.
    if (s.group == int32_t(i)) group_number[i] = ++result.lesions_3d;
    lesion.lesion_3d = group_number[s.group];
    add(result.total, lesion);
    if (with_labels) {
      CalciumTotals& totals = per_label[lesion.label];
      add(totals, lesion);
    }
    result.lesions.push_back(lesion);
  }
  for (const auto& [label, totals] : per_label) result.per_label.push_back({label, totals});
  result.risk_category = risk_category_of(result.total.agatston);
  return result;
}

}  // namespace

CalciumResult calcium_score(const Context& context, const VolumeRef& ct, const VolumeRef* labels,
                            const CalciumParams& params) {
  validate(context, ct, labels, params);
  CalciumScan scan;
  // v >= threshold_hu for an integer v is v >= ceil(threshold_hu); above int16, nothing is.
  scan.threshold = int32_t(std::min(std::ceil(params.threshold_hu), 32768.0));
  scan.slice_step = int32_t(slice_step_for(params.slice_thickness_mm, ct.spacing[0]));
  scan.pixel_area_mm2 = ct.spacing[1] * ct.spacing[2];
  scan.min_area_mm2 = params.min_area_mm2;
  scan.neighbours = previous_neighbours(params.connectivity);

  std::vector<LesionSums> sums;
  if (!context.is_cuda()) {
    sums = cpu::calcium_lesions(context, ct, labels, scan);
  } else {
#if MEDKERN_WITH_CUDA
    DeviceInput device_ct(context, ct);
    std::optional<DeviceInput> device_labels;
    if (labels != nullptr) device_labels.emplace(context, *labels);
    sums = cuda::calcium_lesions(context, device_ct.view(),
                                 labels ? &device_labels->view() : nullptr, scan);
#endif
  }
  return finish(sums, ct.spacing, scan, params, labels != nullptr);
}

}  // namespace medkern
