// Launch configuration and dispatch of the edge filters (device code in edges.cuh).
//
// Bytes each op must move, 512^3 float32 (n = 134 M voxels) at 2.98 TB/s:
// - sobel(axis), gradient_magnitude (sobel or central): the input read and the float32 output
//   written once, 8n = 1.07 GB, 360 us (int16 input: 6n, 270 us). One pass here: z-runs of
//   64 slices read 66 (3 % more, mostly from L2), the bands' halo rows and columns come
//   from L1/L2.
//   Goal on the H100: gradient magnitude (sobel) <= 0.8 ms.
// - canny: smoothing as gaussian (16n, two passes), the second derivative (4n read, 4n
//   written), the strength (8n read, 4n written), the weak mask (4n + 1n), labelling (at
//   the least 1n read, 4n written; its passes cost more, see labeling.cu), the strong
//   components (4n + 4n read, then 4n read and 1n written): about 63n = 8.5 GB, 2.8 ms.
#include <algorithm>

#include "device_buffer.hpp"
#include "dtype_dispatch.hpp"
#include "edges_backends.hpp"
#include "kernels/edges.cuh"
#include "kernels/launch.cuh"
#include "labeling_backends.hpp"

namespace medkern::cuda {

namespace {

// Gradient rows: blocks of one warp, 32 columns x 4 rows, z-runs of 64 slices (longer when
// the grid's z extent would exceed its limit), at least 16 blocks per SM (the register cap).
// Of the shapes in bench/filters_tuning.cu (2 to 8 rows, 8 to 24 blocks per SM, runs of 32
// to 128), 8 rows was the fastest by 4 % (0.530 vs 0.550 ms, H100, d00bb47) at 156 registers
// to 122, then 6 rows (0.537 ms); the others were within 1 % or slower.
constexpr int kGradientRowsPerLane = 4;
constexpr int64_t kGradientZRun = 64;
constexpr int kGradientBlocksPerSm = 16;
// Canny's per-voxel passes.
constexpr int kVoxelThreads = 256;
constexpr int kVoxelBlocksPerSm = 8;

template <class T, GradientOutput Output>
void launch_gradient(const Context& context, const T* input, float* output, const Shape3& shape,
                     const GradientSpec& spec) {
  const int64_t z_run = std::max(kGradientZRun, (shape[0] + kMaxGridZ - 1) / kMaxGridZ);
  const dim3 grid(
      static_cast<unsigned>((shape[2] + 31) / 32),
      capped_grid((shape[1] + kGradientRowsPerLane - 1) / kGradientRowsPerLane, kMaxGridY),
      static_cast<unsigned>((shape[0] + z_run - 1) / z_run));
  kernels::gradient_rows<T, Output, kGradientRowsPerLane, kGradientBlocksPerSm>
      <<<grid, 32, 0, stream_of(context)>>>(input, output, shape[0], shape[1], shape[2], z_run,
                                            spec);
  cuda_check_launch("gradient_rows");
}

unsigned voxel_grid(const Context& context, int64_t count) {
  return grid_for(context, count, kVoxelThreads, kVoxelBlocksPerSm);
}

}  // namespace

void gradient(const Context& context, const VolumeRef& input, float* output,
              const GradientSpec& spec) {
  DeviceGuard guard(context.device().ordinal);
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    const auto* data = static_cast<const T*>(input.data);
    switch (spec.output) {
      case GradientOutput::sobel_z:
        return launch_gradient<T, GradientOutput::sobel_z>(context, data, output, input.shape,
                                                           spec);
      case GradientOutput::sobel_y:
        return launch_gradient<T, GradientOutput::sobel_y>(context, data, output, input.shape,
                                                           spec);
      case GradientOutput::sobel_x:
        return launch_gradient<T, GradientOutput::sobel_x>(context, data, output, input.shape,
                                                           spec);
      case GradientOutput::sobel_magnitude:
        return launch_gradient<T, GradientOutput::sobel_magnitude>(context, data, output,
                                                                   input.shape, spec);
      case GradientOutput::central_magnitude:
        return launch_gradient<T, GradientOutput::central_magnitude>(context, data, output,
                                                                     input.shape, spec);
    }
  });
}

void canny_strength(const Context& context, const float* smoothed, const Shape3& shape, int ndim,
                    float* strength) {
  DeviceGuard guard(context.device().ordinal);
  const int64_t count = shape[0] * shape[1] * shape[2];
  Volume<float> second(context, shape);
  kernels::canny_second_derivative_pass<<<voxel_grid(context, count), kVoxelThreads, 0,
                                          stream_of(context)>>>(smoothed, second.data(), shape[0],
                                                                shape[1], shape[2], ndim);
  cuda_check_launch("canny_second_derivative_pass");
  kernels::
      canny_strength_pass<<<voxel_grid(context, count), kVoxelThreads, 0, stream_of(context)>>>(
          smoothed, second.data(), strength, shape[0], shape[1], shape[2], ndim);
  cuda_check_launch("canny_strength_pass");
}

void keep_strong_components(const Context& context, const int32_t* labels, const float* strength,
                            int64_t count, int64_t components, float high, uint8_t* output) {
  DeviceGuard guard(context.device().ordinal);
  DeviceBuffer<uint8_t> strong(context, components + 1);
  cuda_check(cudaMemsetAsync(strong.data(), 0, components + 1, stream_of(context)),
             "cudaMemsetAsync");
  kernels::
      flag_strong_components<<<voxel_grid(context, count), kVoxelThreads, 0, stream_of(context)>>>(
          labels, strength, count, high, strong.data());
  cuda_check_launch("flag_strong_components");
  select_flagged_components(context, labels, strong.data(), count, output);
}

}  // namespace medkern::cuda
