#include <omp.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "dtype_dispatch.hpp"
#include "perfusion_backends.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// Voxels of a row taken at once: their curves lie interleaved (voxel b's sample u at
// u * kVoxelBlock + b), so that the residues' inner loops run across the voxels, in vector
// registers, each voxel still summing its products in the order of fixed_residue_peak and
// oscillation_residue_peak (the results are the same to the bit).
constexpr int64_t kVoxelBlock = 16;

struct MapViews {
  VolumeView<float> cbf, cbv, mtt, tmax, ttp, arrival;
  VolumeView<uint8_t> valid;

  explicit MapViews(const PerfusionMapsRef& maps)
      : cbf(maps.cbf.as<float>("cbf")),
        cbv(maps.cbv.as<float>("cbv")),
        mtt(maps.mtt.as<float>("mtt")),
        tmax(maps.tmax.as<float>("tmax")),
        ttp(maps.ttp.as<float>("ttp")),
        arrival(maps.arrival.as<float>("arrival")),
        valid(maps.valid.as<uint8_t>("valid")) {}

  void store(int64_t z, int64_t y, int64_t x, const PerfusionVoxel& out) const {
    cbf(z, y, x) = out.cbf;
    cbv(z, y, x) = out.cbv;
    mtt(z, y, x) = out.mtt;
    tmax(z, y, x) = out.tmax;
    ttp(z, y, x) = out.ttp;
    arrival(z, y, x) = out.arrival;
    valid(z, y, x) = out.valid;
  }
};

// Rows of the residue computed at once: kRowGroup x kVoxelBlock sums in registers (eight
// AVX2 registers), each operator value and grid vector loaded once for them all.
constexpr int32_t kRowGroup = 4;
// Eight floats (GCC's vector extension): one AVX2 register, or two SSE ones.
using Lanes = float __attribute__((vector_size(32)));
using UnalignedLanes = float __attribute__((vector_size(32), aligned(4)));
constexpr int64_t kLanes = 8;
static_assert(kVoxelBlock % kLanes == 0);

inline UnalignedLanes& lanes_at(float* at) {
  return *reinterpret_cast<UnalignedLanes*>(at);
}
inline const UnalignedLanes& lanes_at(const float* at) {
  return *reinterpret_cast<const UnalignedLanes*>(at);
}

// The bodies below are compiled twice: for AVX2, chosen at run time where the CPU has it,
// and for the baseline instruction set. Without FMA either way: the same results.
#if defined(__x86_64__) && defined(__GNUC__)
#define MEDKERN_AVX2_CLONES 1
bool has_avx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}
#endif

// The residues of a block of voxels (grid: samples x kVoxelBlock, interleaved), row by row
// into the voxels' peak trackers. Products and sums rounded on their own and in the order
// of fixed_residue_peak: the same to the bit whatever the instruction set.
[[gnu::always_inline]] inline void residue_rows_body(const float* inverse, int32_t n,
                                                     const float* grid, PeakTracker* tracker) {
  constexpr int64_t kVectors = kVoxelBlock / kLanes;
  for (int32_t i0 = 0; i0 < n; i0 += kRowGroup) {
    const int32_t rows = std::min(kRowGroup, n - i0);
    // Past the last row, the group repeats it (its sums unused).
    const float* row[kRowGroup];
    for (int32_t r = 0; r < kRowGroup; ++r) row[r] = inverse + (i0 + std::min(r, rows - 1)) * n;
    Lanes f[kRowGroup][kVectors] = {};
    for (int32_t u = 0; u < n; ++u) {
      Lanes g[kVectors];
      for (int64_t q = 0; q < kVectors; ++q) {
        g[q] = lanes_at(grid + u * kVoxelBlock + q * kLanes);
      }
#pragma GCC unroll 4
      for (int32_t r = 0; r < kRowGroup; ++r) {
        const float p = row[r][u];
#pragma GCC unroll 2
        for (int64_t q = 0; q < kVectors; ++q) f[r][q] = f[r][q] + p * g[q];
      }
    }
    for (int32_t r = 0; r < rows; ++r) {
      float sums[kVoxelBlock];
      std::memcpy(sums, f[r], sizeof(sums));
      for (int64_t b = 0; b < kVoxelBlock; ++b) tracker[b].add(sums[b]);
    }
  }
}

#if MEDKERN_AVX2_CLONES
[[gnu::target("avx2")]] void residue_rows_avx2(const float* inverse, int32_t n, const float* grid,
                                               PeakTracker* tracker) {
  residue_rows_body(inverse, n, grid, tracker);
}
#endif

void residue_rows(const float* inverse, int32_t n, const float* grid, PeakTracker* tracker) {
#if MEDKERN_AVX2_CLONES
  if (has_avx2()) return residue_rows_avx2(inverse, n, grid, tracker);
#endif
  residue_rows_body(inverse, n, grid, tracker);
}

