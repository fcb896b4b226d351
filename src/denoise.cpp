#include "medkern/denoise.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "checks.hpp"
#include "denoise_backends.hpp"
#include "staging.hpp"

namespace medkern {

namespace {

// A filter reads neighbours after others were written: the output must not share memory with
// the input.
void require_disjoint(const VolumeRef& input, const VolumeRef& output) {
  if (memory_overlaps(input, output)) {
    throw Error(Status::invalid_argument,
                "output overlaps input in memory; the filter needs a separate output");
  }
}

MedianWindow median_window(const MedianParams& params) {
  MedianWindow window{};
  window.count = 1;
  for (int axis = 0; axis < 3; ++axis) {
    const int r = params.radius[axis];
    if (r < 0 || r > kMaxMedianRadius) {
      throw Error(
          Status::invalid_argument,
          fmt::format("radius: ({}, {}, {}) has {} on axis {}, outside 0..{}", params.radius[0],
                      params.radius[1], params.radius[2], r, axis, kMaxMedianRadius));
    }
    window.radius[axis] = r;
    window.count *= 2 * r + 1;
  }
  if (window.count == 1) {
    throw Error(Status::invalid_argument,
                "radius: (0, 0, 0) is no window; give 1..3 on at least one axis");
  }
  window.rank = window.count / 2;
  return window;
}

}  // namespace

void median(const Context& context, const VolumeRef& input, const VolumeRef& output,
            const MedianParams& params) {
  check_filter_volumes(context, input, output, input.dtype);
  require_disjoint(input, output);
  const MedianWindow window = median_window(params);
  run_op(
      context, input, output,
      [&](const VolumeRef& in, const VolumeRef& out) { cpu::median(context, in, out, window); },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] const VolumeRef& out) {
#if MEDKERN_WITH_CUDA
        cuda::median(context, in, out, window);
#endif
      });
}

double max_stable_time_step(const Spacing3& spacing) {
  return *std::min_element(spacing.begin(), spacing.end()) / std::pow(2.0, 3.0 + 1.0);
}

void anisotropic_diffusion(const Context& context, const VolumeRef& input, const VolumeRef& output,
                           const AnisotropicDiffusionParams& params) {
  check_filter_volumes(context, input, output, DType::float32);
  if (input.dtype != DType::float32 || input.data != output.data ||
      input.strides != output.strides) {
    require_disjoint(input, output);  // the same float32 view in and out is fine: it is copied
  }
  if (params.iterations < 0) {
    throw Error(Status::invalid_argument,
                fmt::format("iterations: {} is negative", params.iterations));
  }
  require_finite(params.conductance, "conductance", true);
  const double bound = max_stable_time_step(input.spacing);
  require_finite(params.time_step, "time_step", true);
  if (params.time_step > bound) {
    throw Error(
        Status::invalid_argument,
        fmt::format("time_step: {} is above the stable bound min(spacing) / 2^(3+1) = "
                    "{} for spacing ({}, {}, {})",
                    params.time_step, bound, input.spacing[0], input.spacing[1], input.spacing[2]));
  }
  // ITK's axis order: x, y, z.
  const DiffusionScales scales{
      {1.0 / input.spacing[2], 1.0 / input.spacing[1], 1.0 / input.spacing[0]}};
  const double first_average = run_op(
      context, input, output,
      [&](const VolumeRef& in, const VolumeRef& out) {
        return cpu::anisotropic_diffusion(context, in, out, params, scales);
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] const VolumeRef& out) {
#if MEDKERN_WITH_CUDA
        return cuda::anisotropic_diffusion(context, in, out, params, scales);
#endif
      });
  if (!std::isfinite(first_average)) {
    throw Error(Status::invalid_argument,
                "input: holds NaN or infinity (or values whose differences overflow float32); "
                "the diffusion would be NaN everywhere");
  }
}

}  // namespace medkern
