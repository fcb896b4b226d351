#include "dtype_dispatch.hpp"
#include "threshold_backends.hpp"

namespace medkern::cpu {

namespace {

template <class T>
inline uint8_t classify(T value, const ThresholdParams& params) {
  const double v = static_cast<double>(value);
  return (v >= params.lo && v <= params.hi) ? params.inside : params.outside;
}

template <class T>
void threshold_typed(const Context& context, const VolumeView<const T>& input,
                     const VolumeView<uint8_t>& output, const ThresholdParams& params) {
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      const T* in = &input(z, y, 0);
      uint8_t* out = &output(z, y, 0);
      const int64_t in_stride = input.strides[2], out_stride = output.strides[2];
      if (in_stride == 1 && out_stride == 1) {  // the common case, which the compiler vectorises
        for (int64_t x = 0; x < nx; ++x) out[x] = classify(in[x], params);
      } else {
        for (int64_t x = 0; x < nx; ++x) out[x * out_stride] = classify(in[x * in_stride], params);
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
