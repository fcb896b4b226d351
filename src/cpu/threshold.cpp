#include "backends.hpp"
#include "dtype_dispatch.hpp"

namespace medkern::cpu {

namespace {

template <class T>
void threshold_typed(const Context& context, const VolumeView<const T>& input,
                     const VolumeView<uint8_t>& output, const ThresholdParams& params) {
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const double v = static_cast<double>(input(z, y, x));
        output(z, y, x) = (v >= params.lo && v <= params.hi) ? params.inside : params.outside;
      }
    }
  }
}

}  // namespace

void threshold(const Context& context, const VolumeRef& input, const VolumeRef& output,
               const ThresholdParams& params) {
  const auto out = output.as<uint8_t>("output");
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    threshold_typed<T>(context, input.as<const T>(), out, params);
  });
}

}  // namespace medkern::cpu
