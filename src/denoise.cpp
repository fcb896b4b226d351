#include "medkern/denoise.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "checks.hpp"
#include "denoise_backends.hpp"
#include "reduce_backends.hpp"
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

namespace {

// ITK keeps the differences and each iteration's update (before the time step) in float32.
// Within the stable time step an iteration moves every voxel to a convex combination of its
// neighbourhood, so the image stays within the input's [min, max]: a difference is at most
// span = max - min, and an update at most 2 * span * sum(1 / spacing). The largest span for
// which both stay finite, with a factor of 2 to spare for rounding.
double max_diffusion_span(const Spacing3& spacing) {
  const double update_scale = 2.0 * (1.0 / spacing[0] + 1.0 / spacing[1] + 1.0 / spacing[2]);
  return double(FLT_MAX) / 2.0 / std::max(1.0, update_scale);
}

// Throws unless the diffusion of values in [lo, hi] (`count` of `voxels` not NaN) stays
// finite: checked on the input before the first iteration, so that an overflow is this
// error rather than infinite voxels in the output.
void require_diffusion_range(double lo, double hi, uint64_t count, int64_t voxels,
                             const Spacing3& spacing) {
  if (count != uint64_t(voxels) || !std::isfinite(lo) || !std::isfinite(hi)) {
    throw Error(Status::invalid_argument,
                "input: holds NaN or infinity; the diffusion would be NaN everywhere");
  }
  const double limit = max_diffusion_span(spacing);
  if (!(hi - lo <= limit)) {
    throw Error(Status::invalid_argument,
                fmt::format("input: values from {} to {} span {}, above the {} whose "
                            "differences and updates stay finite in float32 for spacing ({}, "
                            "{}, {}); the diffusion would overflow",
                            lo, hi, hi - lo, limit, spacing[0], spacing[1], spacing[2]));
  }
}

// The check on the input's extremes, skipped for 16-bit input whose whole range passes.
template <class MinMaxOf>
void check_diffusion_input(const VolumeRef& input, MinMaxOf&& min_max_of) {
  if (input.dtype != DType::float32 && 65535.0 <= max_diffusion_span(input.spacing)) return;
  const MinMax extremes = min_max_of();
  require_diffusion_range(extremes.min, extremes.max, extremes.count, input.numel(), input.spacing);
}

}  // namespace

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
        if (params.iterations > 0) {
          check_diffusion_input(in, [&] { return cpu::min_max(context, in, nullptr); });
        }
        return cpu::anisotropic_diffusion(context, in, out, params, scales);
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] const VolumeRef& out) {
#if MEDKERN_WITH_CUDA
        // On the staged input: a host input crosses to the device once.
        if (params.iterations > 0) {
          check_diffusion_input(in, [&] { return cuda::min_max(context, in, nullptr); });
        }
        return cuda::anisotropic_diffusion(context, in, out, params, scales);
#endif
      });
  // Unreachable after the range check; kept so that no non-finite average passes silently.
  if (!std::isfinite(first_average)) {
    throw Error(Status::invalid_argument,
                "input: the diffusion's mean squared gradient is not finite; the diffusion "
                "would be NaN everywhere");
  }
}

}  // namespace medkern
