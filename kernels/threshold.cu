// Launch configuration and dispatch of the threshold (device code in threshold.cuh).
//
// Bytes it must move: the input once and the uint8 output once, e.g. 512^3 int16 =
// 268 MB + 134 MB, 95 us at 4.23 TB/s.
#include <cmath>
#include <limits>

#include "kernels/launch.cuh"
#include "kernels/threshold.cuh"
#include "threshold_backends.hpp"

namespace medkern::cuda {

namespace {

template <class T>
kernels::ThresholdBounds<T> bounds_for(const ThresholdParams& params) {
  kernels::ThresholdBounds<T> bounds{};
  bounds.inside = params.inside;
  bounds.outside = params.outside;
  if constexpr (std::is_same_v<T, float>) {
    // The smallest float32 >= lo and the largest float32 <= hi.
    float lo = static_cast<float>(params.lo);
    if (double(lo) < params.lo) lo = std::nextafter(lo, std::numeric_limits<float>::infinity());
    float hi = static_cast<float>(params.hi);
    if (double(hi) > params.hi) hi = std::nextafter(hi, -std::numeric_limits<float>::infinity());
    bounds.lo = lo;
    bounds.hi = hi;
  } else {
    // 16-bit values lie well inside these clamps, so clamping changes no comparison.
    constexpr double kClamp = 1 << 20;
    bounds.lo = static_cast<int32_t>(std::ceil(std::max(-kClamp, std::min(kClamp, params.lo))));
    bounds.hi = static_cast<int32_t>(std::floor(std::max(-kClamp, std::min(kClamp, params.hi))));
  }
  return bounds;
}

template <class Policy, class T, bool Vectorized>
void launch(const Context& context, const T* input, uint8_t* output, int64_t count,
            const kernels::ThresholdBounds<T>& bounds) {
  const int64_t per_thread = Vectorized ? 16 / int64_t(sizeof(T)) : 1;
  const unsigned grid = grid_for(context, (count + per_thread - 1) / per_thread, Policy::kThreads,
                                 Policy::kBlocksPerSm);
  kernels::threshold<T, Policy::kThreads, Vectorized>
      <<<grid, Policy::kThreads, 0, stream_of(context)>>>(input, output, count, bounds);
  cuda_check_launch("threshold");
}

template <class Policy, class T>
void threshold_typed(const Context& context, const VolumeRef& input, const VolumeRef& output,
                     const ThresholdParams& params) {
  const auto* in = static_cast<const T*>(input.data);
  auto* out = static_cast<uint8_t*>(output.data);
  const auto bounds = bounds_for<T>(params);
  if (aligned_to(in, 16) && aligned_to(out, 16 / sizeof(T))) {
    launch<Policy, T, true>(context, in, out, input.numel(), bounds);
  } else {
    launch<Policy, T, false>(context, in, out, input.numel(), bounds);
  }
}

}  // namespace

void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<ThresholdPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    switch (input.dtype) {
      case DType::int16:
        return threshold_typed<Policy, int16_t>(context, input, output, params);
      case DType::uint16:
        return threshold_typed<Policy, uint16_t>(context, input, output, params);
      case DType::float32:
        return threshold_typed<Policy, float>(context, input, output, params);
      default:
        throw_dtype_mismatch("input", DType::float32, input.dtype);
    }
  });
}

}  // namespace medkern::cuda
