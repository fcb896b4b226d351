#include <algorithm>
#include <utility>
#include <vector>

#include <omp.h>

#include "denoise_backends.hpp"
#include "dtype_dispatch.hpp"
#include "host_device.hpp"
#include "thread_scratch.hpp"

namespace medkern::cpu {

namespace {

// ------------------------------------------------------------------ median

// The window's keys of one output row (z, y) lie in `rows`: one padded row of keys per
// (dz, dy) of the window, nx + 2 rx keys each, x clamped. The window of output x is then
// rows[offset[t] + x] for t = 0 .. count - 1.
template <class T>
void fill_key_rows(const VolumeView<const T>& in, const MedianWindow& window, int64_t z, int64_t y,
                   uint32_t* rows) {
  const int64_t nz = in.shape[0], ny = in.shape[1], nx = in.shape[2];
  const int rz = window.radius[0], ry = window.radius[1], rx = window.radius[2];
  const int64_t pitch = nx + 2 * rx;
  int64_t row = 0;
  for (int dz = -rz; dz <= rz; ++dz) {
    for (int dy = -ry; dy <= ry; ++dy, ++row) {
      const T* source = &in(clamp_index(z + dz, nz), clamp_index(y + dy, ny), 0);
      uint32_t* keys = rows + row * pitch;
      const int64_t stride = in.strides[2];
      for (int64_t x = 0; x < pitch; ++x) {
        keys[x] = median_key(source[clamp_index(x - rx, nx) * stride]);
      }
    }
  }
}

template <int N>
void forgetful_row(const uint32_t* rows, const int64_t* offset, int64_t nx, uint32_t* out) {
  for (int64_t x = 0; x < nx; ++x) {
    const uint32_t* base = rows + x;
    out[x] = forgetful_median<N>([&](int t) { return base[offset[t]]; });
  }
}

// Radius (1, 1, 1): the row's 3 x 3 (z, y) planes at padded columns 0 .. nx + 1, each sorted
// once, then the medians in pairs along x (median_pair), as the GPU does along z.
struct SortedPlane {
  uint32_t key[9];
};

void cube_row(const uint32_t* rows, int64_t nx, uint32_t* out, SortedPlane* planes) {
  const int64_t pitch = nx + 2;
  for (int64_t c = 0; c < pitch; ++c) {
    for (int r = 0; r < 9; ++r) planes[c].key[r] = rows[r * pitch + c];
    sort_plane(planes[c].key);
  }
  int64_t x = 0;
  for (; x + 1 < nx; x += 2) {
    median_pair(planes[x].key, planes[x + 1].key, planes[x + 2].key, planes[x + 3].key, out[x],
                out[x + 1]);
  }
  if (x < nx) out[x] = median_sorted_planes(planes[x].key, planes[x + 1].key, planes[x + 2].key);
}

void select_row(const uint32_t* rows, const int64_t* offset, const MedianWindow& window, int64_t nx,
                uint32_t* out, uint32_t* scratch) {
  const bool selected = visit_median_window(window.count, [&](auto n) {
    if constexpr (decltype(n)::value > 0) {
      forgetful_row<decltype(n)::value>(rows, offset, nx, out);
      return true;
    } else {
      return false;
    }
  });
  if (selected) return;
  // Larger windows: introselect, as scipy's selection.
  for (int64_t x = 0; x < nx; ++x) {
    for (int t = 0; t < window.count; ++t) scratch[t] = rows[offset[t] + x];
    std::nth_element(scratch, scratch + window.rank, scratch + window.count);
    out[x] = scratch[window.rank];
  }
}

template <class T>
void median_typed(const Context& context, const VolumeView<const T>& in, const VolumeView<T>& out,
                  const MedianWindow& window) {
  const int64_t nz = in.shape[0], ny = in.shape[1], nx = in.shape[2];
  const int rz = window.radius[0], ry = window.radius[1], rx = window.radius[2];
  const int64_t pitch = nx + 2 * rx;
  const int64_t row_count = int64_t(2 * rz + 1) * (2 * ry + 1);
  const bool cube = rz == 1 && ry == 1 && rx == 1;
  // Window order: z, then y, then x (any order gives the same median).
  std::vector<int64_t> offset(window.count);
  for (int t = 0; t < window.count; ++t) {
    offset[t] = int64_t(t / (2 * rx + 1)) * pitch + t % (2 * rx + 1);
  }
  // Per thread: the window's key rows, the output keys of a row, and the selection's scratch
  // (planes for the cube, window.count keys otherwise).
  const int threads = context.num_threads();
  const int64_t key_count = row_count * pitch + nx + (cube ? 0 : window.count);
  ThreadScratch<uint32_t> key_scratch(context, threads, key_count);
  ThreadScratch<SortedPlane> plane_scratch(context, threads, cube ? pitch : 0);
#pragma omp parallel num_threads(threads)
  {
    uint32_t* rows = key_scratch.of(omp_get_thread_num());
    uint32_t* keys = rows + row_count * pitch;
    uint32_t* scratch = keys + nx;
    SortedPlane* planes = plane_scratch.of(omp_get_thread_num());
#pragma omp for collapse(2) schedule(static)
    for (int64_t z = 0; z < nz; ++z) {
      for (int64_t y = 0; y < ny; ++y) {
        fill_key_rows(in, window, z, y, rows);
        if (cube) {
          cube_row(rows, nx, keys, planes);
        } else {
          select_row(rows, offset.data(), window, nx, keys, scratch);
        }
        T* target = &out(z, y, 0);
        for (int64_t x = 0; x < nx; ++x) target[x * out.strides[2]] = median_value<T>(keys[x]);
      }
    }
  }
}

// ------------------------------------------------------------------ anisotropic diffusion

struct Grid {
  int64_t nz, ny, nx;
  int64_t index(int64_t z, int64_t y, int64_t x) const { return (z * ny + y) * nx + x; }
};

// The 3 x 3 x 3 neighbourhood of (z, y, x) in the contiguous `image`, edges repeated.
DiffusionStencil stencil_at(const float* image, const Grid& g, int64_t z, int64_t y, int64_t x) {
  DiffusionStencil s;
  for (int dz = -1; dz <= 1; ++dz) {
    const int64_t zz = clamp_index(z + dz, g.nz);
    for (int dy = -1; dy <= 1; ++dy) {
      const int64_t yy = clamp_index(y + dy, g.ny);
      const float* row = image + g.index(zz, yy, 0);
      for (int dx = -1; dx <= 1; ++dx)
        s.value[dz + 1][dy + 1][dx + 1] = row[clamp_index(x + dx, g.nx)];
    }
  }
  return s;
}

// The mean of gradient_magnitude_squared over the voxels; slices summed in order, so the
// result does not depend on the number of threads.
double average_gradient(const Context& context, const float* image, const Grid& g,
                        const DiffusionScales& scales, std::vector<double>& slice_sums) {
#pragma omp parallel for schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < g.nz; ++z) {
    double sum = 0.0;
    for (int64_t y = 0; y < g.ny; ++y) {
      for (int64_t x = 0; x < g.nx; ++x) {
        sum += gradient_magnitude_squared(stencil_at(image, g, z, y, x), scales);
      }
    }
    slice_sums[z] = sum;
  }
  double total = 0.0;
  for (int64_t z = 0; z < g.nz; ++z) total += slice_sums[z];
  return total / double(g.nz * g.ny * g.nx);
}

}  // namespace

