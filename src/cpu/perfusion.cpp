#include <omp.h>

#include <algorithm>
#include <optional>

#include "dtype_dispatch.hpp"
#include "perfusion_backends.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// Voxels of a row the fixed methods take at once: their curves lie interleaved (voxel b's
// sample u at u * kVoxelBlock + b), so that the residue's inner loop runs across the voxels,
// which the compiler vectorises, each voxel still summing its products in the order of
// fixed_residue_peak (the results are the same to the bit).
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

// The fixed methods, a block of up to kVoxelBlock voxels of row (z, y) from x0. `scratch`
// holds (frames + samples) * kVoxelBlock floats.
template <class T, class Inside>
void fixed_block(const PerfusionPlan& plan, const VolumeView<const T>& first, int64_t frame_stride,
                 Inside&& inside, const MapViews& maps, int64_t z, int64_t y, int64_t x0,
                 float* scratch) {
  const int64_t count = std::min(kVoxelBlock, first.shape[2] - x0);
  const int32_t n = plan.samples;
  float* curves = scratch;                            // frames x kVoxelBlock
  float* grid = scratch + plan.frames * kVoxelBlock;  // samples x kVoxelBlock
  CurveSummary summary[kVoxelBlock];
  PeakTracker tracker[kVoxelBlock];
  for (int64_t b = 0; b < kVoxelBlock; ++b) {
    summary[b] = CurveSummary{0, 0.0f, 0.0f, false};
    if (b < count && inside(z, y, x0 + b)) {
      const T* curve = &first(z, y, x0 + b);
      summary[b] = curve_of(
          plan, [&](int32_t t) { return curve[t * frame_stride]; },
          StridedFloats{curves + b, kVoxelBlock}, StridedFloats{grid + b, kVoxelBlock});
    }
    // A voxel without a curve takes part in the arithmetic on zeros, its result unused.
    if (!summary[b].enhanced) {
      for (int32_t u = 0; u < n; ++u) grid[u * kVoxelBlock + b] = 0.0f;
    }
  }
  float f[kVoxelBlock];
  for (int32_t i = 0; i < n; ++i) {
    const float* row = plan.inverse + int64_t(i) * n;
    for (int64_t b = 0; b < kVoxelBlock; ++b) f[b] = 0.0f;
    for (int32_t u = 0; u < n; ++u) {
      const float p = row[u];
      const float* g = grid + u * kVoxelBlock;
      for (int64_t b = 0; b < kVoxelBlock; ++b) f[b] = f[b] + p * g[b];
    }
    for (int64_t b = 0; b < kVoxelBlock; ++b) tracker[b].add(f[b]);
  }
  for (int64_t b = 0; b < count; ++b) {
    const ResiduePeak best = summary[b].enhanced ? tracker[b].peak() : ResiduePeak{0.0f, 0.0f};
    maps.store(z, y, x0 + b,
               maps_of(plan, summary[b], best, StridedFloats{curves + b, kVoxelBlock}));
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
  const bool fixed = !plan.oscillation;
  const std::size_t per_thread = fixed ? std::size_t(plan.frames + plan.samples) * kVoxelBlock
                                       : std::size_t(perfusion_scratch_floats(plan));
  ThreadScratch<float> scratch(context, threads, per_thread);
#pragma omp parallel num_threads(threads)
  {
    float* thread_scratch = scratch.of(omp_get_thread_num());
#pragma omp for collapse(2) schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      for (int64_t y = 0; y < ny; ++y) {
        if (fixed) {
          for (int64_t x0 = 0; x0 < nx; x0 += kVoxelBlock) {
            fixed_block(plan, first, series.frame_stride, inside, views, z, y, x0, thread_scratch);
          }
          continue;
        }
        for (int64_t x = 0; x < nx; ++x) {
          PerfusionVoxel out{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
          if (inside(z, y, x)) {
            const T* curve = &first(z, y, x);
            out = perfusion_voxel(
                plan, [&](int32_t t) { return curve[t * series.frame_stride]; }, thread_scratch);
          }
          views.store(z, y, x, out);
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
