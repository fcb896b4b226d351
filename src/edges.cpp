#include "medkern/edges.hpp"

#include <fmt/format.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "checks.hpp"
#include "edges_backends.hpp"
#include "gaussian_backends.hpp"
#include "labeling_backends.hpp"
#include "staging.hpp"
#include "threshold_backends.hpp"

namespace medkern {

namespace {

void check_ndim(int ndim, int lowest) {
  if (ndim < lowest || ndim > 3) {
    throw Error(
        Status::invalid_argument,
        fmt::format("ndim: {} is outside {}..3 (the last ndim axes are filtered)", ndim, lowest));
  }
}

void run_gradient(const Context& context, const VolumeRef& input, const VolumeRef& output,
                  const GradientSpec& spec) {
  run_filter(
      context, input, output,
      [&](const VolumeRef& in, void* out) {
        cpu::gradient(context, in, static_cast<float*>(out), spec);
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] void* out) {
#if MEDKERN_WITH_CUDA
        cuda::gradient(context, in, static_cast<float*>(out), spec);
#endif
      });
}

// A threshold as float32, as ITK stores it; it must be finite there.
float float32_threshold(double value, const char* name) {
  if (!(std::isfinite(value) && std::abs(value) <= double(FLT_MAX))) {
    throw Error(Status::invalid_argument,
                fmt::format("{}: {} is not a finite float32 value", name, value));
  }
  return static_cast<float>(value);
}

}  // namespace

void sobel(const Context& context, const VolumeRef& input, const VolumeRef& output,
           const SobelParams& params) {
  check_filter_volumes(context, input, output, DType::float32);
  check_ndim(params.ndim, 1);
  if (params.axis < 3 - params.ndim || params.axis > 2) {
    throw Error(Status::invalid_argument,
                fmt::format("axis: {} is not one of the last ndim = {} axes ({}..2 of z, y, x)",
                            params.axis, params.ndim, 3 - params.ndim));
  }
  GradientSpec spec;
  spec.output = static_cast<GradientOutput>(int(GradientOutput::sobel_z) + params.axis);
  spec.ndim = params.ndim;
  run_gradient(context, input, output, spec);
}

void gradient_magnitude(const Context& context, const VolumeRef& input, const VolumeRef& output,
                        const GradientMagnitudeParams& params) {
  check_filter_volumes(context, input, output, DType::float32);
  check_ndim(params.ndim, 1);
  GradientSpec spec;
  spec.ndim = params.ndim;
  switch (params.method) {
    case GradientMethod::sobel:
      spec.output = GradientOutput::sobel_magnitude;
      break;
    case GradientMethod::central:
      spec.output = GradientOutput::central_magnitude;
      break;
    default:
      throw Error(Status::invalid_argument,
                  fmt::format("method: {} is neither sobel (0) nor central (1)",
                              static_cast<int>(params.method)));
  }
  for (int axis = 0; axis < 3; ++axis) {
    const double spacing = params.use_spacing ? input.spacing[axis] : 1.0;
    spec.scale[axis] = static_cast<float>(1.0 / spacing);
    spec.factor[axis] = static_cast<float>(0.5 / spacing);
    if (!std::isfinite(spec.scale[axis])) {  // spacing below ~3e-39 mm: 1 / spacing overflows
      throw Error(Status::invalid_argument,
                  fmt::format("spacing[{}]: {} mm is too small (1 / spacing overflows float32)",
                              axis, spacing));
    }
  }
  run_gradient(context, input, output, spec);
}

void canny(const Context& context, const VolumeRef& input, const VolumeRef& output,
           const CannyParams& params) {
  check_filter_volumes(context, input, output, DType::uint8);
  if (params.ndim != 2 && params.ndim != 3) {
    throw Error(
        Status::invalid_argument,
        fmt::format("ndim: {} is neither 2 (each z-slice) nor 3 (the volume)", params.ndim));
  }
  for (double sigma : params.sigma_mm) {
    if (!(std::isfinite(sigma) && sigma >= 0.0)) {
      throw Error(Status::invalid_argument,
                  fmt::format("sigma_mm: ({}, {}, {}) must be finite and >= 0", params.sigma_mm[0],
                              params.sigma_mm[1], params.sigma_mm[2]));
    }
  }
  const float low = float32_threshold(params.low, "low");
  const float high = float32_threshold(params.high, "high");
  if (low > high) {
    throw Error(Status::invalid_argument,
                fmt::format("low: {} is greater than high: {}", params.low, params.high));
  }
  // Hysteresis goes through label_components, which keeps voxel indices in int32.
  require_int32_voxels(input, "input", "canny");
  // DiscreteGaussianImageFilter's kernels: MaximumError 0.01, MaximumKernelWidth 32.
  constexpr double kMaximumError = 0.01;
  constexpr int kMaximumKernelWidth = 32;
  SeparableKernels kernels;
  for (int axis = 3 - params.ndim; axis < 3; ++axis) {
    const double sigma_voxels = params.sigma_mm[axis] / input.spacing[axis];
    kernels.weights[axis] =
        itk_gaussian_weights(sigma_voxels * sigma_voxels, kMaximumError, kMaximumKernelWidth);
  }
  const Shape3 shape = input.shape;
  const int64_t count = input.numel();
  const Neighbourhood neighbours = previous_neighbours(params.ndim == 3 ? 26 : 8);
  // Weak voxels: strength > low, i.e. >= the next float32 above low.
  const ThresholdParams weak{double(std::nextafter(low, std::numeric_limits<float>::infinity())),
                             std::numeric_limits<double>::infinity(), 1, 0};
  run_filter(
      context, input, output,
      [&](const VolumeRef& in, void* out) {
        // From the context's pool, whose limit then covers the CPU's scratch as well.
        Volume<float> smoothed(context, shape), strength(context, shape);
        cpu::separable_smooth(context, in, smoothed.data(), kernels);
        cpu::canny_strength(context, smoothed.data(), shape, params.ndim, strength.data());
        Volume<uint8_t> mask(context, shape);
        cpu::threshold(context, strength, mask, weak);
        Volume<int32_t> labels(context, shape);
        const int64_t components = cpu::label_components(context, mask, labels.data(), neighbours);
        cpu::keep_strong_components(context, labels.data(), strength.data(), count, components,
                                    high, static_cast<uint8_t*>(out));
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] void* out) {
#if MEDKERN_WITH_CUDA
        Volume<float> strength(context, shape);
        {
          Volume<float> smoothed(context, shape);
          cuda::separable_smooth(context, in, smoothed.data(), kernels);
          cuda::canny_strength(context, smoothed.data(), shape, params.ndim, strength.data());
        }
        Volume<int32_t> labels(context, shape);
        int64_t components = 0;
        {
          Volume<uint8_t> mask(context, shape);
          cuda::threshold(context, strength.view(), mask.view(), weak);
          components = cuda::label_components(context, mask, labels.data(), neighbours);
        }
        cuda::keep_strong_components(context, labels.data(), strength.data(), count, components,
                                     high, static_cast<uint8_t*>(out));
#endif
      });
}

}  // namespace medkern
