// Edge filters: Sobel and gradient magnitude (scipy.ndimage.sobel, ITK
// GradientMagnitudeImageFilter) and Canny (ITK CannyEdgeDetectionImageFilter).
#pragma once

#include <array>
#include <cstdint>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

// Every edge filter works on the last `ndim` axes of the volume: 3, the volume; 2, each
// z-slice as a 2-D image (what scipy and ITK do with a 2-D array: nothing along z); 1, each
// x-row (sobel and gradient_magnitude only).

struct SobelParams {
  int axis = 2;  // 0 (z), 1 (y) or 2 (x); one of the last `ndim` axes
  int ndim = 3;  // 1, 2 or 3
};

template <>
struct FieldsOf<SobelParams> {
  static constexpr auto list =
      fields(field("axis", &SobelParams::axis), field("ndim", &SobelParams::ndim));
};

// Writes into `output` (float32, shape of `input`) scipy.ndimage.sobel(input, axis,
// mode='nearest') on float32 data: the difference [-1, 0, 1] along `axis` and the smoothing
// [1, 2, 1] along the other axes among the last `ndim` (not normalised; no spacing). Edge
// voxels are repeated beyond the faces. `input`: int16, uint16, float32, any strides.
// Errors: an axis or ndim out of range (Error(invalid_argument), naming it).
void sobel(const Context& context, const VolumeRef& input, const VolumeRef& output,
           const SobelParams& params);

enum class GradientMethod : int32_t {
  sobel = 0,    // sqrt(sum of sobel(axis)^2); with use_spacing each sobel(axis) / spacing
  central = 1,  // ITK GradientMagnitudeImageFilter: (v[i + 1] - v[i - 1]) / (2 spacing)
};

struct GradientMagnitudeParams {
  GradientMethod method = GradientMethod::sobel;
  bool use_spacing = true;  // divide each axis's derivative by input.spacing[axis]
  int ndim = 3;             // 1, 2 or 3
};

template <>
struct FieldsOf<GradientMagnitudeParams> {
  static constexpr auto list = fields(field("method", &GradientMagnitudeParams::method),
                                      field("use_spacing", &GradientMagnitudeParams::use_spacing),
                                      field("ndim", &GradientMagnitudeParams::ndim));
};

// Writes into `output` (float32, shape of `input`) the gradient magnitude of `input` (int16,
// uint16, float32, any strides) over the last `ndim` axes, edge voxels repeated beyond the
// faces (scipy's mode='nearest', ITK's ZeroFluxNeumann):
// - sobel: sqrt(sum over axes of (sobel(input, axis) / s)^2), s = spacing[axis] with
//   use_spacing, else 1 (each quotient formed as a product with the float32 1 / s: within an
//   ulp of it); without spacing, scipy.ndimage.generic_gradient_magnitude(input,
//   scipy.ndimage.sobel).
// - central: sqrt(sum over axes of ((v[i + 1] - v[i - 1]) / (2 s))^2), ITK
//   GradientMagnitudeImageFilter with UseImageSpacing = use_spacing.
// Sums run over z, y, x in that order, in float32.
void gradient_magnitude(const Context& context, const VolumeRef& input, const VolumeRef& output,
                        const GradientMagnitudeParams& params = {});

struct CannyParams {
  // Standard deviation of the smoothing per axis (z, y, x) in mm, each finite and >= 0 (ITK's
  // Variance is its square, in mm^2 with the image's spacing).
  std::array<double, 3> sigma_mm{1.0, 1.0, 1.0};
  double low = 0.0;   // ITK's LowerThreshold; finite, <= high
  double high = 0.0;  // ITK's UpperThreshold; finite
  int ndim = 3;       // 3 (a volume) or 2 (each z-slice on its own)
};

template <>
struct FieldsOf<CannyParams> {
  static constexpr auto list =
      fields(field("sigma_mm", &CannyParams::sigma_mm), field("low", &CannyParams::low),
             field("high", &CannyParams::high), field("ndim", &CannyParams::ndim));
};

// ITK CannyEdgeDetectionImageFilter (MaximumError 0.01): writes 1 into `output` (uint8, shape
// of `input`) on the edges, 0 elsewhere. `input`: int16, uint16, float32, any strides.
// 1. L = the input smoothed by ITK's discrete Gaussian (GaussianOperator: e^-t I_n(t) with t =
//    sigma_mm^2 / spacing^2 voxels^2, as many weights as reach 1 - 0.01 of the sum, at most
//    radius 32, normalised; DiscreteGaussianImageFilter), edge voxels repeated.
// 2. With central differences in voxel units, d_i = (L[+1] - L[-1]) / 2, d_ii = L[-1] - 2 L +
//    L[+1], d_ij = (L[-i-j] - L[-i+j] - L[+i-j] + L[+i+j]) / 4, the second derivative along
//    the gradient D = (sum_i d_i^2 d_ii + 2 sum_{i<j} d_i d_j d_ij) / (0.0001 + sum_i d_i^2).
// 3. Non-maximum suppression as ITK formulates it: a voxel is kept where D crosses zero (ITK
//    ZeroCrossingImageFilter on D: a face neighbour with the opposite sign, or zero against
//    non-zero, and |D| smaller than the neighbour's, or equal with the neighbour on the +
//    side) and where the derivative of D along the gradient, sum_i (D[+1] - D[-1]) / 2 * d_i
//    / |g|, is <= 0 (a maximum of |g|, not a minimum); its strength is |g| = sqrt(0.0001 +
//    sum_i d_i^2), 0 elsewhere.
// 4. Hysteresis: the voxels of strength > high, and the voxels of strength > low connected
//    to them through such voxels (26-connectivity; 8 within the slice for ndim = 2), found
//    by label_components. Thresholds compare in float32, as in ITK.
// Derivatives are per voxel (ITK ignores the spacing there); only the smoothing uses it.
// Errors (Error(invalid_argument), naming the parameter): a sigma that is negative, NaN or
// infinite; low or high NaN or infinite; low > high; ndim other than 2 or 3.
void canny(const Context& context, const VolumeRef& input, const VolumeRef& output,
           const CannyParams& params);

}  // namespace medkern
