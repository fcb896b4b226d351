#include <algorithm>
#include <vector>

#include <omp.h>

#include "dtype_dispatch.hpp"
#include "gaussian_backends.hpp"
#include "host_device.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// The weight of offset k (-r..r) of a symmetric kernel given by its one side.
inline float weight_at(const std::vector<float>& w, int k) {
  return w[k < 0 ? -k : k];
}

// A pass along an axis whose lines are `count` rows of nx values, `row(i)` giving row i of
// one line (any type, x-stride `x_stride`), written to `out(i)` (contiguous float): every
// output row is summed tap by tap (offsets -r..r, the edge row repeated) in a double row,
// with the inner loop along x (`sums`, nx values).
template <class RowOf, class OutOf>
void rows_pass(int64_t count, int64_t nx, const std::vector<float>& w, RowOf&& row,
               int64_t x_stride, OutOf&& out, double* sums) {
  const int r = int(w.size()) - 1;
  for (int64_t i = 0; i < count; ++i) {
    std::fill(sums, sums + nx, 0.0);
    for (int k = -r; k <= r; ++k) {
      const auto* source = row(clamp_index(i + k, count));
      const float wk = weight_at(w, k);
      for (int64_t x = 0; x < nx; ++x) {
        sums[x] = add_tap(sums[x], wk, static_cast<float>(source[x * x_stride]));
      }
    }
    float* target = out(i);
    for (int64_t x = 0; x < nx; ++x) target[x] = static_cast<float>(sums[x]);
  }
}

// The z pass from the input in its own type and strides into `output`: for each y, the
// (z, x) plane; with no z kernel, the conversion to float32.
template <class T>
void z_pass(const Context& context, const VolumeView<const T>& input, float* output,
            const std::vector<float>& w) {
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
  const int threads = context.num_threads();
  ThreadScratch<double> sums(context, threads, nx);
#pragma omp parallel num_threads(threads)
  {
    double* thread_sums = sums.of(omp_get_thread_num());
#pragma omp for schedule(static)
    for (int64_t y = 0; y < ny; ++y) {
      rows_pass(
          nz, nx, w, [&](int64_t z) { return &input(z, y, 0); }, input.strides[2],
          [&](int64_t z) { return output + (z * ny + y) * nx; }, thread_sums);
    }
  }
}

// The y pass in place: each z-slice is copied out, then summed back.
void y_pass(const Context& context, float* volume, const Shape3& shape,
            const std::vector<float>& w) {
  const int64_t nz = shape[0], ny = shape[1], nx = shape[2];
  const int threads = context.num_threads();
  ThreadScratch<double> sums(context, threads, nx);
  ThreadScratch<float> slices(context, threads, ny * nx);
#pragma omp parallel num_threads(threads)
  {
    double* thread_sums = sums.of(omp_get_thread_num());
    float* slice = slices.of(omp_get_thread_num());
#pragma omp for schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      float* base = volume + z * ny * nx;
      std::copy(base, base + ny * nx, slice);
      rows_pass(
          ny, nx, w, [&](int64_t y) { return slice + y * nx; }, 1,
          [&](int64_t y) { return base + y * nx; }, thread_sums);
    }
  }
}

// The x pass in place: each row is copied into a line padded with r repeated edge values.
void x_pass(const Context& context, float* volume, const Shape3& shape,
            const std::vector<float>& w) {
  const int64_t rows = shape[0] * shape[1], nx = shape[2];
  const int r = int(w.size()) - 1;
  const int threads = context.num_threads();
  ThreadScratch<float> lines(context, threads, nx + 2 * r);
#pragma omp parallel num_threads(threads)
  {
    float* line = lines.of(omp_get_thread_num());
#pragma omp for schedule(static)
    for (int64_t i = 0; i < rows; ++i) {
      float* row = volume + i * nx;
      std::copy(row, row + nx, line + r);
      std::fill(line, line + r, row[0]);
      std::fill(line + r + nx, line + 2 * r + nx, row[nx - 1]);
      for (int64_t x = 0; x < nx; ++x) {
        double sum = 0.0;
        for (int k = -r; k <= r; ++k) sum = add_tap(sum, weight_at(w, k), line[r + x + k]);
        row[x] = static_cast<float>(sum);
      }
    }
  }
}

}  // namespace

void separable_smooth(const Context& context, const VolumeRef& input, float* output,
                      const SeparableKernels& kernels) {
  const std::vector<float> identity{1.0f};
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    z_pass<T>(context, input.as<const T>("input"), output,
              kernels.filters(0) ? kernels.weights[0] : identity);
  });
  if (kernels.filters(1)) y_pass(context, output, input.shape, kernels.weights[1]);
  if (kernels.filters(2)) x_pass(context, output, input.shape, kernels.weights[2]);
}

}  // namespace medkern::cpu
