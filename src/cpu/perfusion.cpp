#include <omp.h>

#include <optional>

#include "dtype_dispatch.hpp"
#include "perfusion_backends.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

template <class T>
void perfusion_maps_typed(const Context& context, const SeriesRef& series, const VolumeRef* mask,
                          const PerfusionPlan& plan, const PerfusionMapsRef& maps) {
  const VolumeView<const T> first = series.first.as<const T>("series");
  std::optional<VolumeView<const uint8_t>> inside;
  if (mask != nullptr) inside = mask->as<const uint8_t>("mask");
  const auto cbf = maps.cbf.as<float>("cbf"), cbv = maps.cbv.as<float>("cbv"),
             mtt = maps.mtt.as<float>("mtt"), tmax = maps.tmax.as<float>("tmax"),
             ttp = maps.ttp.as<float>("ttp"), arrival = maps.arrival.as<float>("arrival");
  const auto valid = maps.valid.as<uint8_t>("valid");
  const int64_t nz = first.shape[0], ny = first.shape[1], nx = first.shape[2];
  const int threads = context.num_threads();
  ThreadScratch<float> scratch(context, threads, std::size_t(perfusion_scratch_floats(plan)));
#pragma omp parallel num_threads(threads)
  {
    float* voxel_scratch = scratch.of(omp_get_thread_num());
#pragma omp for collapse(2) schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      for (int64_t y = 0; y < ny; ++y) {
        for (int64_t x = 0; x < nx; ++x) {
          PerfusionVoxel out{0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0};
          if (!inside || (*inside)(z, y, x) != 0) {
            const T* curve = &first(z, y, x);
            out = perfusion_voxel(
                plan, [&](int32_t t) { return curve[t * series.frame_stride]; }, voxel_scratch);
          }
          cbf(z, y, x) = out.cbf;
          cbv(z, y, x) = out.cbv;
          mtt(z, y, x) = out.mtt;
          tmax(z, y, x) = out.tmax;
          ttp(z, y, x) = out.ttp;
          arrival(z, y, x) = out.arrival;
          valid(z, y, x) = out.valid;
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
