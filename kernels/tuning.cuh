// The launch constants of every op family (block shapes, tile sizes, items per thread, run
// lengths, thresholds for choosing a plan), one policy per family, apart from the device code
// (kernels/*.cuh) as CUB keeps its tuning policies apart from its agents, and chosen by the
// compute capability of the context's device.
//
// A family's policy XPolicy holds Sm90, Sm80 and Sm86_89, each a struct of static constexpr
// members; the launch code receives one of them as a template parameter from with_policy.
// Sm90 holds the values measured on sm_90, on an H100 (bench/filters_tuning.cu and the
// family benchmarks, bench/<family>_bench.cpp); the H200 has the same SM and more memory
// bandwidth, so a shape chosen for loads in flight may move there: TUNING=1 in
// scripts/gpu-check re-runs the comparison. Sm80 and Sm86_89 are estimates, not
// measurements: each is Sm90 itself where no value differs (so that nothing is compiled
// twice), or derives from it and restates only what differs. An estimate changes a
// template parameter of a kernel only where a second instantiation is worth its compile
// time; so far none does. What the estimates rest on, per SM:
//
//                     sm_80 (A100)   sm_86 / sm_89   sm_90 (H100, H200)
//   resident threads  2048           1536            2048
//   resident blocks   32             16 / 24         32
//   shared memory     164 KB         100 KB          228 KB
//   registers         64 K           64 K            64 K
//   FP64 rate         1/2 of FP32    1/64            1/2
//
// - Grid-stride kernels sized to fill every SM blocks_per_sm deep (grid_for) fill an H100 SM
//   with 8 blocks of 256 threads; an sm_86/89 SM holds 6 of them, so the estimate there is 6
//   (8 would leave a second, partial wave of 2 blocks an SM). Shallower grids (4 blocks of
//   256) fit every SM as they are.
// - Block shapes, tiles and unrolling are left as measured: registers per SM are the same,
//   and these shapes were chosen for loads in flight and instruction counts, which do not
//   depend on the architecture as much as on the kernel.
// - Where shared memory decides how many blocks an SM holds, the estimate keeps the number of
//   blocks the H100 value gives.
// - The float64 paths (the Gaussian's double sums, the diffusion's ITK arithmetic) are bound
//   by the FP64 rate on sm_86/89 whatever the shape; they keep the sm_90 shapes.
#pragma once

#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "cuda_check.hpp"
#include "medkern/context.hpp"

namespace medkern::cuda {

enum class TuningArch { sm80, sm86_89, sm90 };

// 8.0: sm80; the other 8.x (8.6, 8.7, 8.9: 1536 threads an SM): sm86_89; 9.0 and later (and
// anything this build cannot run on): sm90, the values measured last.
constexpr TuningArch tuning_arch_of(int major, int minor) {
  if (major == 8) return minor == 0 ? TuningArch::sm80 : TuningArch::sm86_89;
  return TuningArch::sm90;
}

// The tuning architecture of the context's device, looked up once per device.
inline TuningArch tuning_arch(const Context& context) {
  constexpr int kCachedDevices = 64;
  static std::atomic<int> cached[kCachedDevices];  // TuningArch + 1; 0 until looked up
  const int ordinal = context.device().ordinal;
  const bool cacheable = ordinal >= 0 && ordinal < kCachedDevices;
  if (cacheable) {
    const int known = cached[ordinal].load(std::memory_order_relaxed);
    if (known != 0) return static_cast<TuningArch>(known - 1);
  }
  int major = 0, minor = 0;
  cuda_check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ordinal),
             "cudaDeviceGetAttribute");
  cuda_check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, ordinal),
             "cudaDeviceGetAttribute");
  const TuningArch arch = tuning_arch_of(major, minor);
  if (cacheable) cached[ordinal].store(static_cast<int>(arch) + 1, std::memory_order_relaxed);
  return arch;
}

// f(P{}) with P the policy of Family (one of Family::Sm80, Sm86_89, Sm90) for the context's
// device; returns what f returns.
template <class Family, class F>
decltype(auto) with_policy(const Context& context, F&& f) {
  switch (tuning_arch(context)) {
    case TuningArch::sm80:
      return f(typename Family::Sm80{});
    case TuningArch::sm86_89:
      return f(typename Family::Sm86_89{});
    case TuningArch::sm90:
      break;
  }
  return f(typename Family::Sm90{});
}

