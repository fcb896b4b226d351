#include "medkern/threshold.hpp"

#include "medkern/histogram.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "checks.hpp"
#include "histogram_backends.hpp"
#include "reduce_backends.hpp"
#include "staging.hpp"
#include "threshold_backends.hpp"

namespace medkern {

void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params) {
  check_filter_volumes(context, input, output, DType::uint8);
  if (std::isnan(params.lo) || std::isnan(params.hi)) {
    throw Error(Status::invalid_argument,
                fmt::format("lo, hi: ({}, {}) must not be NaN", params.lo, params.hi));
  }
  if (params.lo > params.hi) {
    throw Error(Status::invalid_argument,
                fmt::format("lo: {} is greater than hi: {}", params.lo, params.hi));
  }
  run_op(
      context, input, output,
      [&](const VolumeRef& in, const VolumeRef& out) { cpu::threshold(context, in, out, params); },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] const VolumeRef& out) {
#if MEDKERN_WITH_CUDA
        cuda::threshold(context, in, out, params);
#endif
      });
}

namespace {

// skimage.filters.threshold_otsu on a histogram, in numpy's arithmetic: the counts are cast
// to float32 and every cumulative sum runs in order, so the arg-max (and with it the
// threshold) comes out as scikit-image's. Integer images have integer bin centres, which
// lifts the class means to float64; float images keep everything in float32.
template <class Center, class Moment>
std::size_t otsu_index(const std::vector<uint64_t>& counts, const std::vector<Center>& centers) {
  const std::size_t n = counts.size();
  std::vector<float> weight1(n), weight2(n);
  std::vector<Moment> mean1(n), mean2(n);
  float w = 0.0f;
  Moment m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    w += float(counts[i]);
    m += Moment(float(counts[i])) * Moment(centers[i]);
    weight1[i] = w;
    mean1[i] = m / Moment(w);
  }
  w = 0.0f;
  m = 0;
  for (std::size_t i = n; i-- > 0;) {
    w += float(counts[i]);
    m += Moment(float(counts[i])) * Moment(centers[i]);
    weight2[i] = w;
    mean2[i] = m / Moment(w);
  }
  std::size_t best = 0;
  Moment best_variance = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const Moment difference = mean1[i] - mean2[i + 1];
    const Moment variance = Moment(weight1[i] * weight2[i + 1]) * (difference * difference);
    if (i == 0 || variance > best_variance) {
      best = i;
      best_variance = variance;
    }
  }
  return best;
}

}  // namespace

double otsu_threshold(const Context& context, const VolumeRef& input, const VolumeRef* mask,
                      const OtsuParams& params) {
  require_volume(context, input, "input", {DType::int16, DType::uint16, DType::float32});
  require_mask(context, mask, input);
  if (params.bins < 2 || params.bins > kMaxHistogramBins) {
    throw Error(Status::invalid_argument,
                fmt::format("bins: {} is outside 2..{}", params.bins, kMaxHistogramBins));
  }
  const MinMax extremes = min_max(context, input, mask);
  if (extremes.count == 0) {
    throw Error(Status::invalid_argument, "input: no voxel to threshold (all masked out or NaN)");
  }
  if (extremes.min == extremes.max) return extremes.min;

  if (input.dtype == DType::float32) {
    const HistogramBins bins = make_histogram_bins(params.bins, extremes.min, extremes.max,
                                                   input.dtype, EdgeArithmetic::float32);
    const std::vector<uint64_t> counts = histogram_counts(context, input, mask, bins);
    std::vector<float> centers(bins.bins);
    for (uint32_t i = 0; i < bins.bins; ++i) {
      centers[i] = (float(bins.edge(i)) + float(bins.edge(i + 1))) / 2.0f;
    }
    return centers[otsu_index<float, float>(counts, centers)];
  }
  // One bin per integer value from the minimum to the maximum, as scikit-image's bincount.
  const auto values = static_cast<uint32_t>(extremes.max - extremes.min + 1);
  const HistogramBins bins =
      make_histogram_bins(values, extremes.min, extremes.max + 1, input.dtype);
  const std::vector<uint64_t> counts = histogram_counts(context, input, mask, bins);
  std::vector<int64_t> centers(values);
  for (uint32_t i = 0; i < values; ++i) centers[i] = int64_t(extremes.min) + i;
  return double(centers[otsu_index<int64_t, double>(counts, centers)]);
}

}  // namespace medkern
