// Launch configuration and dispatch of the median filter and the gradient anisotropic
// diffusion (device code in denoise.cuh).
//
// Bytes each op must move (at the 4.23 TB/s of a device-to-device copy on the H200):
// - median: the input once and the output once (same dtype). 512^3 float32: 537 MB + 537 MB
//   = 1.07 GB, 0.25 ms; int16: 0.54 GB, 0.13 ms. The window's values come from shared memory.
//   Work: r = 1 (27 values): sorted 3 x 3 planes marching along z, a merge shared by two
//   outputs and a two-list rank formula (denoise_backends.hpp), about 97 integer min/max per
//   voxel (1.3e10 for 512^3); other windows of up to 27 values: forgetful selection, about
//   400; r = 2, 3: bisection, (bits of the window's range) x (window size) comparisons per voxel.
// - anisotropic diffusion, n iterations: the cast of the input to float32 (read + write 4 B,
//   int16: 2 + 4 B), then per iteration the gradient average (read 4 B) and the step (read 4 B,
//   write 4 B). 512^3 float32, 5 iterations: 1.07 GB + 5 x 1.61 GB = 9.1 GB, 2.2 ms. Work:
//   6 double exp and about 150 double operations per voxel and iteration (ITK's arithmetic).
#include <algorithm>
#include <cstring>

#include "denoise_backends.hpp"
#include "device_buffer.hpp"
#include "kernels/denoise.cuh"
#include "kernels/launch.cuh"

namespace medkern::cuda {

namespace {

// The tiles of the median (but radius (1, 1, 1)) and of the diffusion step, and the
// diffusion's sums: the same under every DenoisePolicy.
constexpr int kTileX =
    shared_policy_value<DenoisePolicy>([](auto policy) { return decltype(policy)::kTileX; });
constexpr int kTileY =
    shared_policy_value<DenoisePolicy>([](auto policy) { return decltype(policy)::kTileY; });
constexpr int kTileZ =
    shared_policy_value<DenoisePolicy>([](auto policy) { return decltype(policy)::kTileZ; });
constexpr int kSumThreads =
    shared_policy_value<DenoisePolicy>([](auto policy) { return decltype(policy)::kSumThreads; });
constexpr int kSumBlocksPerSm = shared_policy_value<DenoisePolicy>(
    [](auto policy) { return decltype(policy)::kSumBlocksPerSm; });
// Grid-stride loops over tiles beyond this many blocks (gridDim.x may be up to 2^31 - 1).
constexpr int64_t kMaxTileBlocks = int64_t(1) << 30;

kernels::TileGeometry tile_geometry(const Shape3& shape, int halo_z, int halo_y, int halo_x,
                                    int tile_x = kTileX, int tile_y = kTileY, int tile_z = kTileZ) {
  kernels::TileGeometry g{};
  g.nz = shape[0];
  g.ny = shape[1];
  g.nx = shape[2];
  g.tiles_x = (g.nx + tile_x - 1) / tile_x;
  g.tiles_y = (g.ny + tile_y - 1) / tile_y;
  g.tiles = g.tiles_x * g.tiles_y * ((g.nz + tile_z - 1) / tile_z);
  g.halo_z = halo_z;
  g.halo_y = halo_y;
  g.halo_x = halo_x;
  g.pitch_x = tile_x + 2 * halo_x;
  g.pitch_y = tile_y + 2 * halo_y;
  g.depth = tile_z + 2 * halo_z;
  return g;
}

std::size_t tile_bytes(const kernels::TileGeometry& g, std::size_t value_size) {
  return std::size_t(g.pitch_x) * g.pitch_y * g.depth * value_size;
}

unsigned tile_blocks(const kernels::TileGeometry& g) {
  return static_cast<unsigned>(std::min(g.tiles, kMaxTileBlocks));
}

template <class T, int N>
void launch_median(const Context& context, const VolumeRef& input, const VolumeRef& output,
                   const kernels::TileGeometry& g, const kernels::MedianTable& table) {
  const dim3 block(kTileX, kTileY);
  kernels::median<T, N, kTileX, kTileY, kTileZ>
      <<<tile_blocks(g), block, tile_bytes(g, sizeof(uint32_t)), stream_of(context)>>>(
          static_cast<const T*>(input.data), static_cast<T*>(output.data), g, table);
  cuda_check_launch("median");
}

template <class Policy, class T>
void launch_median_cube(const Context& context, const VolumeRef& input, const VolumeRef& output) {
  constexpr int kCubeTileX = Policy::kCubeTileX, kCubeTileY = Policy::kCubeTileY;
  constexpr int kCubeTileZ = Policy::kCubeTileZ;
  const auto g = tile_geometry(input.shape, 1, 1, 1, kCubeTileX, kCubeTileY, kCubeTileZ);
  const dim3 block(kCubeTileX, kCubeTileY);
  kernels::median_cube<T, kCubeTileX, kCubeTileY, kCubeTileZ, Policy::kCubeMinBlocksPerSm>
      <<<tile_blocks(g), block, 0, stream_of(context)>>>(static_cast<const T*>(input.data),
                                                         static_cast<T*>(output.data), g);
  cuda_check_launch("median_cube");
}

template <class Policy, class T>
void median_typed(const Context& context, const VolumeRef& input, const VolumeRef& output,
                  const MedianWindow& window) {
  if (window.radius[0] == 1 && window.radius[1] == 1 && window.radius[2] == 1) {
    return launch_median_cube<Policy, T>(context, input, output);
  }
  const auto g = tile_geometry(input.shape, window.radius[0], window.radius[1], window.radius[2]);
  kernels::MedianTable table{};
  table.count = window.count;
  table.rank = window.rank;
  int t = 0;
  for (int axis = 0; axis < 3; ++axis) table.size[axis] = 2 * window.radius[axis] + 1;
  for (int dz = 0; dz < table.size[0]; ++dz)
    for (int dy = 0; dy < table.size[1]; ++dy)
      for (int dx = 0; dx < table.size[2]; ++dx)
        table.offset[t++] = static_cast<uint16_t>((dz * g.pitch_y + dy) * g.pitch_x + dx);
  visit_median_window(window.count, [&](auto n) {
    launch_median<T, decltype(n)::value>(context, input, output, g, table);
  });
}

template <class T>
void launch_to_float(const Context& context, const VolumeRef& input, float* output) {
  const int64_t count = input.numel();
  with_policy<DenoisePolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    kernels::to_float<<<grid_for(context, count, Policy::kCastThreads, Policy::kCastBlocksPerSm),
                        Policy::kCastThreads, 0, stream_of(context)>>>(
        static_cast<const T*>(input.data), output, count);
  });
  cuda_check_launch("to_float");
}

}  // namespace