// member(P{}) of Family's policies where every architecture has the same value, for launch
// code that names it as a constant without with_policy. An estimate that changes it stops
// the build here: that code must then go through with_policy.
template <class Family, class Member>
constexpr auto shared_policy_value(Member member) {
  const auto value = member(typename Family::Sm90{});
  if (member(typename Family::Sm80{}) != value || member(typename Family::Sm86_89{}) != value) {
    throw "the value differs between architectures: launch through with_policy";
  }
  return value;
}

// Threads an sm_86/89 SM holds (the grid-stride estimate above).
inline constexpr int kResidentThreadsSm86_89 = 1536;

// ------------------------------------------------------------------ calcium (calcium.cu)
struct CalciumPolicy {
  struct Sm90 {
    static constexpr int kMarkThreads = 256;
    static constexpr int kMarkBlocksPerSm = 8;
    static constexpr int kVoteThreads = 256;
    static constexpr int kVoteBlocksPerSm = 8;
    static constexpr int kLesionThreads = 256;
    static constexpr int kLesionBlocksPerSm = 4;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kMarkBlocksPerSm = kResidentThreadsSm86_89 / kMarkThreads;
    static constexpr int kVoteBlocksPerSm = kResidentThreadsSm86_89 / kVoteThreads;
  };
};

// ------------------------------------------------------------------ copy (copy.cu)
struct CopyPolicy {
  struct Sm90 {
    static constexpr int kThreads = 256;
    static constexpr int kBlocksPerSm = 8;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kBlocksPerSm = kResidentThreadsSm86_89 / kThreads;
    static constexpr std::size_t kTileMaxSharedBytes = 99 * 1024;
  };
};

// ------------------------------------------------------------------ denoise (denoise.cu)
struct DenoisePolicy {
  struct Sm90 {
    // Median (any window but radius (1, 1, 1)) and diffusion step: outputs per block, 32 x 8
    // threads, each 8 outputs along z.
    static constexpr int kTileX = 32;
    static constexpr int kTileY = 8;
    static constexpr int kTileZ = 8;
    // Median of radius (1, 1, 1) (median_cube): 32 x 8 threads, each 16 outputs along z;
    // the tile is 18 x 10 x 34 keys = 24 KiB. Longer marches cost fewer plane sorts per
    // output ((TileZ + 2) / TileZ) and fewer tile loads ((TileZ + 2) / TileZ slices), not
    // registers.
    static constexpr int kCubeTileX = 32;
    static constexpr int kCubeTileY = 8;
    static constexpr int kCubeTileZ = 16;
    // Resident blocks asked of ptxas: 3 x 256 threads caps the registers at 85 per thread.
    static constexpr int kCubeMinBlocksPerSm = 3;
    // The cast to float32, and the per-block sums of the gradient average.
    static constexpr int kCastThreads = 256;
    static constexpr int kCastBlocksPerSm = 8;
    static constexpr int kSumThreads = 256;
    static constexpr int kSumBlocksPerSm = 4;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kCastBlocksPerSm = kResidentThreadsSm86_89 / kCastThreads;
  };
};

// ------------------------------------------------------------------ edges (edges.cu)
struct EdgesPolicy {
  struct Sm90 {
    // Gradient rows: blocks of one warp, 32 columns x 4 rows, z-runs of 64 slices (longer
    // when the grid's z extent would exceed its limit), at least 16 blocks per SM (the
    // register cap). Of the shapes in bench/filters_tuning.cu (2 to 8 rows, 8 to 24 blocks
    // per SM, runs of 32 to 128), 8 rows was the fastest by 4 % (0.530 vs 0.550 ms,
    // H100) at 156 registers to 122, then 6 rows (0.537 ms); the others were within 1 %
    // or slower.
    static constexpr int kGradientRowsPerLane = 4;
    static constexpr int64_t kGradientZRun = 64;
    static constexpr int kGradientBlocksPerSm = 16;
    // Canny's per-voxel passes.
    static constexpr int kVoxelThreads = 256;
    static constexpr int kVoxelBlocksPerSm = 8;
  };
  // 16 one-warp blocks an SM is also the most an sm_86 SM holds, and the register cap it
  // asks (128 a thread) is the same everywhere.
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kVoxelBlocksPerSm = kResidentThreadsSm86_89 / kVoxelThreads;
  };
};

