#include <algorithm>
#include <array>
#include <vector>

#include <omp.h>

#include "dtype_dispatch.hpp"
#include "edges_backends.hpp"
#include "host_device.hpp"
#include "labeling_backends.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// Slices a thread takes at a time; each chunk computes the partials of 2 extra slices.
constexpr int64_t kGradientChunk = 16;

// The partials of slice `z` of `input` for every (y, x): the slice is copied into a float
// plane padded by one repeated voxel on each side ((ny + 2) * (nx + 2) floats), then read by
// 3 x 3 neighbourhoods into `partials` (ny * nx).
template <class T>
void partials_of_slice(const VolumeView<const T>& input, int64_t z, const GradientSpec& spec,
                       float* padded, SlicePartials* partials) {
  const int64_t ny = input.shape[1], nx = input.shape[2], width = nx + 2;
  for (int64_t y = -1; y <= ny; ++y) {
    const int64_t source_y = clamp_index(y, ny);
    float* row = padded + (y + 1) * width;
    for (int64_t x = 0; x < nx; ++x) row[x + 1] = static_cast<float>(input(z, source_y, x));
    row[0] = row[1];
    row[nx + 1] = row[nx];
  }
  for (int64_t y = 0; y < ny; ++y) {
    const float* above = padded + y * width;  // rows y - 1, y, y + 1 of the slice
    for (int64_t x = 0; x < nx; ++x) {
      const float n[3][3] = {
          {above[x], above[x + 1], above[x + 2]},
          {above[width + x], above[width + x + 1], above[width + x + 2]},
          {above[2 * width + x], above[2 * width + x + 1], above[2 * width + x + 2]}};
      partials[y * nx + x] = slice_partials(n, spec);
    }
  }
}

template <class T>
void gradient_typed(const Context& context, const VolumeView<const T>& input, float* output,
                    const GradientSpec& spec) {
  const int64_t nz = input.shape[0], plane = input.shape[1] * input.shape[2];
  const int64_t chunks = (nz + kGradientChunk - 1) / kGradientChunk;
  const int threads = context.num_threads();
  ThreadScratch<float> paddings(context, threads, (input.shape[1] + 2) * (input.shape[2] + 2));
  ThreadScratch<SlicePartials> windows(context, threads, 3 * plane);
#pragma omp parallel num_threads(threads)
  {
    float* padded = paddings.of(omp_get_thread_num());
    SlicePartials* first = windows.of(omp_get_thread_num());
    std::array<SlicePartials*, 3> window{first, first + plane,
                                         first + 2 * plane};  // z - 1, z, z + 1
#pragma omp for schedule(static)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const int64_t z_begin = chunk * kGradientChunk;
      const int64_t z_end = std::min(nz, z_begin + kGradientChunk);
      partials_of_slice(input, std::max<int64_t>(z_begin - 1, 0), spec, padded, window[0]);
      partials_of_slice(input, z_begin, spec, padded, window[1]);
      for (int64_t z = z_begin; z < z_end; ++z) {
        partials_of_slice(input, std::min(z + 1, nz - 1), spec, padded, window[2]);
        float* out = output + z * plane;
        for (int64_t i = 0; i < plane; ++i) {
          out[i] = combine_partials(window[0][i], window[1][i], window[2][i], spec);
        }
        std::swap(window[0], window[1]);
        std::swap(window[1], window[2]);
      }
    }
  }
}

// Offsets of the neighbours below / above a coordinate, edge voxels repeated; along axes
// beyond ndim the voxel itself.
struct Neighbours {
  int64_t below, above;
};

Neighbours neighbours_of(int64_t i, int64_t n, bool active) {
  if (!active) return {i, i};
  return {std::max<int64_t>(i - 1, 0), std::min(i + 1, n - 1)};
}

}  // namespace

void gradient(const Context& context, const VolumeRef& input, float* output,
              const GradientSpec& spec) {
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    gradient_typed<T>(context, input.as<const T>("input"), output, spec);
  });
}

void canny_strength(const Context& context, const float* smoothed, const Shape3& shape, int ndim,
                    float* strength) {
  const int64_t nz = shape[0], ny = shape[1], nx = shape[2];
  DeviceBuffer<float> second(context, nz * ny * nx);
  float* derivatives = second.data();
  auto at = [&](const float* v, int64_t z, int64_t y, int64_t x) {
    return v[(z * ny + y) * nx + x];
  };
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      const Neighbours zn = neighbours_of(z, nz, ndim == 3), yn = neighbours_of(y, ny, true);
      const int64_t zs[3] = {zn.below, z, zn.above}, ys[3] = {yn.below, y, yn.above};
      for (int64_t x = 0; x < nx; ++x) {
        const Neighbours xn = neighbours_of(x, nx, true);
        const int64_t xs[3] = {xn.below, x, xn.above};
        Cube cube;
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            for (int c = 0; c < 3; ++c) cube.n[a][b][c] = at(smoothed, zs[a], ys[b], xs[c]);
        derivatives[(z * ny + y) * nx + x] = canny_second_derivative(cube, ndim);
      }
    }
  }
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      const Neighbours zn = neighbours_of(z, nz, ndim == 3), yn = neighbours_of(y, ny, true);
      for (int64_t x = 0; x < nx; ++x) {
        const Neighbours xn = neighbours_of(x, nx, true);
        Star l, d;
        for (auto [star, v] : {std::pair<Star*, const float*>{&l, smoothed}, {&d, derivatives}}) {
          star->centre = at(v, z, y, x);
          star->below[0] = at(v, z, y, xn.below);
          star->above[0] = at(v, z, y, xn.above);
          star->below[1] = at(v, z, yn.below, x);
          star->above[1] = at(v, z, yn.above, x);
          star->below[2] = at(v, zn.below, y, x);
          star->above[2] = at(v, zn.above, y, x);
        }
        strength[(z * ny + y) * nx + x] = canny_strength(l, d, ndim);
      }
    }
  }
}

void keep_strong_components(const Context& context, const int32_t* labels, const float* strength,
                            int64_t count, int64_t components, float high, uint8_t* output) {
  std::vector<uint8_t> strong(static_cast<std::size_t>(components) + 1, 0);
  uint8_t* flags = strong.data();
#pragma omp parallel for schedule(static) num_threads(context.num_threads())
  for (int64_t i = 0; i < count; ++i) {
    if (strength[i] > high) {
#pragma omp atomic write
      flags[labels[i]] = 1;
    }
  }
  flags[0] = 0;
  select_flagged_components(context, labels, flags, count, output);
}

}  // namespace medkern::cpu
