// Launch configuration and dispatch of the perfusion maps (device code in perfusion.cuh).
//
// Bytes it must move: the series once and the seven maps once, e.g. 40 x 320 x 256 x 256
// float32 = 3.36 GB + 21 M voxels x 25 bytes = 0.52 GB, 0.92 ms at 4.23 TB/s. This first
// kernel is one thread a voxel, its scratch in global memory: correct, not yet that fast.
#include "device_buffer.hpp"
#include "kernels/launch.cuh"
#include "kernels/perfusion.cuh"
#include "perfusion_backends.hpp"

namespace medkern::cuda {

namespace {

template <class Policy, class T>
void launch(const Context& context, const SeriesRef& series, const VolumeRef* mask,
            const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  const int64_t voxels = series.first.numel();
  const unsigned grid = grid_for(context, voxels, Policy::kThreads, Policy::kBlocksPerSm);
  const int64_t threads = int64_t(grid) * Policy::kThreads;
  DeviceBuffer<float> scratch(context, std::size_t(threads) * perfusion_scratch_floats(plan));
  kernels::perfusion_maps<T, Policy::kThreads><<<grid, Policy::kThreads, 0, stream_of(context)>>>(
      static_cast<const T*>(series.first.data), voxels,
      mask ? static_cast<const uint8_t*>(mask->data) : nullptr, plan, scratch.data(),
      static_cast<float*>(maps.cbf.data), static_cast<float*>(maps.cbv.data),
      static_cast<float*>(maps.mtt.data), static_cast<float*>(maps.tmax.data),
      static_cast<float*>(maps.ttp.data), static_cast<float*>(maps.arrival.data),
      static_cast<uint8_t*>(maps.valid.data));
  cuda_check_launch("perfusion_maps");
}

}  // namespace

void perfusion_maps(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                    const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<PerfusionPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    switch (series.first.dtype) {
      case DType::int16:
        return launch<Policy, int16_t>(context, series, mask, plan, maps);
      case DType::uint16:
        return launch<Policy, uint16_t>(context, series, mask, plan, maps);
      case DType::float32:
        return launch<Policy, float>(context, series, mask, plan, maps);
      default:
        throw_dtype_mismatch("series", DType::float32, series.first.dtype);
    }
  });
}

}  // namespace medkern::cuda