// ------------------------------------------------------------------ gaussian (gaussian.cu)
struct GaussianPolicy {
  struct Sm90 {
    // In-plane tile (double sums): 32 x 32 outputs, 32 x 8 threads (each thread 4 outputs).
    // Shared memory, in doubles: 30 KiB at radius 8, 96 KiB at the largest radius, ((32 +
    // 64)^2 + 32 * (32 + 64)) * 8 bytes, which every SM here gives one block.
    static constexpr int kTileX = 32;
    static constexpr int kTileY = 32;
    static constexpr int kTileRows = 8;
    // Columns: 256 threads, each walks 64 slices with 4 loads in flight (double sums) or 8
    // (float32 sums: the float window is cheap; the pass is memory-bound).
    static constexpr int kColumnThreads = 256;
    static constexpr int kColumnRun = 64;
    static constexpr int kColumnUnroll = 4;
    static constexpr int kColumnUnroll32 = 8;
    // float32 plane pass: strips of 128 output columns (160 threads: the strip and its halo,
    // 1.1x the strip's columns loaded at radius 8), runs of 128 rows (2R / 128 of the rows
    // loaded twice; runs of 64 were 3 % / 7 % slower at radius 4 / 8 in
    // bench/filters_tuning.cu, H100), 10 rows a step (10 loads in flight per
    // thread; the x sums of a step are two rounds of the block's 5 warps, a warp per row);
    // shared memory 2 x 10 rows x 144 floats, 11.5 KiB.
    static constexpr int kPlaneStrip32 = 128;
    static constexpr int kPlaneRun32 = 128;
    static constexpr int kPlaneRowsPerStep32 = 10;
    // Global-memory fallback (radii beyond the fast paths).
    static constexpr int kAxisThreads = 256;
    static constexpr int kAxisBlocksPerSm = 8;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kAxisBlocksPerSm = kResidentThreadsSm86_89 / kAxisThreads;
  };
};

// ------------------------------------------------------------------ histogram (histogram.cu)
struct HistogramPolicy {
  struct Sm90 {
    static constexpr int kThreads = 512;
    // Shared memory a block aims to use for its private histograms; more replicas spread
    // contention but leave room for fewer resident blocks: at 64 KiB (and the 1 KiB the
    // runtime keeps per block) an H100 SM holds 3 blocks, 1536 of its 2048 threads.
    static constexpr int kSharedBytesTarget = 64 * 1024;
    static constexpr int kMaxReplicas = 8;
    // Counts in global memory.
    static constexpr int kGlobalBlocksPerSm = 4;
  };
  // Three blocks an SM, as on the H100: 164 KB holds 3 x (48 + 1) KiB.
  struct Sm80 : Sm90 {
    static constexpr int kSharedBytesTarget = 48 * 1024;
  };
  // Three blocks an SM (all its 1536 threads): 100 KB holds 3 x (32 + 1) KiB, not two of
  // 64 KiB.
  struct Sm86_89 : Sm90 {
    static constexpr int kSharedBytesTarget = 32 * 1024;
    static constexpr int kGlobalBlocksPerSm = kResidentThreadsSm86_89 / kThreads;
  };
};

// ------------------------------------------------------------------ label statistics
// (label_statistics.cu)
struct LabelStatisticsPolicy {
  struct Sm90 {
    static constexpr int kThreads = 256;
    static constexpr int kVoxelsPerLane = 16;
    static constexpr int kBlocksPerSm = 8;
    static constexpr int kClearThreads = 256;
    static constexpr int kClearBlocksPerSm = 4;
    // Label tables up to this size are accumulated per block in shared memory first (48 KiB
    // needs no opt-in on any architecture: 512 labels of 96 bytes).
    static constexpr int64_t kSharedTableBytes = 48 * 1024;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kBlocksPerSm = kResidentThreadsSm86_89 / kThreads;
    static constexpr std::size_t kTileMaxSharedBytes = 99 * 1024;
  };
};