// osvd, a block of voxels (grid: samples x kVoxelBlock, interleaved; y: rank x kVoxelBlock
// and f: residue_length x kVoxelBlock of scratch): oscillation_residue_peak's arithmetic,
// across the voxels, the same to the bit.
[[gnu::always_inline]] inline void oscillation_peaks_body(const PerfusionPlan& plan,
                                                          const float* grid, float* y, float* f,
                                                          ResiduePeak* best) {
  constexpr int64_t kVectors = kVoxelBlock / kLanes;
  const int32_t n = plan.samples, m = plan.residue_length;
  for (int32_t k = 0; k < plan.rank; ++k) {
    const float* row = plan.u_t + int64_t(k) * n;
    Lanes sum[kVectors] = {};
    for (int32_t u = 0; u < n; ++u) {
      for (int64_t q = 0; q < kVectors; ++q) {
        sum[q] = sum[q] + row[u] * lanes_at(grid + u * kVoxelBlock + q * kLanes);
      }
    }
    for (int64_t q = 0; q < kVectors; ++q) lanes_at(y + k * kVoxelBlock + q * kLanes) = sum[q];
  }
  std::fill(f, f + int64_t(m) * kVoxelBlock, 0.0f);
  bool chosen[kVoxelBlock] = {};
  int32_t added = 0;
  for (int32_t j = 0; j < kOscillationCandidates; ++j) {
    const int32_t rank = plan.candidate_rank[j];
    if (rank == added) continue;
    for (; added < rank; ++added) {
      Lanes yk[kVectors];
      for (int64_t q = 0; q < kVectors; ++q) yk[q] = lanes_at(y + added * kVoxelBlock + q * kLanes);
      for (int32_t i = 0; i < m; ++i) {
        const float v = plan.v_scaled[int64_t(i) * plan.rank + added];
        for (int64_t q = 0; q < kVectors; ++q) {
          UnalignedLanes& fi = lanes_at(f + i * kVoxelBlock + q * kLanes);
          fi = fi + v * yk[q];
        }
      }
    }
    // residue_peak's first largest sample over the first n, and oscillation_of's sum.
    using Indices = int32_t __attribute__((vector_size(32)));
    Lanes peak[kVectors], sum[kVectors] = {};
    Indices at[kVectors] = {};
    for (int64_t q = 0; q < kVectors; ++q) peak[q] = lanes_at(f + q * kLanes);
    for (int32_t i = 1; i < n; ++i) {
      for (int64_t q = 0; q < kVectors; ++q) {
        const Lanes fi = lanes_at(f + i * kVoxelBlock + q * kLanes);
        const Indices larger = fi > peak[q];
        peak[q] = larger ? fi : peak[q];
        at[q] = larger ? Indices{} + i : at[q];
      }
    }
    for (int32_t i = 2; i < m; ++i) {
      for (int64_t q = 0; q < kVectors; ++q) {
        const int64_t o = i * kVoxelBlock + q * kLanes;
        const Lanes d = (lanes_at(f + o) - 2.0f * lanes_at(f + o - kVoxelBlock)) +
                        lanes_at(f + o - 2 * kVoxelBlock);
        sum[q] = sum[q] + (d < 0.0f ? -d : d);
      }
    }
    for (int64_t b = 0; b < kVoxelBlock; ++b) {
      const int64_t q = b / kLanes, l = b % kLanes;
      const int32_t i = at[q][l];
      const float value = peak[q][l];
      if (!(value > 0.0f)) continue;
      float offset = 0.0f;
      if (i > 0 && i + 1 < n) {
        offset =
            parabolic_offset(f[(i - 1) * kVoxelBlock + b], value, f[(i + 1) * kVoxelBlock + b]);
      }
      if (!chosen[b] || sum[q][l] / (float(m) * value) < plan.oscillation_index) {
        best[b] = {value, float(i) + offset};
        chosen[b] = true;
      }
    }
  }
}

#if MEDKERN_AVX2_CLONES
[[gnu::target("avx2")]] void oscillation_peaks_avx2(const PerfusionPlan& plan, const float* grid,
                                                    float* y, float* f, ResiduePeak* best) {
  oscillation_peaks_body(plan, grid, y, f, best);
}
#endif

void oscillation_peaks(const PerfusionPlan& plan, const float* grid, float* y, float* f,
                       ResiduePeak* best) {
#if MEDKERN_AVX2_CLONES
  if (has_avx2()) return oscillation_peaks_avx2(plan, grid, y, f, best);
#endif
  oscillation_peaks_body(plan, grid, y, f, best);
}

