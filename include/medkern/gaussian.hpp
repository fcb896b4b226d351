// Gaussian smoothing (scipy.ndimage.gaussian_filter, mode='nearest'), sigma in millimetres.
#pragma once

#include <array>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

struct GaussianParams {
  // Standard deviation per axis (z, y, x) in mm, each finite and >= 0; 0 leaves the axis alone.
  std::array<double, 3> sigma_mm{1.0, 1.0, 1.0};
  // Kernel radius in voxels = int(truncate * sigma_mm / spacing + 0.5), as scipy; finite, >= 0.
  double truncate = 4.0;
};

template <>
struct FieldsOf<GaussianParams> {
  static constexpr auto list = fields(field("sigma_mm", &GaussianParams::sigma_mm),
                                      field("truncate", &GaussianParams::truncate));
};

// The largest kernel radius (voxels) accepted on any axis.
inline constexpr int kMaxGaussianRadius = 100000;

// Writes into `output` (float32, shape of `input`) the input smoothed by a sampled Gaussian
// on each axis in turn: scipy.ndimage.gaussian_filter(input.astype(float32),
// sigma=sigma_mm / input.spacing, mode='nearest', truncate=truncate). The weights are
// exp(-x^2 / (2 sigma^2)) for x = -radius..radius normalised to sum 1 (in double, then
// float32); one pass per axis (z, then y, then x), each summing its taps in double and
// rounding to float32 once, the volume's edge voxels repeated beyond its faces. The GPU's
// float32 path (radii up to 8) sums in float32 and agrees with the CPU within 3e-7
// relative, not bit for bit (docs/ops.md). `input`: int16, uint16, float32, any strides;
// NaN spreads as in scipy.
// Errors (Error(invalid_argument), naming the parameter): a sigma that is negative, NaN or
// infinite; truncate negative, NaN or infinite; a radius above kMaxGaussianRadius.
void gaussian(const Context& context, const VolumeRef& input, const VolumeRef& output,
              const GaussianParams& params = {});

}  // namespace medkern
