// Launch and dispatch of the min/max reduction (device code in reduce.cuh).
#include "device_buffer.hpp"
#include "host_device.hpp"
#include "kernels/launch.cuh"
#include "kernels/reduce.cuh"
#include "reduce_backends.hpp"

namespace medkern::cuda {

namespace {
template <class Policy, class T>
MinMax launch_min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask) {
  const cudaStream_t stream = stream_of(context);
  DeviceBuffer<kernels::MinMaxKeys> scratch(context, 1);
  kernels::MinMaxKeys* keys = scratch.data();
  const kernels::MinMaxKeys initial{INT32_MAX, INT32_MIN, 0};
  cuda_check(cudaMemcpyAsync(keys, &initial, sizeof(initial), cudaMemcpyHostToDevice, stream),
             "min_max: cudaMemcpyAsync");
  const int64_t count = input.numel();
  kernels::min_max<T, Policy::kThreads>
      <<<grid_for(context, count, Policy::kThreads, Policy::kBlocksPerSm), Policy::kThreads, 0,
         stream>>>(static_cast<const T*>(input.data),
                   mask ? static_cast<const uint8_t*>(mask->data) : nullptr, count, keys);
  cuda_check_launch("min_max");
  const kernels::MinMaxKeys result = read_back(context, keys, "min_max: cudaMemcpyAsync");
  if (result.count == 0) return MinMax{};
  if constexpr (std::is_same_v<T, float>) {
    return MinMax{ordered_to_float(result.min_key), ordered_to_float(result.max_key), result.count};
  } else {
    return MinMax{double(result.min_key), double(result.max_key), result.count};
  }
}
}  // namespace

MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask) {
  DeviceGuard guard(context.device().ordinal);
  return with_policy<ReducePolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    switch (input.dtype) {
      case DType::int16:
        return launch_min_max<Policy, int16_t>(context, input, mask);
      case DType::uint16:
        return launch_min_max<Policy, uint16_t>(context, input, mask);
      case DType::float32:
        return launch_min_max<Policy, float>(context, input, mask);
      case DType::uint8:
        return launch_min_max<Policy, uint8_t>(context, input, mask);
      case DType::int32:
        return launch_min_max<Policy, int32_t>(context, input, mask);
      default:
        throw_dtype_mismatch("input", DType::float32, input.dtype);
    }
  });
}

}  // namespace medkern::cuda
