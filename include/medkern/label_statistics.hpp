// Per-label statistics (scipy.ndimage measurements, ITK LabelStatisticsImageFilter).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

// Label values above this are refused: the op keeps one accumulator per label value.
inline constexpr int64_t kMaxLabelValue = (int64_t{1} << 24) - 1;

struct LabelStats {
  int32_t label = 0;
  uint64_t count = 0;
  double sum = 0.0;
  double mean = 0.0;
  double std = 0.0;  // population (ddof = 0), as scipy.ndimage.standard_deviation
  double min = 0.0;
  double max = 0.0;
  std::array<int64_t, 3> bbox_min{};    // (z, y, x), inclusive
  std::array<int64_t, 3> bbox_max{};    // (z, y, x), inclusive
  std::array<double, 3> centroid_mm{};  // mean voxel index times the input's spacing
};

struct LabelStatisticsParams {
  bool include_background = false;  // report label 0 as well
};

template <>
struct FieldsOf<LabelStatisticsParams> {
  static constexpr auto list =
      fields(field("include_background", &LabelStatisticsParams::include_background));
};

// Statistics of `input` (int16, uint16, float32) for each label of `labels` (int32 or
// uint8, same shape, 0 <= value <= kMaxLabelValue) that occurs, in increasing label order.
// Sums of integer inputs are exact (64-bit integers), so CPU and GPU agree bit for bit;
// float32 sums are in double.
std::vector<LabelStats> label_statistics(const Context& context, const VolumeRef& input,
                                         const VolumeRef& labels,
                                         const LabelStatisticsParams& params = {});

}  // namespace medkern
