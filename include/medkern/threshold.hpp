// Binary threshold (ITK BinaryThresholdImageFilter) and Otsu's threshold
// (skimage.filters.threshold_otsu).
#pragma once

#include <cstdint>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

struct ThresholdParams {
  double lo = 0.0;  // inclusive
  double hi = 0.0;  // inclusive; lo <= hi
  uint8_t inside = 1;
  uint8_t outside = 0;
};

template <>
struct FieldsOf<ThresholdParams> {
  static constexpr auto list = fields(
      field("lo", &ThresholdParams::lo), field("hi", &ThresholdParams::hi),
      field("inside", &ThresholdParams::inside), field("outside", &ThresholdParams::outside));
};

// output = (lo <= input <= hi) ? inside : outside, compared in double; NaN is outside.
// input: int16, uint16, float32; output: uint8 of the same shape.
void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params);

struct OtsuParams {
  uint32_t bins = 256;  // float32 input only; integer input uses one bin per value
};

template <>
struct FieldsOf<OtsuParams> {
  static constexpr auto list = fields(field("bins", &OtsuParams::bins));
};

// skimage.filters.threshold_otsu(input[mask != 0], nbins=bins). A constant input returns
// its value; NaN voxels are ignored (scikit-image raises on them).
double otsu_threshold(const Context& context, const VolumeRef& input, const VolumeRef* mask,
                      const OtsuParams& params = {});

}  // namespace medkern
