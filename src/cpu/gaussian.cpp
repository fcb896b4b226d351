#include <algorithm>
#include <vector>

#include "backends.hpp"
#include "dtype_dispatch.hpp"
#include "gaussian_backends.hpp"

namespace medkern::cpu {

namespace {

// out[i] = w[0] * line[i] + sum over k = 1..r of w[k] * (line[i - k] + line[i + k]) for a line
// padded with r repeated edge values on each side (line points at its first real value).
void convolve_line(const float* line, int64_t n, const std::vector<float>& w, float* out) {
  const int r = int(w.size()) - 1;
  for (int64_t i = 0; i < n; ++i) {
    float acc = multiply_rounded(w[0], line[i]);
    for (int k = 1; k <= r; ++k) acc = add_symmetric_pair(acc, w[k], line[i - k], line[i + k]);
    out[i] = acc;
  }
}

// The x pass, reading the input in its own type and strides: each row is copied into a
// padded float line, then convolved into `output`.
template <class T>
void x_pass(const Context& context, const VolumeView<const T>& input, float* output,
            const std::vector<float>& w) {
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
  const int64_t r = int64_t(w.size()) - 1;
#pragma omp parallel num_threads(context.num_threads())
  {
    std::vector<float> line(nx + 2 * r);
#pragma omp for collapse(2) schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      for (int64_t y = 0; y < ny; ++y) {
        const T* row = &input(z, y, 0);
        const int64_t stride = input.strides[2];
        for (int64_t i = 0; i < nx; ++i) line[r + i] = static_cast<float>(row[i * stride]);
        for (int64_t i = 0; i < r; ++i) {
          line[i] = line[r];
          line[r + nx + i] = line[r + nx - 1];
        }
        float* out = output + (z * ny + y) * nx;
        if (r == 0) {
          std::copy(line.begin(), line.end(), out);  // the identity: conversion only
        } else {
          convolve_line(line.data() + r, nx, w, out);
        }
      }
    }
  }
}

// A pass along an axis whose lines are `count` rows of nx floats `row_stride` apart, in
// place: the rows of one line are copied out, then every output row is formed from them with
// the x-contiguous inner loop (the same operations per voxel as convolve_line).
void rows_pass(float* base, int64_t count, int64_t row_stride, int64_t nx,
               const std::vector<float>& w, std::vector<float>& scratch) {
  const int r = int(w.size()) - 1;
  scratch.resize(count * nx);
  for (int64_t i = 0; i < count; ++i) {
    std::copy(base + i * row_stride, base + i * row_stride + nx, scratch.begin() + i * nx);
  }
  for (int64_t i = 0; i < count; ++i) {
    float* out = base + i * row_stride;
    const float* centre = scratch.data() + i * nx;
    for (int64_t x = 0; x < nx; ++x) out[x] = multiply_rounded(w[0], centre[x]);
    for (int k = 1; k <= r; ++k) {
      const float* below = scratch.data() + std::max<int64_t>(i - k, 0) * nx;
      const float* above = scratch.data() + std::min<int64_t>(i + k, count - 1) * nx;
      const float wk = w[k];
      for (int64_t x = 0; x < nx; ++x) out[x] = add_symmetric_pair(out[x], wk, below[x], above[x]);
    }
  }
}

}  // namespace

void separable_smooth(const Context& context, const VolumeRef& input, float* output,
                      const SeparableKernels& kernels) {
  const int64_t nz = input.shape[0], ny = input.shape[1], nx = input.shape[2];
  const std::vector<float> identity{1.0f};
  const auto& wx = kernels.filters(2) ? kernels.weights[2] : identity;
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    x_pass<T>(context, input.as<const T>("input"), output, wx);
  });
  if (kernels.filters(1)) {
#pragma omp parallel num_threads(context.num_threads())
    {
      std::vector<float> scratch;
#pragma omp for schedule(static)
      for (int64_t z = 0; z < nz; ++z) {
        rows_pass(output + z * ny * nx, ny, nx, nx, kernels.weights[1], scratch);
      }
    }
  }
  if (kernels.filters(0)) {
#pragma omp parallel num_threads(context.num_threads())
    {
      std::vector<float> scratch;
#pragma omp for schedule(static)
      for (int64_t y = 0; y < ny; ++y) {
        rows_pass(output + y * nx, nz, ny * nx, nx, kernels.weights[0], scratch);
      }
    }
  }
}

}  // namespace medkern::cpu
