// Launch configuration and dispatch of the edge filters (device code in edges.cuh).
//
// Bytes each op must move, 512^3 float32 (n = 134 M voxels), at the 4.23 TB/s of a
// device-to-device copy on the H200:
// - sobel(axis), gradient_magnitude (sobel or central): the input read and the float32 output
//   written once, 8n = 1.07 GB, 254 us (int16 input: 6n, 190 us). One pass here: z-runs of
//   64 slices read 66 (3 % more, mostly from L2), the bands' halo rows and columns come
//   from L1/L2.
// - canny: smoothing as gaussian (16n, two passes), the second derivative (4n read, 4n
//   written), the strength (8n read, 4n written), the weak mask (4n + 1n), labelling (at
//   the least 1n read, 4n written; its passes cost more, see labeling.cu), the strong
//   components (4n + 4n read, then 4n read and 1n written): about 63n = 8.5 GB, 2.0 ms.
#include <algorithm>

#include "device_buffer.hpp"
#include "dtype_dispatch.hpp"
#include "edges_backends.hpp"
#include "kernels/edges.cuh"
#include "kernels/launch.cuh"
#include "labeling_backends.hpp"

namespace medkern::cuda {

namespace {

template <class Policy, class T, GradientOutput Output>
void launch_gradient(const Context& context, const T* input, float* output, const Shape3& shape,
                     const GradientSpec& spec) {
  constexpr int kRows = Policy::kGradientRowsPerLane;
  const int64_t z_run = std::max(Policy::kGradientZRun, (shape[0] + kMaxGridZ - 1) / kMaxGridZ);
  const dim3 grid(static_cast<unsigned>((shape[2] + 31) / 32),
                  capped_grid((shape[1] + kRows - 1) / kRows, kMaxGridY),
                  static_cast<unsigned>((shape[0] + z_run - 1) / z_run));
  kernels::gradient_rows<T, Output, kRows, Policy::kGradientBlocksPerSm>
      <<<grid, 32, 0, stream_of(context)>>>(input, output, shape[0], shape[1], shape[2], z_run,
                                            spec);
  cuda_check_launch("gradient_rows");
}

// Grid and block of Canny's per-voxel passes over `count` voxels.
struct VoxelLaunch {
  unsigned grid;
  int threads;
};
VoxelLaunch voxel_launch(const Context& context, int64_t count) {
  return with_policy<EdgesPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    return VoxelLaunch{grid_for(context, count, Policy::kVoxelThreads, Policy::kVoxelBlocksPerSm),
                       Policy::kVoxelThreads};
  });
}

}  // namespace

void gradient(const Context& context, const VolumeRef& input, float* output,
              const GradientSpec& spec) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<EdgesPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    visit_image_dtype(input.dtype, [&](auto type) {
      using T = decltype(type);
      const auto* data = static_cast<const T*>(input.data);
      auto launch = [&](auto output_kind) {
        launch_gradient<Policy, T, decltype(output_kind)::value>(context, data, output, input.shape,
                                                                 spec);
      };
      switch (spec.output) {
        case GradientOutput::sobel_z:
          return launch(std::integral_constant<GradientOutput, GradientOutput::sobel_z>{});
        case GradientOutput::sobel_y:
          return launch(std::integral_constant<GradientOutput, GradientOutput::sobel_y>{});
        case GradientOutput::sobel_x:
          return launch(std::integral_constant<GradientOutput, GradientOutput::sobel_x>{});
        case GradientOutput::sobel_magnitude:
          return launch(std::integral_constant<GradientOutput, GradientOutput::sobel_magnitude>{});
        case GradientOutput::central_magnitude:
          return launch(
              std::integral_constant<GradientOutput, GradientOutput::central_magnitude>{});
      }
    });
  });
}

void canny_strength(const Context& context, const float* smoothed, const Shape3& shape, int ndim,
                    float* strength) {
  DeviceGuard guard(context.device().ordinal);
  const int64_t count = shape[0] * shape[1] * shape[2];
  Volume<float> second(context, shape);
  const VoxelLaunch voxels = voxel_launch(context, count);
  kernels::canny_second_derivative_pass<<<voxels.grid, voxels.threads, 0, stream_of(context)>>>(
      smoothed, second.data(), shape[0], shape[1], shape[2], ndim);
  cuda_check_launch("canny_second_derivative_pass");
  kernels::canny_strength_pass<<<voxels.grid, voxels.threads, 0, stream_of(context)>>>(
      smoothed, second.data(), strength, shape[0], shape[1], shape[2], ndim);
  cuda_check_launch("canny_strength_pass");
}

void keep_strong_components(const Context& context, const int32_t* labels, const float* strength,
                            int64_t count, int64_t components, float high, uint8_t* output) {
  DeviceGuard guard(context.device().ordinal);
  DeviceBuffer<uint8_t> strong(context, components + 1);
  cuda_check(cudaMemsetAsync(strong.data(), 0, components + 1, stream_of(context)),
             "cudaMemsetAsync");
  const VoxelLaunch voxels = voxel_launch(context, count);
  kernels::flag_strong_components<<<voxels.grid, voxels.threads, 0, stream_of(context)>>>(
      labels, strength, count, high, strong.data());
  cuda_check_launch("flag_strong_components");
  select_flagged_components(context, labels, strong.data(), count, output);
}

}  // namespace medkern::cuda
