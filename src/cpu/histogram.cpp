#include <algorithm>
#include <optional>
#include <type_traits>
#include <vector>

#include <omp.h>

#include "dtype_dispatch.hpp"
#include "histogram_backends.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// 16-bit inputs have at most 65,536 values: one lookup table of their bins replaces the
// per-voxel bin search.
template <class T>
std::vector<int32_t> bin_table(const HistogramBins& bins) {
  std::vector<int32_t> table(65536);
  for (int64_t i = 0; i < 65536; ++i) {
    const T value = static_cast<T>(static_cast<uint16_t>(i));
    table[static_cast<uint16_t>(value)] = static_cast<int32_t>(bins.bin_of(double(value)));
  }
  return table;
}

template <class T>
void histogram_typed(const Context& context, const VolumeView<const T>& input,
                     const VolumeView<const uint8_t>* mask, const HistogramBins& bins,
                     uint64_t* counts) {
  constexpr bool kSixteenBit = sizeof(T) == 2;
  std::vector<int32_t> table;
  if constexpr (kSixteenBit) table = bin_table<T>(bins);
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
  std::vector<uint64_t> total(bins.bins, 0);
  const int threads = context.num_threads();
  ThreadScratch<uint64_t> locals(context, threads, bins.bins);
#pragma omp parallel num_threads(threads)
  {
    uint64_t* local = locals.of(omp_get_thread_num());
    std::fill(local, local + bins.bins, 0);
#pragma omp for collapse(2) schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      for (int64_t y = 0; y < ny; ++y) {
        for (int64_t x = 0; x < nx; ++x) {
          if (mask != nullptr && (*mask)(z, y, x) == 0) continue;
          const T value = input(z, y, x);
          int64_t bin;
          if constexpr (kSixteenBit) {
            bin = table[static_cast<uint16_t>(value)];
          } else {
            bin = bins.bin_of(double(value));
          }
          if (bin >= 0) ++local[bin];
        }
      }
    }
#pragma omp critical
    for (uint32_t i = 0; i < bins.bins; ++i) total[i] += local[i];
  }
  std::copy(total.begin(), total.end(), counts);
}

}  // namespace

void histogram(const Context& context, const VolumeRef& input, const VolumeRef* mask,
               const HistogramBins& bins, uint64_t* counts) {
  std::optional<VolumeView<const uint8_t>> mask_view;
  if (mask) mask_view = mask->as<const uint8_t>("mask");
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    histogram_typed<T>(context, input.as<const T>(), mask_view ? &*mask_view : nullptr, bins,
                       counts);
  });
}

}  // namespace medkern::cpu
