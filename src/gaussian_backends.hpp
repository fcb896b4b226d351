// Separable smoothing with symmetric kernels, the engine of gaussian() and of Canny's
// smoothing (edges.cpp), and the arithmetic that the CPU and the GPU share so that both give
// the same float32 result bit for bit.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "host_device.hpp"
#include "medkern/context.hpp"

namespace medkern {

// One symmetric kernel per axis (z, y, x), as its one-sided weights: weights[axis][k] is the
// weight of offsets -k and +k, so a kernel of radius r has r + 1 entries. An empty kernel or
// radius 0 with weight 1 leaves the axis alone.
struct SeparableKernels {
  std::array<std::vector<float>, 3> weights;
  // The GPU may sum the taps in float32 (fused multiply-adds, taps -r..r in order) when
  // every radius is <= kFloat32SumMaxRadius: gaussian() allows it (its GPU tests' tolerance
  // is 1e-6 of the largest magnitude; float32 sums measured <= 3e-7 of it up to radius 8,
  // up to 6e-7 at radius 32, see docs/design.md), Canny does not (its edges must be
  // identical to the CPU's, so its smoothing stays bit-exact in double).
  bool float32_sums = false;

  int radius(int axis) const { return weights[axis].empty() ? 0 : int(weights[axis].size()) - 1; }
  // True when the axis is filtered at all (radius 0 with weight 1 is the identity).
  bool filters(int axis) const { return radius(axis) > 0; }
};

// The largest radius of the float32 fast path (see SeparableKernels::float32_sums).
inline constexpr int kFloat32SumMaxRadius = 8;

// scipy.ndimage's _gaussian_kernel1d(sigma, 0, radius) with radius = int(truncate * sigma +
// 0.5): exp(-0.5 x^2 / sigma^2) normalised in double, rounded to float32. sigma <= 1e-15
// gives the identity, as scipy skips such axes.
std::vector<float> scipy_gaussian_weights(double sigma_voxels, double truncate);

// ITK's GaussianOperator (the discrete Gaussian of DiscreteGaussianImageFilter, as used by
// CannyEdgeDetectionImageFilter): e^-t I_n(t) for n = 0, 1, ... with t the variance in
// voxels^2, until the weights sum to 1 - maximum_error or there are more than
// maximum_width of them, normalised to that sum. A kernel whose side weights are all 0
// (variance 0) is returned as the identity.
std::vector<float> itk_gaussian_weights(double variance_voxels, double maximum_error,
                                        int maximum_width);

// One tap of a pass: sum + w * v in double, where w (a weight) and v (a value) are float32
// values. Every pass sums its taps in this way from offset -r to +r and rounds the sum to
// float32 once, as ITK's NeighborhoodOperatorImageFilter does (scipy's correlate1d also
// sums in double). The product of two float32 values is exact in double, so a fused
// multiply-add (the GPU's) rounds exactly as the separate operations (the CPU's): both give
// the same float32 bit for bit. (The GPU converts each value to double once, when it loads
// it, not at every tap: conversions to FP64 run at a sixteenth of the FP32 rate.)
MEDKERN_HOST_DEVICE inline double add_tap(double sum, double w, double v) {
  return sum + w * v;
}

namespace cpu {
// Smooths `input` (int16, uint16 or float32, host memory, any strides) into `output`
// (contiguous float32 host memory, numel entries): z pass, y pass, x pass (scipy's and ITK's
// order), each rounded to float32.
void separable_smooth(const Context& context, const VolumeRef& input, float* output,
                      const SeparableKernels& kernels);
}  // namespace cpu

#if MEDKERN_WITH_CUDA
namespace cuda {
// The same on the context's device: `input` contiguous device memory, `output` contiguous
// float32 device memory (not overlapping it). Stream-ordered.
void separable_smooth(const Context& context, const VolumeRef& input, float* output,
                      const SeparableKernels& kernels);
}  // namespace cuda
#endif

}  // namespace medkern
