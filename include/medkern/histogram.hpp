// Histogram with numpy.histogram's semantics.
#pragma once

#include <cstdint>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

inline constexpr uint32_t kMaxHistogramBins = 65536;

struct HistogramParams {
  uint32_t bins = 256;  // 1 .. kMaxHistogramBins
  double lo = 0.0;      // lo == hi widens to (lo - 0.5, hi + 0.5), as numpy does
  double hi = 1.0;
  // float32 input only: lo and hi are float32 values and the edges are built in float32
  // arithmetic, as numpy.histogram(a, bins) does when it takes the range from float32 data
  // (a.min() and a.max() are float32 scalars). Otherwise the edges are computed in double
  // and rounded to float32, as numpy does for a range of Python floats.
  bool float32_range = false;
};

template <>
struct FieldsOf<HistogramParams> {
  static constexpr auto list = fields(
      field("bins", &HistogramParams::bins), field("lo", &HistogramParams::lo),
      field("hi", &HistogramParams::hi), field("float32_range", &HistogramParams::float32_range));
};

// Counts `input` (int16, uint16, float32) into `counts` (contiguous uint64, params.bins
// elements, host or device) exactly as numpy.histogram(input, bins, range=(lo, hi)):
// voxel v is in bin i when edge[i] <= v < edge[i+1], the last bin also takes v == hi,
// with edge[i] = lo + i * (hi - lo) / bins computed in double and, for float32 input,
// rounded to float32 as numpy does. Values outside [lo, hi] and NaN are not counted.
// `mask` (uint8, same shape; nullptr for none) keeps voxels where it is non-zero.
void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const VolumeRef& counts, const HistogramParams& params);

// The same, returning the counts on the host.
std::vector<uint64_t> histogram(const Context& context, const VolumeRef& input,
                                const HistogramParams& params, const VolumeRef* mask = nullptr);

}  // namespace medkern
