#include <type_traits>
#include <vector>

#include "dtype_dispatch.hpp"
#include "labeling_backends.hpp"
#include "region_growing_backends.hpp"

namespace medkern::cpu {

void keep_seeded_components(const Context& context, const int32_t* labels, int64_t count,
                            const std::vector<int64_t>& seeds, int64_t components,
                            uint8_t* output) {
  std::vector<uint8_t> seeded(static_cast<std::size_t>(components) + 1, 0);
  for (int64_t seed : seeds) seeded[labels[seed]] = 1;
  seeded[0] = 0;
  select_flagged_components(context, labels, seeded.data(), count, output);
}

namespace {

// The chunk's sums in the order region_growing_backends.hpp defines (the GPU kernel's).
template <class T>
RegionMoments chunk_moments(const VolumeView<const T>& input, bool contiguous, const uint8_t* mask,
                            int64_t chunk) {
  const int64_t count = input.numel();
  const int64_t ny = input.shape[1], nx = input.shape[2];
  RegionMoments lanes[kMomentLanes] = {};
  const int64_t base = chunk * kMomentChunk;
  for (int lane = 0; lane < kMomentLanes; ++lane) {
    RegionMoments& acc = lanes[lane];
    for (int k = 0; k < kMomentsPerLane; ++k) {
      const int64_t i = base + lane + int64_t(kMomentLanes) * k;
      if (i >= count) break;
      if (mask[i] == 0) continue;
      T value;
      if (contiguous) {
        value = input.data[i];
      } else {
        const int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
        value = input(z, y, x);
      }
      ++acc.count;
      if constexpr (std::is_same_v<T, float>) {
        const double v = value;
        acc.sum_float += v;
        acc.sum_squares_float += v * v;  // exact: a float32 squared fits a double
      } else {
        const int64_t v = value;
        acc.sum_int += v;
        acc.sum_squares_int += uint64_t(v * v);
      }
    }
  }
  for (int offset = kMomentLanes / 2; offset >= 1; offset /= 2) {
    for (int lane = 0; lane < offset; ++lane) {
      RegionMoments& a = lanes[lane];
      const RegionMoments& b = lanes[lane + offset];
      a.count += b.count;
      a.sum_int += b.sum_int;
      a.sum_squares_int += b.sum_squares_int;
      a.sum_float += b.sum_float;
      a.sum_squares_float += b.sum_squares_float;
    }
  }
  return lanes[0];
}

}  // namespace

void region_moments(const Context& context, const VolumeRef& input, const uint8_t* mask,
                    RegionMoments* partials) {
  const int64_t chunks = moment_chunks(input.numel());
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    const VolumeView<const T> view = input.as<const T>("input");
    const bool contiguous = input.is_contiguous();
#pragma omp parallel for schedule(static) num_threads(context.num_threads())
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      partials[chunk] = chunk_moments(view, contiguous, mask, chunk);
    }
  });
}

}  // namespace medkern::cpu
