#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "dtype_dispatch.hpp"
#include "reduce_backends.hpp"

namespace medkern::cpu {

namespace {

template <class T>
MinMax min_max_typed(const Context& context, const VolumeView<const T>& input,
                     const VolumeView<const uint8_t>* mask) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  uint64_t count = 0;
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
#pragma omp parallel for collapse(2) reduction(min : lo) reduction(max : hi) \
    reduction(+ : count) num_threads(context.num_threads())
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        if (mask != nullptr && (*mask)(z, y, x) == 0) continue;
        const double v = static_cast<double>(input(z, y, x));
        if (std::isnan(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++count;
      }
    }
  }
  return MinMax{count ? lo : 0.0, count ? hi : 0.0, count};
}

}  // namespace

MinMax min_max(const Context& context, const VolumeRef& input, const VolumeRef* mask) {
  std::optional<VolumeView<const uint8_t>> mask_view;
  if (mask) mask_view = mask->as<const uint8_t>("mask");
  auto run = [&](auto type) {
    using T = decltype(type);
    return min_max_typed<T>(context, input.as<const T>(), mask_view ? &*mask_view : nullptr);
  };
  switch (input.dtype) {
    case DType::int32:
      return run(int32_t{});
    case DType::uint8:
      return run(uint8_t{});
    default:
      return visit_image_dtype(input.dtype, run);
  }
}

}  // namespace medkern::cpu
