#include "medkern/histogram.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "checks.hpp"
#include "histogram_backends.hpp"
#include "staging.hpp"

namespace medkern {

namespace {

void require_bins(uint32_t bins) {
  if (bins < 1 || bins > kMaxHistogramBins) {
    throw Error(Status::invalid_argument,
                fmt::format("bins: {} is outside 1..{}", bins, kMaxHistogramBins));
  }
}

}  // namespace

HistogramBins make_histogram_bins(uint32_t bins, double lo, double hi, DType dtype,
                                  EdgeArithmetic float_arithmetic) {
  require_bins(bins);
  if (!(std::isfinite(lo) && std::isfinite(hi))) {
    throw Error(Status::invalid_argument, fmt::format("range: ({}, {}) is not finite", lo, hi));
  }
  if (lo > hi) {
    throw Error(Status::invalid_argument,
                fmt::format("range: lo = {} is greater than hi = {}", lo, hi));
  }
  const bool float32_arithmetic =
      dtype == DType::float32 && float_arithmetic == EdgeArithmetic::float32;
  if (lo == hi && float32_arithmetic) {  // numpy widens float32 scalars in float32
    lo = double(float(lo) - 0.5f);
    hi = double(float(hi) + 0.5f);
  } else if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  HistogramBins result;
  result.bins = bins;
  result.lo = lo;
  result.hi = hi;
  result.arithmetic = dtype == DType::float32 ? float_arithmetic : EdgeArithmetic::float64;
  if (result.arithmetic == EdgeArithmetic::float32) {
    const float width = float(hi) - float(lo);
    result.step = double(width / float(bins));
  } else {
    result.step = (hi - lo) / bins;
  }
  result.scale = bins / (hi - lo);
  for (int64_t i = 0; i < bins; ++i) {
    if (!(result.edge(i) < result.edge(i + 1))) {
      throw Error(Status::invalid_argument,
                  fmt::format("bins: {} bins over ({}, {}) would give coinciding {} bin edges",
                              bins, lo, hi, dtype == DType::float32 ? "float32" : "float64"));
    }
  }
  return result;
}

namespace {

void histogram_checked(const Context& context, const VolumeRef& input, const VolumeRef* mask,
                       const VolumeRef& counts, const HistogramBins& bins) {
  if (!context.is_cuda()) {
    cpu::histogram(context, input, mask, bins, static_cast<uint64_t*>(counts.data));
    return;
  }
#if MEDKERN_WITH_CUDA
  DeviceInput device_input(context, input);
  std::optional<DeviceInput> device_mask;
  if (mask) device_mask.emplace(context, *mask);
  DeviceOutput device_counts(context, counts);
  cuda::histogram(context, device_input.view(), device_mask ? &device_mask->view() : nullptr, bins,
                  static_cast<uint64_t*>(device_counts.view().data));
  device_counts.commit();
#endif
}

}  // namespace

std::vector<uint64_t> histogram_counts(const Context& context, const VolumeRef& input,
                                       const VolumeRef* mask, const HistogramBins& bins) {
  std::vector<uint64_t> counts(bins.bins);
  histogram_checked(context, input, mask,
                    make_view(counts.data(), Shape3{1, 1, int64_t(bins.bins)}), bins);
  return counts;
}

void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const VolumeRef& counts, const HistogramParams& params) {
  require_volume(context, input, "input", {DType::int16, DType::uint16, DType::float32});
  require_mask(context, mask, input);
  // The bins first: bins = 0 is a bad parameter, not counts of the wrong size.
  const HistogramBins bins = make_histogram_bins(
      params.bins, params.lo, params.hi, input.dtype,
      params.float32_range ? EdgeArithmetic::float32 : EdgeArithmetic::float64_rounded_to_float32);
  require_volume(context, counts, "counts", {DType::uint64});
  if (counts.numel() != params.bins) {
    throw Error(Status::shape_mismatch,
                fmt::format("counts: has {} elements for {} bins", counts.numel(), params.bins));
  }
  if (!counts.is_contiguous()) {
    throw Error(Status::invalid_argument, "counts: must be contiguous");
  }
  histogram_checked(context, input, mask, counts, bins);
}

std::vector<uint64_t> histogram(const Context& context, const VolumeRef& input,
                                const HistogramParams& params, const VolumeRef* mask) {
  require_bins(params.bins);  // before the counts are allocated
  std::vector<uint64_t> counts(params.bins);
  histogram(context, input, mask, make_view(counts.data(), Shape3{1, 1, int64_t(params.bins)}),
            params);
  return counts;
}

}  // namespace medkern
