// Launch and dispatch of the seed marking of region growing (device code in
// region_growing.cuh; the selection of the seeded components is labelling's
// select_flagged_components).
// Region moments: the input and the uint8 mask read once (512^3 int16: 403 MB, 95 us at
// 4.23 TB/s), one RegionMoments per chunk of 8192 voxels written.
#include "device_buffer.hpp"
#include "kernels/launch.cuh"
#include "kernels/region_growing.cuh"
#include "labeling_backends.hpp"
#include "region_growing_backends.hpp"

namespace medkern::cuda {

namespace {
template <class Policy, class T>
void launch_region_moments(const Context& context, const VolumeRef& input, const uint8_t* mask,
                           RegionMoments* partials) {
  const int64_t count = input.numel();
  const int64_t chunks = moment_chunks(count);
  kernels::region_moments<T, Policy::kMomentThreads>
      <<<grid_for(context, chunks * kMomentLanes, Policy::kMomentThreads,
                  Policy::kMomentBlocksPerSm),
         Policy::kMomentThreads, 0, stream_of(context)>>>(static_cast<const T*>(input.data), mask,
                                                          count, chunks, partials);
  cuda_check_launch("region_moments");
}
}  // namespace

void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components,
                            uint8_t* output) {
  DeviceGuard guard(context.device().ordinal);
  const cudaStream_t stream = stream_of(context);
  DeviceBuffer<uint8_t> seeded(context, components + 1);
  const DeviceBuffer<uint64_t> device_seeds =
      make_device_buffer(context, std::vector<uint64_t>(seeds.begin(), seeds.end()));
  cuda_check(cudaMemsetAsync(seeded.data(), 0, components + 1, stream), "cudaMemsetAsync");
  const int seed_count = int(seeds.size());
  const int threads = with_policy<RegionGrowingPolicy>(
      context, [](auto policy) { return decltype(policy)::kSeedThreads; });
  kernels::mark_seeded<<<(seed_count + threads - 1) / threads, threads, 0, stream>>>(
      labels, device_seeds.data(), seed_count, seeded.data());
  cuda_check_launch("mark_seeded");
  select_flagged_components(context, labels, seeded.data(), count, output);
}

void region_moments(const Context& context, const VolumeRef& input, const uint8_t* mask,
                    RegionMoments* partials) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<RegionGrowingPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    switch (input.dtype) {
      case DType::int16:
        return launch_region_moments<Policy, int16_t>(context, input, mask, partials);
      case DType::uint16:
        return launch_region_moments<Policy, uint16_t>(context, input, mask, partials);
      case DType::float32:
        return launch_region_moments<Policy, float>(context, input, mask, partials);
      default:
        throw_dtype_mismatch("input", DType::float32, input.dtype);
    }
  });
}

}  // namespace medkern::cuda
