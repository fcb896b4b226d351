#include "medkern/label_statistics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <vector>

#include "checks.hpp"
#include "device_buffer.hpp"
#include "host_device.hpp"
#include "label_statistics_backends.hpp"
#include "reduce_backends.hpp"
#include "staging.hpp"

namespace medkern {

namespace {

std::vector<LabelAccumulator> accumulate(const Context& context, const VolumeRef& input,
                                         const VolumeRef& labels, int64_t max_label,
                                         bool include_background) {
  const auto entries = static_cast<std::size_t>(label_table_entries(max_label));
  std::vector<LabelAccumulator> table;
  if (!context.is_cuda()) {
    table.resize(entries);
    cpu::label_statistics(context, input, labels, max_label, include_background, table.data());
  } else {
#if MEDKERN_WITH_CUDA
    DeviceInput device_input(context, input);
    DeviceInput device_labels(context, labels);
    DeviceBuffer<LabelAccumulator> device_table(context, entries);
    cuda::label_statistics(context, device_input.view(), device_labels.view(), max_label,
                           include_background, device_table.data());
    table = make_host_vector(context, device_table);
#endif
  }
  if (table.size() == entries && table.back().count != 0) {
    throw Error(Status::invalid_argument,
                fmt::format("labels: {} voxels held a label outside 0 .. {} while the statistics "
                            "were accumulated; the labels were written during the call",
                            table.back().count, max_label));
  }
  return table;
}

}  // namespace

LabelStats label_stats_of(int32_t label, const LabelAccumulator& acc, DType dtype,
                          const Spacing3& spacing) {
  LabelStats stats;
  stats.label = label;
  stats.count = acc.count;
  const double n = double(acc.count);
  if (dtype == DType::float32) {
    stats.sum = acc.sum_float;
    stats.mean = acc.sum_float / n;
    stats.min = ordered_to_float(acc.min_key);
    stats.max = ordered_to_float(acc.max_key);
    const double variance = acc.sum_squares_float / n - stats.mean * stats.mean;
    stats.std = std::sqrt(variance > 0.0 ? variance : 0.0);
  } else {
    stats.sum = double(acc.sum_int);
    stats.mean = double(acc.sum_int) / n;
    stats.min = acc.min_key;
    stats.max = acc.max_key;
    // n * sum of squares - sum^2 is exact in 128 bits; its double is the variance's
    // numerator with one rounding.
    const __int128 numerator = __int128(acc.count) * __int128(acc.sum_squares_int) -
                               __int128(acc.sum_int) * __int128(acc.sum_int);
    stats.std = std::sqrt(double(numerator) / (n * n));
  }
  for (int axis = 0; axis < 3; ++axis) {
    stats.bbox_min[axis] = acc.bbox_min[axis];
    stats.bbox_max[axis] = acc.bbox_max[axis];
    stats.centroid_mm[axis] = double(acc.coordinate_sum[axis]) / n * spacing[axis];
  }
  return stats;
}

std::vector<LabelStats> label_statistics(const Context& context, const VolumeRef& input,
                                         const VolumeRef& labels,
                                         const LabelStatisticsParams& params) {
  require_volume(context, input, "input", {DType::int16, DType::uint16, DType::float32});
  require_like(context, input, "input", labels, "labels", {DType::int32, DType::uint8});
  for (int axis = 0; axis < 3; ++axis) {
    if (input.shape[axis] > INT32_MAX) {
      throw Error(Status::overflow, fmt::format("input: extent {} on axis {} exceeds 2^31 - 1",
                                                input.shape[axis], axis));
    }
  }
  const MinMax range = min_max(context, labels, nullptr);
  if (range.min < 0) {
    throw Error(Status::invalid_argument,
                fmt::format("labels: contains the negative label {}", int64_t(range.min)));
  }
  if (range.max > kMaxLabelValue) {
    throw Error(Status::invalid_argument,
                fmt::format("labels: label {} exceeds the largest supported label {}",
                            int64_t(range.max), kMaxLabelValue));
  }
  const auto max_label = static_cast<int64_t>(range.max);
  const std::vector<LabelAccumulator> table =
      accumulate(context, input, labels, max_label, params.include_background);
  std::vector<LabelStats> result;
  for (int64_t label = params.include_background ? 0 : 1; label <= max_label; ++label) {
    if (table[label].count != 0) {
      result.push_back(
          label_stats_of(static_cast<int32_t>(label), table[label], input.dtype, input.spacing));
    }
  }
  return result;
}

}  // namespace medkern
