// Launch configuration and dispatch of separable smoothing (device code in gaussian.cuh).
//
// Bytes each op must move, 512^3 float32 (n = 134 M voxels), at the 4.23 TB/s of a
// device-to-device copy on the H200:
// - gaussian, the least: the input read and the float32 output written once, 8n = 1.07 GB,
//   254 us (int16 input: 6n, 190 us).
// - gaussian as run here, two passes in scipy's and ITK's order: z in registers (input read,
//   float32 written: 8n, 254 us), then y and x fused through shared memory (4n read, 4n
//   written: 254 us): 16n = 2.15 GB, 508 us. The halos are re-read mostly from L2 (the
//   float32 plane strip's, 1.125x its columns at radius 8; the runs', 2R / 64 of the run;
//   the double path's 32 x 32 tiles, 2.25x at radius 8). The double path sums in FP64, about
//   60 FMAs a voxel at radius 8 with the tile's halo rows (0.47 ms at sm_90's 17 T FP64
//   FMA/s, overlapping the memory traffic), each value converted to double once, at its
//   load. An axis with sigma 0 is skipped (z alone, or y and x alone: one pass, 254 us).
// - radii beyond the fast paths (x, y > 32; z > 16) take one global-memory pass per axis,
//   8n each, with (2r + 1) taps per voxel from L1/L2: correct, slower.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "device_buffer.hpp"
#include "dtype_dispatch.hpp"
#include "gaussian_backends.hpp"
#include "kernels/gaussian.cuh"
#include "kernels/launch.cuh"

namespace medkern::cuda {

namespace {

// Dynamic shared memory a kernel may use without opting in.
constexpr std::size_t kDefaultSharedBytes = 48 * 1024;

// The one-sided y and x weights in a plane kernel's parameters (PlaneWeights or
// PlaneWeights32); an axis that filters nothing gets the identity.
template <class Weights>
Weights plane_weights(const SeparableKernels& kernels) {
  Weights weights{};
  weights.rx = kernels.radius(2);
  weights.ry = kernels.radius(1);
  weights.x[0] = weights.y[0] = 1.0f;
  for (int k = 0; k <= weights.rx && kernels.filters(2); ++k) weights.x[k] = kernels.weights[2][k];
  for (int k = 0; k <= weights.ry && kernels.filters(1); ++k) weights.y[k] = kernels.weights[1][k];
  return weights;
}

template <class Policy, class T>
void launch_plane(const Context& context, const T* input, float* output, const Shape3& shape,
                  const SeparableKernels& kernels) {
  constexpr int kTileX = Policy::kTileX, kTileY = Policy::kTileY;
  const auto weights = plane_weights<kernels::PlaneWeights>(kernels);
  const int tile_h = kTileY + 2 * weights.ry, tile_w = kTileX + 2 * weights.rx;
  const std::size_t shared = std::size_t(tile_w) * (tile_h + kTileY) * sizeof(double);
  auto* kernel = &kernels::smooth_plane<T, kTileX, kTileY, Policy::kTileRows>;
  if (shared > kDefaultSharedBytes) {
    cuda_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(shared)),
               "cudaFuncSetAttribute");
  }
  const dim3 grid(static_cast<unsigned>((shape[2] + kTileX - 1) / kTileX),
                  capped_grid((shape[1] + kTileY - 1) / kTileY, kMaxGridY),
                  capped_grid(shape[0], kMaxGridZ));
  kernel<<<grid, dim3(kTileX, Policy::kTileRows), shared, stream_of(context)>>>(
      input, output, shape[0], shape[1], shape[2], weights);
  cuda_check_launch("smooth_plane");
}

template <class Policy, class T>
void launch_axis(const Context& context, const T* input, float* output, const Shape3& shape,
                 int axis, const std::vector<float>& weights) {
  const std::vector<float> identity{1.0f};
  const std::vector<float>& w = weights.empty() ? identity : weights;
  const DeviceBuffer<float> device_weights = make_device_buffer(context, w);
  const int64_t count = shape[0] * shape[1] * shape[2];
  constexpr int kThreads = Policy::kAxisThreads;
  kernels::smooth_axis<T><<<grid_for(context, count, kThreads, Policy::kAxisBlocksPerSm), kThreads,
                            0, stream_of(context)>>>(
      input, output, shape[0], shape[1], shape[2], axis, device_weights.data(), int(w.size()) - 1);
  cuda_check_launch("smooth_axis");
}