// ------------------------------------------------------------------ labelling (labeling.cu)
struct LabelingPolicy {
  struct Sm90 {
    // Tiles of 4096 nodes: 32 KiB of shared memory per block (parents and node contents),
    // so four blocks fit an SM (an sm_86/89 SM: two). Larger tiles leave fewer faces to join
    // in global memory. 3-D: 16 x 16 x 16 nodes; per slice: 1 x 64 x 64.
    static constexpr int kTileNodes = 16;
    static constexpr int kSliceTileNodes = 64;
    // Threads per tile block: 8 nodes each.
    static constexpr int kTileThreads = 512;
    // Threads per block of the join over tile faces.
    static constexpr int kJoinThreads = 256;
    // The last pass (a grid-stride stream over the labels, int4 loads and stores where
    // aligned), and the selection of flagged components (labels read, a byte written).
    static constexpr int kNumberThreads = 256;
    static constexpr int kNumberBlocksPerSm = 8;
    static constexpr int kSelectThreads = 256;
    static constexpr int kSelectBlocksPerSm = 8;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kNumberBlocksPerSm = kResidentThreadsSm86_89 / kNumberThreads;
    static constexpr int kSelectBlocksPerSm = kResidentThreadsSm86_89 / kSelectThreads;
  };
};

// ------------------------------------------------------------------ min / max (reduce.cu)
struct ReducePolicy {
  struct Sm90 {
    static constexpr int kThreads = 256;
    static constexpr int kBlocksPerSm = 4;
  };
  using Sm80 = Sm90;
  using Sm86_89 = Sm90;  // 1024 threads an SM fit every SM
};

// ------------------------------------------------------------------ perfusion (perfusion.cu)
// perfusion_maps: one thread a voxel in a grid-stride loop; each resident thread owns a slice
// of a scratch buffer, so the grid is no larger than the device holds at once.
struct PerfusionPolicy {
  struct Sm90 {
    static constexpr int kThreads = 256;
    static constexpr int kBlocksPerSm = 8;
    // perfusion_maps_fixed: voxels a thread computes at once and rows of their residues it
    // holds in registers at once (kFixedVoxels * kRowBlock accumulators); operator and curves
    // in shared memory: 48 KB a block at 40 uniform frames.
    static constexpr int kFixedThreads = 128;
    static constexpr int kFixedVoxels = 2;
    static constexpr int kFixedBlocksPerSm = 4;
    static constexpr int kRowBlock = 16;
    // perfusion_maps_oscillation: one voxel a thread (its residue in shared memory).
    static constexpr int kOscillationThreads = 128;
    static constexpr int kOscillationBlocksPerSm = 2;
    // The tiled kernels' largest block (sm_90 and sm_80 allow 227 and 163 KB): longer series
    // go to perfusion_maps.
    static constexpr std::size_t kTileMaxSharedBytes = 160 * 1024;
    // time_intensity_sums: a warp per 32 voxels, grid-stride.
    static constexpr int kCurveThreads = 256;
    static constexpr int kCurveBlocksPerSm = 8;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kBlocksPerSm = kResidentThreadsSm86_89 / kThreads;
    static constexpr int kCurveBlocksPerSm = kResidentThreadsSm86_89 / kCurveThreads;
    static constexpr std::size_t kTileMaxSharedBytes = 99 * 1024;
  };
};

// ------------------------------------------------------------------ region growing
// (region_growing.cu)
struct RegionGrowingPolicy {
  struct Sm90 {
    static constexpr int kMomentThreads = 256;
    static constexpr int kMomentBlocksPerSm = 8;
    static constexpr int kSeedThreads = 256;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kMomentBlocksPerSm = kResidentThreadsSm86_89 / kMomentThreads;
  };
};

// ------------------------------------------------------------------ threshold (threshold.cu)
struct ThresholdPolicy {
  struct Sm90 {
    static constexpr int kThreads = 256;
    static constexpr int kBlocksPerSm = 8;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kBlocksPerSm = kResidentThreadsSm86_89 / kThreads;
    static constexpr std::size_t kTileMaxSharedBytes = 99 * 1024;
  };
};

// ------------------------------------------------------------------ watershed (watershed.cu)
// The relaxation's tile (kernels::RelaxTile, 8^3 voxels, one thread each) is part of its
// device code.
struct WatershedPolicy {
  struct Sm90 {
    static constexpr int kPointwiseThreads = 256;
    static constexpr int kPointwiseBlocksPerSm = 8;
  };
  using Sm80 = Sm90;
  struct Sm86_89 : Sm90 {
    static constexpr int kPointwiseBlocksPerSm = kResidentThreadsSm86_89 / kPointwiseThreads;
  };
};

}  // namespace medkern::cuda
