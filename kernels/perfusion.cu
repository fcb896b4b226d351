// Launch configuration and dispatch of the perfusion maps (device code in perfusion.cuh).
//
// Bytes it must move: the series once and the seven maps once, e.g. 40 x 320 x 256 x 256
// float32 = 3.36 GB + 21 M voxels x 25 bytes = 0.52 GB, 0.92 ms at 4.23 TB/s. Arithmetic:
// the fixed methods take n^2 multiply-adds a voxel (40 frames: 1,600, 3.4e10 in all, about
// 1 ms at the H200's 67 TFLOP/s of FP32), so the maps sit near both limits at once.
//
// Two kernels: perfusion_maps_fixed for the fixed methods on uniform frames (the common case:
// operator and curves in shared memory, the residue in blocks of rows in registers), and
// perfusion_maps, one thread a voxel with its scratch in global memory, for the rest (osvd,
// non-uniform frames, long series).
#include "device_buffer.hpp"
#include "kernels/launch.cuh"
#include "kernels/perfusion.cuh"
#include "perfusion_backends.hpp"

namespace medkern::cuda {

namespace {

kernels::MapPointers pointers_of(const PerfusionMapsRef& maps) {
  return {static_cast<float*>(maps.cbf.data),    static_cast<float*>(maps.cbv.data),
          static_cast<float*>(maps.mtt.data),    static_cast<float*>(maps.tmax.data),
          static_cast<float*>(maps.ttp.data),    static_cast<float*>(maps.arrival.data),
          static_cast<uint8_t*>(maps.valid.data)};
}

template <class Policy, class T>
void launch_fixed(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                  const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  using Tile = kernels::FixedTile<Policy::kRowBlock>;
  const int64_t voxels = series.first.numel();
  const std::size_t shared = Tile::shared_bytes(plan.samples, Policy::kFixedThreads);
  const auto kernel = kernels::perfusion_maps_fixed<T, Policy::kFixedThreads, Policy::kRowBlock>;
  cuda_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared)),
             "perfusion_maps_fixed: shared memory");
  const unsigned grid = grid_for(context, voxels, Policy::kFixedThreads, Policy::kFixedBlocksPerSm);
  kernel<<<grid, Policy::kFixedThreads, shared, stream_of(context)>>>(
      static_cast<const T*>(series.first.data), voxels,
      mask ? static_cast<const uint8_t*>(mask->data) : nullptr, plan, pointers_of(maps));
  cuda_check_launch("perfusion_maps_fixed");
}

template <class Policy, class T>
void launch(const Context& context, const SeriesRef& series, const VolumeRef* mask,
            const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  if (!plan.oscillation && plan.uniform && plan.samples <= Policy::kFixedMaxSamples) {
    return launch_fixed<Policy, T>(context, series, mask, plan, maps);
  }
  const int64_t voxels = series.first.numel();
  const unsigned grid = grid_for(context, voxels, Policy::kThreads, Policy::kBlocksPerSm);
  const int64_t threads = int64_t(grid) * Policy::kThreads;
  DeviceBuffer<float> scratch(context, std::size_t(threads) * perfusion_scratch_floats(plan));
  kernels::perfusion_maps<T, Policy::kThreads><<<grid, Policy::kThreads, 0, stream_of(context)>>>(
      static_cast<const T*>(series.first.data), voxels,
      mask ? static_cast<const uint8_t*>(mask->data) : nullptr, plan, scratch.data(),
      pointers_of(maps));
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