// The maps of a block of up to kVoxelBlock voxels of row (z, y) from x0. `scratch` holds
// perfusion_scratch_floats(plan) * kVoxelBlock floats.
template <class T, class Inside>
void voxel_block(const PerfusionPlan& plan, const VolumeView<const T>& first, int64_t frame_stride,
                 Inside&& inside, const MapViews& maps, int64_t z, int64_t y, int64_t x0,
                 float* scratch) {
  const int64_t count = std::min(kVoxelBlock, first.shape[2] - x0);
  const int32_t n = plan.samples;
  float* curves = scratch;                            // frames x kVoxelBlock
  float* grid = scratch + plan.frames * kVoxelBlock;  // samples x kVoxelBlock
  // The block's frames first, frame after frame: a cache line a frame, loads that do not
  // wait on each other; then each curve from them, converted in place.
  for (int32_t t = 0; t < plan.frames; ++t) {
    for (int64_t b = 0; b < count; ++b) {
      curves[t * kVoxelBlock + b] = float((&first(z, y, x0 + b))[t * frame_stride]);
    }
  }
  CurveSummary summary[kVoxelBlock];
  for (int64_t b = 0; b < kVoxelBlock; ++b) {
    summary[b] = CurveSummary{0, 0.0f, 0.0f, false};
    if (b < count && inside(z, y, x0 + b)) {
      const StridedFloats c{curves + b, kVoxelBlock};
      summary[b] = curve_of(
          plan, [&](int32_t t) { return c[t]; }, c, StridedFloats{grid + b, kVoxelBlock});
    }
    // A voxel without a curve takes part in the arithmetic on zeros, its result unused.
    if (!summary[b].enhanced) {
      for (int32_t u = 0; u < n; ++u) grid[u * kVoxelBlock + b] = 0.0f;
    }
  }
  ResiduePeak best[kVoxelBlock] = {};
  if (plan.oscillation) {
    float* projections = grid + n * kVoxelBlock;  // rank x kVoxelBlock
    oscillation_peaks(plan, grid, projections, projections + plan.rank * kVoxelBlock, best);
  } else {
    PeakTracker tracker[kVoxelBlock];
    residue_rows(plan.inverse, n, grid, tracker);
    for (int64_t b = 0; b < kVoxelBlock; ++b) best[b] = tracker[b].peak();
  }
  for (int64_t b = 0; b < count; ++b) {
    maps.store(z, y, x0 + b,
               maps_of(plan, summary[b], summary[b].enhanced ? best[b] : ResiduePeak{0.0f, 0.0f},
                       StridedFloats{curves + b, kVoxelBlock}));
  }
}

// Voxels ahead of the block in hand whose frames are fetched early: a voxel's frames lie a
// frame stride apart (megabytes), out of the hardware prefetchers' sight, and a block
// waiting on them would wait once per frame.
constexpr int64_t kPrefetchDistance = 2 * kVoxelBlock;

// Asks for the frames of the voxels kPrefetchDistance after `voxel` (past a row's end, those
// of the next row in a contiguous volume; a prefetch never faults).
template <class T>
void prefetch_frames(const T* voxel, int64_t frame_stride, int32_t frames) {
  const auto ahead = reinterpret_cast<std::uintptr_t>(voxel + 0) + kPrefetchDistance * sizeof(T);
  for (int32_t t = 0; t < frames; ++t) {
    __builtin_prefetch(reinterpret_cast<const void*>(ahead + t * frame_stride * sizeof(T)));
  }
}

template <class T>
void perfusion_maps_typed(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                          const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  const VolumeView<const T> first = series.first.as<const T>("series");
  std::optional<VolumeView<const uint8_t>> mask_view;
  if (mask != nullptr) mask_view = mask->as<const uint8_t>("mask");
  const auto inside = [&](int64_t z, int64_t y, int64_t x) {
    return !mask_view || (*mask_view)(z, y, x) != 0;
  };
  const MapViews views(maps);
  const int64_t nz = first.shape[0], ny = first.shape[1], nx = first.shape[2];
  const int threads = context.num_threads();
  ThreadScratch<float> scratch(context, threads,
                               std::size_t(perfusion_scratch_floats(plan)) * kVoxelBlock);
#pragma omp parallel num_threads(threads)
  {
    float* thread_scratch = scratch.of(omp_get_thread_num());
#pragma omp for collapse(2) schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      for (int64_t y = 0; y < ny; ++y) {
        for (int64_t x0 = 0; x0 < nx; x0 += kVoxelBlock) {
          prefetch_frames(&first(z, y, x0), series.frame_stride, plan.frames);
          voxel_block(plan, first, series.frame_stride, inside, views, z, y, x0, thread_scratch);
        }
      }
    }
  }
}

}  // namespace

void perfusion_maps(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                    const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  visit_image_dtype(series.first.dtype, [&](auto type) {
    perfusion_maps_typed<decltype(type)>(context, series, mask, plan, maps);
  });
}

}  // namespace medkern::cpu