void median(const Context& context, const VolumeRef& input, const VolumeRef& output,
            const MedianWindow& window) {
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    median_typed<T>(context, input.as<const T>("input"), output.as<T>("output"), window);
  });
}

double anisotropic_diffusion(const Context& context, const VolumeRef& input,
                             const VolumeRef& output, const AnisotropicDiffusionParams& params,
                             const DiffusionScales& scales) {
  const Grid g{input.shape[0], input.shape[1], input.shape[2]};
  const auto count = static_cast<std::size_t>(input.numel());
  DeviceBuffer<float> current(context, count), next(context, params.iterations > 0 ? count : 0);
  // ITK's CopyInputToOutput: the input cast to float.
  visit_image_dtype(input.dtype, [&](auto type) {
    using T = decltype(type);
    const auto in = input.as<const T>("input");
    float* first = current.data();
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
    for (int64_t z = 0; z < g.nz; ++z)
      for (int64_t y = 0; y < g.ny; ++y)
        for (int64_t x = 0; x < g.nx; ++x) first[g.index(z, y, x)] = float(in(z, y, x));
  });
  std::vector<double> slice_sums(g.nz);
  double first_average = 0.0;
  for (int iteration = 0; iteration < params.iterations; ++iteration) {
    const double average = average_gradient(context, current.data(), g, scales, slice_sums);
    if (iteration == 0) first_average = average;
    if (!std::isfinite(average)) break;  // the caller reports it
    const float k = diffusion_k(average, params.conductance);
    const float* from = current.data();
    float* to = next.data();
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
    for (int64_t z = 0; z < g.nz; ++z) {
      for (int64_t y = 0; y < g.ny; ++y) {
        for (int64_t x = 0; x < g.nx; ++x) {
          const int64_t i = g.index(z, y, x);
          const float update = diffusion_update(stencil_at(from, g, z, y, x), scales, k);
          to[i] = diffusion_apply(from[i], update, params.time_step);
        }
      }
    }
    std::swap(current, next);
  }
  const auto out = output.as<float>("output");
  const float* last = current.data();
#pragma omp parallel for collapse(2) schedule(static) num_threads(context.num_threads())
  for (int64_t z = 0; z < g.nz; ++z)
    for (int64_t y = 0; y < g.ny; ++y)
      for (int64_t x = 0; x < g.nx; ++x) out(z, y, x) = last[g.index(z, y, x)];
  return first_average;
}

}  // namespace medkern::cpu
