// Launch and dispatch of the seed selection of region growing (device code in
// region_growing.cuh). Bytes: int32 labels read, uint8 output written.
#include "backends.hpp"
#include "kernels/launch.cuh"
#include "kernels/region_growing.cuh"

namespace medkern::cuda {

namespace {
constexpr int kSelectThreads = 256;
constexpr int kSelectBlocksPerSm = 8;
}  // namespace

void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components,
                            uint8_t* output) {
  DeviceGuard guard(context.device().ordinal);
  const cudaStream_t stream = stream_of(context);
  Volume<uint8_t> seeded(context, Shape3{1, 1, components + 1});
  const std::vector<uint64_t> seed_indices(seeds.begin(), seeds.end());
  Volume<uint64_t> device_seeds(context, Shape3{1, 1, int64_t(seeds.size())});
  cuda_check(cudaMemsetAsync(seeded.data(), 0, components + 1, stream), "cudaMemsetAsync");
  medkern::copy(context, make_view(seed_indices.data(), Shape3{1, 1, int64_t(seeds.size())}),
                device_seeds);
  const int seed_count = int(seeds.size());
  kernels::mark_seeded<<<(seed_count + 255) / 256, 256, 0, stream>>>(labels, device_seeds.data(),
                                                                     seed_count, seeded.data());
  cuda_check_launch("mark_seeded");
  kernels::select_seeded<<<grid_for(context, count, kSelectThreads, kSelectBlocksPerSm),
                           kSelectThreads, 0, stream>>>(labels, seeded.data(), count, output);
  cuda_check_launch("select_seeded");
}

}  // namespace medkern::cuda