void median(const Context& context, const VolumeRef& input, const VolumeRef& output,
            const MedianWindow& window) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<DenoisePolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    switch (input.dtype) {
      case DType::int16:
        return median_typed<Policy, int16_t>(context, input, output, window);
      case DType::uint16:
        return median_typed<Policy, uint16_t>(context, input, output, window);
      case DType::float32:
        return median_typed<Policy, float>(context, input, output, window);
      default:
        throw_dtype_mismatch("input", DType::float32, input.dtype);
    }
  });
}

double anisotropic_diffusion(const Context& context, const VolumeRef& input,
                             const VolumeRef& output, const AnisotropicDiffusionParams& params,
                             const DiffusionScales& scales) {
  DeviceGuard guard(context.device().ordinal);
  const cudaStream_t stream = stream_of(context);
  const int64_t count = input.numel();
  float* out = static_cast<float*>(output.data);
  auto cast_into = [&](float* target) {
    switch (input.dtype) {
      case DType::int16:
        return launch_to_float<int16_t>(context, input, target);
      case DType::uint16:
        return launch_to_float<uint16_t>(context, input, target);
      case DType::float32:
        return launch_to_float<float>(context, input, target);
      default:
        throw_dtype_mismatch("input", DType::float32, input.dtype);
    }
  };
  if (params.iterations == 0) {
    cast_into(out);
    return 0.0;
  }
  // Ping-pong between the output and a spare buffer, starting where the last step lands in
  // the output.
  Volume<float> spare(context, input.shape);
  float* buffers[2] = {out, spare.data()};
  int current = params.iterations % 2;
  cast_into(buffers[current]);

  const unsigned sum_blocks = grid_for(context, count, kSumThreads, kSumBlocksPerSm);
  DeviceBuffer<double> partials(context, sum_blocks);
  // The first iteration's average (what the caller checks), the later ones' (overwritten),
  // and the K of the current iteration: stream order keeps each step on its own K.
  DeviceBuffer<double> averages(context, 2);
  DeviceBuffer<float> k(context, 1);
  double* partial_sums = partials.data();
  double* average = averages.data();
  const auto g = tile_geometry(input.shape, 1, 1, 1);
  const dim3 block(kTileX, kTileY);
  for (int iteration = 0; iteration < params.iterations; ++iteration) {
    kernels::gradient_sums<kSumThreads><<<sum_blocks, kSumThreads, 0, stream>>>(
        buffers[current], g.nz, g.ny, g.nx, scales, partial_sums);
    cuda_check_launch("gradient_sums");
    kernels::diffusion_constant<kSumThreads>
        <<<1, kSumThreads, 0, stream>>>(partial_sums, int(sum_blocks), count, params.conductance,
                                        average + (iteration == 0 ? 0 : 1), k.data());
    cuda_check_launch("diffusion_constant");
    kernels::diffusion_step<kTileX, kTileY, kTileZ>
        <<<tile_blocks(g), block, tile_bytes(g, sizeof(float)), stream>>>(
            buffers[current], buffers[1 - current], g, scales, k.data(), params.time_step);
    cuda_check_launch("diffusion_step");
    current = 1 - current;
  }
  return read_back(context, average, "cudaMemcpyAsync");
}

}  // namespace medkern::cuda