// The z pass at radius R: taps summed in double (bit for bit the CPU's) or, with Float32, in
// float32 (the fast path, radii <= kFloat32SumMaxRadius).
template <class Policy, class T, int R, bool Float32>
void launch_columns_with_radius(const Context& context, const T* input, float* output,
                                const Shape3& shape, const std::vector<float>& weights) {
  constexpr int kColumnThreads = Policy::kColumnThreads;
  constexpr int64_t kColumnRun = Policy::kColumnRun;
  const int64_t plane = shape[1] * shape[2];
  const int64_t runs = (shape[0] + kColumnRun - 1) / kColumnRun;
  const auto blocks = static_cast<unsigned>(runs * ((plane + kColumnThreads - 1) / kColumnThreads));
  if constexpr (Float32) {
    kernels::ColumnWeights32 w{};
    for (int k = 0; k <= R; ++k) w.w[k] = weights[k];
    kernels::smooth_columns32<T, R, Policy::kColumnUnroll32, kColumnThreads>
        <<<blocks, kColumnThreads, 0, stream_of(context)>>>(input, output, shape[0], plane, runs,
                                                            kColumnRun, w);
    cuda_check_launch("smooth_columns32");
  } else {
    kernels::ColumnWeights w{};
    for (int k = 0; k <= R; ++k) w.w[k] = weights[k];
    kernels::smooth_columns<T, R, Policy::kColumnUnroll, kColumnThreads>
        <<<blocks, kColumnThreads, 0, stream_of(context)>>>(input, output, shape[0], plane, runs,
                                                            kColumnRun, w);
    cuda_check_launch("smooth_columns");
  }
}

// Picks the compiled radius: R... are 0 .. (largest radius - 1).
template <class Policy, class T, bool Float32, int... R>
void launch_columns(std::integer_sequence<int, R...>, int radius, const Context& context,
                    const T* input, float* output, const Shape3& shape,
                    const std::vector<float>& weights) {
  using Launch =
      void (*)(const Context&, const T*, float*, const Shape3&, const std::vector<float>&);
  static constexpr Launch kByRadius[] = {&launch_columns_with_radius<Policy, T, R + 1, Float32>...};
  kByRadius[radius - 1](context, input, output, shape, weights);
}

template <class Policy, class T, int R>
void launch_plane32_with_radius(const Context& context, const T* input, float* output,
                                const Shape3& shape, const kernels::PlaneWeights32& weights) {
  constexpr int kPlaneStrip32 = Policy::kPlaneStrip32;
  constexpr int kPlaneRun32 = Policy::kPlaneRun32;
  using Strip = kernels::PlaneStrip32<R, kPlaneStrip32>;
  const int64_t strips = (shape[2] + kPlaneStrip32 - 1) / kPlaneStrip32;
  const int64_t runs = (shape[1] + kPlaneRun32 - 1) / kPlaneRun32;
  const dim3 grid(static_cast<unsigned>(strips * runs), capped_grid(shape[0], kMaxGridY));
  const bool vector_stores = shape[2] % 4 == 0 && aligned_to(output, 16);
  kernels::smooth_plane32<T, R, kPlaneStrip32, Policy::kPlaneRowsPerStep32>
      <<<grid, Strip::kThreads, 0, stream_of(context)>>>(
          input, output, shape[0], shape[1], shape[2], runs, kPlaneRun32, weights, vector_stores);
  cuda_check_launch("smooth_plane32");
}

