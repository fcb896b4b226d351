#include <cmath>
#include <vector>

#include "cpu/union_find.hpp"
#include "labeling_backends.hpp"

namespace medkern::cpu {

namespace {

// A mask: every non-zero voxel is foreground, all foreground voxels connect.
struct NonZero {
  template <class T>
  static bool foreground(T v) {
    return v != 0;
  }
  template <class T>
  static bool same(T, T) {
    return true;
  }
};

// Equal values connect; zero is background, and NaN (equal to nothing).
struct EqualValue {
  template <class T>
  static bool foreground(T v) {
    return v != 0 && v == v;
  }
  template <class T>
  static bool same(T a, T b) {
    return a == b;
  }
};

template <class Rule, class T>
int64_t label_with(const VolumeRef& image, int32_t* labels, const Neighbourhood& neighbours) {
  const auto m = image.as<const T>("image");
  const int64_t nz = image.shape[0], ny = image.shape[1], nx = image.shape[2];
  const int64_t count = nz * ny * nx;
  constexpr int32_t kBackground = -1;
  std::vector<int32_t> parent(count, kBackground);
  // One pass in raster order: each foreground voxel joins its earlier neighbours of its
  // component. A left neighbour of the same component has already joined the neighbours it
  // shares with this voxel, so those need no union of their own.
  for (int64_t z = 0; z < nz; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const T value = m(z, y, x);
        if (!Rule::foreground(value)) continue;
        const auto i = static_cast<int32_t>((z * ny + y) * nx + x);
        parent[i] = i;
        uint32_t skip = 0;
        if (neighbours.left >= 0 && x > 0 && parent[i - 1] != kBackground &&
            Rule::same(value, m(z, y, x - 1))) {
          unite(parent, i, i - 1);
          skip = neighbours.implied_by_left | (1u << neighbours.left);
        }
        for (int n = 0; n < neighbours.count; ++n) {
          if (skip & (1u << n)) continue;
          const int64_t zz = z + neighbours.dz[n], yy = y + neighbours.dy[n],
                        xx = x + neighbours.dx[n];
          if (zz < 0 || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
          const auto j = static_cast<int32_t>((zz * ny + yy) * nx + xx);
          if (parent[j] != kBackground && Rule::same(value, m(zz, yy, xx))) unite(parent, i, j);
        }
      }
    }
  }
  // Roots are first voxels, so numbering them as they come in raster order is scipy's order.
  int32_t next = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (parent[i] == kBackground) {
      labels[i] = 0;
    } else if (parent[i] == i) {
      labels[i] = ++next;
    } else {
      labels[i] = labels[find_root(parent, static_cast<int32_t>(i))];
    }
  }
  return next;
}

}  // namespace

int64_t label_components(const Context&, const VolumeRef& image, int32_t* labels,
                         const Neighbourhood& neighbours, LabelRule rule) {
  if (rule == LabelRule::nonzero) {
    if (image.dtype != DType::uint8) throw_dtype_mismatch("mask", DType::uint8, image.dtype);
    return label_with<NonZero, uint8_t>(image, labels, neighbours);
  }
  switch (image.dtype) {
    case DType::uint8:
      return label_with<EqualValue, uint8_t>(image, labels, neighbours);
    case DType::int16:
      return label_with<EqualValue, int16_t>(image, labels, neighbours);
    case DType::uint16:
      return label_with<EqualValue, uint16_t>(image, labels, neighbours);
    case DType::int32:
      return label_with<EqualValue, int32_t>(image, labels, neighbours);
    case DType::float32:
      return label_with<EqualValue, float>(image, labels, neighbours);
    default:
      throw_dtype_mismatch("image", DType::int32, image.dtype);
  }
}

void select_flagged_components(const Context& context, const int32_t* labels, const uint8_t* flags,
                               int64_t count, uint8_t* output) {
#pragma omp parallel for schedule(static) num_threads(context.num_threads())
  for (int64_t i = 0; i < count; ++i) output[i] = flags[labels[i]];
}

}  // namespace medkern::cpu
