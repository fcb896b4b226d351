// Launch configuration and dispatch of the perfusion maps (device code in perfusion.cuh).
//
// Bytes it must move: the series once and the seven maps once, e.g. 40 x 320 x 256 x 256
// float32 = 3.36 GB + 21 M voxels x 25 bytes = 0.52 GB, 0.92 ms at 4.23 TB/s. Arithmetic:
// the fixed methods take n^2 multiply-adds a voxel (40 frames: 1,600, 3.4e10 in all, 1.0 ms
// at the H200's 33.5 T FMA/s of FP32), and the curve and its peak some 25 operations a
// frame more, so the maps are bound by the FMA units before memory.
//
// Three kernels: perfusion_maps_fixed for the fixed methods and perfusion_maps_oscillation
// for osvd, each with its operators and its voxels' curves in shared memory, the residues in
// registers a block of rows at a time; and perfusion_maps, one thread a voxel with its
// scratch in global memory, for series too long for the others' shared memory.
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

// The most dynamic shared memory a tiled kernel may take on the context's device: the
// policy's bound, or less where the device allows less (a newer architecture running an
// older policy).
template <class Policy>
std::size_t tile_shared_limit(const Context& context) {
  int optin = 0;
  cuda_check(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin,
                                    context.device().ordinal),
             "cudaDeviceGetAttribute");
  return std::min<std::size_t>(Policy::kTileMaxSharedBytes, std::size_t(optin));
}

// A tiled kernel with `shared` bytes of dynamic shared memory, Voxels voxels a thread. The
// kernel's limit is set to `limit`, the same for every plan, so that host threads launching
// it with different plans never lower it under one another.
template <int Threads, int Voxels, class Kernel, class T>
void launch_tiled(const Context& context, Kernel kernel, std::size_t shared, std::size_t limit,
                  int blocks_per_sm, const SeriesRef& series, const VolumeRef* mask,
                  const PerfusionPlan& plan, const PerfusionMapsRef& maps, const char* name) {
  cuda_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(limit)),
             name);
  const int64_t voxels = series.first.numel();
  const unsigned grid = grid_for(context, (voxels + Voxels - 1) / Voxels, Threads, blocks_per_sm);
  kernel<<<grid, Threads, shared, stream_of(context)>>>(
      static_cast<const T*>(series.first.data), voxels,
      mask ? static_cast<const uint8_t*>(mask->data) : nullptr, plan, pointers_of(maps));
  cuda_check_launch(name);
}

template <class Policy, class T>
void launch(const Context& context, const SeriesRef& series, const VolumeRef* mask,
            const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  const std::size_t limit = tile_shared_limit<Policy>(context);
  if (plan.oscillation) {
    using Tile = kernels::OscillationTile<Policy::kOscillationThreads>;
    const std::size_t shared = Tile::shared_bytes(plan);
    if (shared <= limit) {
      const auto kernel = kernels::perfusion_maps_oscillation<T, Policy::kOscillationThreads>;
      return launch_tiled<Policy::kOscillationThreads, 1, decltype(kernel), T>(
          context, kernel, shared, limit, Policy::kOscillationBlocksPerSm, series, mask, plan, maps,
          "perfusion_maps_oscillation");
    }
  } else {
    using Tile = kernels::FixedTile<Policy::kFixedThreads, Policy::kFixedVoxels>;
    const std::size_t shared = Tile::shared_bytes(plan);
    if (shared <= limit) {
      const auto kernel = kernels::perfusion_maps_fixed<T, Policy::kFixedThreads,
                                                        Policy::kFixedVoxels, Policy::kRowBlock>;
      return launch_tiled<Policy::kFixedThreads, Policy::kFixedVoxels, decltype(kernel), T>(
          context, kernel, shared, limit, Policy::kFixedBlocksPerSm, series, mask, plan, maps,
          "perfusion_maps_fixed");
    }
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

void time_intensity_sums(const Context& context, const SeriesRef& series, const VolumeRef& labels,
                         const int32_t* row_of, int64_t max_label, const CurveSumTables& sums) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<PerfusionPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    const int64_t voxels = series.first.numel();
    const unsigned grid =
        grid_for(context, voxels, Policy::kCurveThreads, Policy::kCurveBlocksPerSm);
    const auto run = [&](auto value, auto label) {
      using T = decltype(value);
      using L = decltype(label);
      kernels::time_intensity_sums<T, L><<<grid, Policy::kCurveThreads, 0, stream_of(context)>>>(
          static_cast<const T*>(series.first.data), voxels, int32_t(series.frames),
          static_cast<const L*>(labels.data), row_of, max_label, sums);
      cuda_check_launch("time_intensity_sums");
    };
    const auto with_labels = [&](auto value) {
      if (labels.dtype == DType::uint8) return run(value, uint8_t{});
      return run(value, int32_t{});
    };
    switch (series.first.dtype) {
      case DType::int16:
        return with_labels(int16_t{});
      case DType::uint16:
        return with_labels(uint16_t{});
      case DType::float32:
        return with_labels(float{});
      default:
        throw_dtype_mismatch("series", DType::float32, series.first.dtype);
    }
  });
}

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