// The plane pass in float32, compiled for radius classes 2, 4, 8 (the larger of ry, rx
// rounded up: taps beyond the runtime radii are skipped, at the cost of their issue slots).
template <class Policy, class T>
void launch_plane32(const Context& context, const T* input, float* output, const Shape3& shape,
                    const SeparableKernels& kernels) {
  const auto weights = plane_weights<kernels::PlaneWeights32>(kernels);
  const int radius = std::max(weights.rx, weights.ry);
  if (radius <= 2) {
    launch_plane32_with_radius<Policy, T, 2>(context, input, output, shape, weights);
  } else if (radius <= 4) {
    launch_plane32_with_radius<Policy, T, 4>(context, input, output, shape, weights);
  } else {
    static_assert(kFloat32SumMaxRadius == 8, "the radius classes end at the fast path's limit");
    launch_plane32_with_radius<Policy, T, 8>(context, input, output, shape, weights);
  }
}

// z: registers up to kMaxRegisterRadius, else one global pass.
template <class Policy, class T>
void smooth_z(const Context& context, const T* input, float* output, const Shape3& shape,
              const SeparableKernels& kernels) {
  const int rz = kernels.radius(0);
  if (rz <= kernels::kMaxRegisterRadius) {
    launch_columns<Policy, T, false>(std::make_integer_sequence<int, kernels::kMaxRegisterRadius>{},
                                     rz, context, input, output, shape, kernels.weights[0]);
  } else {
    launch_axis<Policy, T>(context, input, output, shape, 0, kernels.weights[0]);
  }
}

// y and x: the tile when both radii fit, else one global pass per axis.
template <class Policy, class T>
void smooth_in_plane(const Context& context, const T* input, float* output, const Shape3& shape,
                     const SeparableKernels& kernels) {
  if (kernels.radius(2) <= kernels::kMaxTileRadius &&
      kernels.radius(1) <= kernels::kMaxTileRadius) {
    launch_plane<Policy, T>(context, input, output, shape, kernels);
    return;
  }
  if (!kernels.filters(1)) {
    launch_axis<Policy, T>(context, input, output, shape, 2, kernels.weights[2]);
    return;
  }
  Volume<float> columns(context, shape);
  launch_axis<Policy, T>(context, input, columns.data(), shape, 1, kernels.weights[1]);
  launch_axis<Policy, float>(context, columns.data(), output, shape, 2, kernels.weights[2]);
}

template <class Policy>
void separable_smooth_with(const Context& context, const VolumeRef& input, float* output,
                           const SeparableKernels& kernels) {
  const Shape3& shape = input.shape;
  const bool z = kernels.filters(0), in_plane = kernels.filters(1) || kernels.filters(2);
  const bool float32 = kernels.float32_sums && kernels.radius(0) <= kFloat32SumMaxRadius &&
                       kernels.radius(1) <= kFloat32SumMaxRadius &&
                       kernels.radius(2) <= kFloat32SumMaxRadius;
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    const T* in = static_cast<const T*>(input.data);
    if (float32) {
      auto columns32 = [&](float* target) {
        launch_columns<Policy, T, true>(std::make_integer_sequence<int, kFloat32SumMaxRadius>{},
                                        kernels.radius(0), context, in, target, shape,
                                        kernels.weights[0]);
      };
      if (!z) {  // one pass (it converts when it filters nothing)
        launch_plane32<Policy, T>(context, in, output, shape, kernels);
      } else if (!in_plane) {
        columns32(output);
      } else {
        Volume<float> planes(context, shape);
        columns32(planes.data());
        launch_plane32<Policy, float>(context, planes.data(), output, shape, kernels);
      }
      return;
    }
    if (!z) {  // the in-plane pass reads the input (and converts it when it filters nothing)
      smooth_in_plane<Policy, T>(context, in, output, shape, kernels);
    } else if (!in_plane) {
      smooth_z<Policy, T>(context, in, output, shape, kernels);
    } else {
      Volume<float> planes(context, shape);
      smooth_z<Policy, T>(context, in, planes.data(), shape, kernels);
      smooth_in_plane<Policy, float>(context, planes.data(), output, shape, kernels);
    }
  });
}

}  // namespace

void separable_smooth(const Context& context, const VolumeRef& input, float* output,
                      const SeparableKernels& kernels) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<GaussianPolicy>(context, [&](auto policy) {
    separable_smooth_with<decltype(policy)>(context, input, output, kernels);
  });
}

}  // namespace medkern::cuda
