#include "medkern/region_growing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "checks.hpp"
#include "device_buffer.hpp"
#include "dtype_dispatch.hpp"
#include "host_device.hpp"
#include "labeling_backends.hpp"
#include "medkern/labeling.hpp"
#include "medkern/threshold.hpp"
#include "region_growing_backends.hpp"
#include "staging.hpp"

namespace medkern {

namespace {

std::vector<int64_t> linear_seeds(const std::vector<Seed>& seeds, const Shape3& shape) {
  if (seeds.empty()) throw Error(Status::invalid_argument, "seeds: none given");
  std::vector<int64_t> result;
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    const Seed& seed = seeds[s];
    for (int axis = 0; axis < 3; ++axis) {
      if (seed[axis] < 0 || seed[axis] >= shape[axis]) {
        throw Error(Status::invalid_argument,
                    fmt::format("seeds[{}]: ({}, {}, {}) is outside the volume of shape ({}, {}, "
                                "{})",
                                s, seed[0], seed[1], seed[2], shape[0], shape[1], shape[2]));
      }
    }
    result.push_back((seed[0] * shape[1] + seed[1]) * shape[2] + seed[2]);
  }
  return result;
}

void check_region_growing_volumes(const Context& context, const VolumeRef& input,
                                  const VolumeRef& output) {
  validate_volume(input, "input");
  require_dtype(input, "input", {DType::int16, DType::uint16, DType::float32});
  validate_volume(output, "output");
  require_dtype(output, "output", {DType::uint8});
  require_same_shape(input, "input", output, "output");
  require_reachable(context, input, "input");
  require_reachable(context, output, "output");
  // The flood labels the band with int32 voxel indices: refused here, before the band and
  // its labels are allocated and the volume thresholded, not by the labelling after that.
  require_int32_voxels(input, "input", "region growing");
}

// Floods from seeds into a uint8 buffer of the context's device: threshold, label_components
// and the components that hold a seed, the same answer as ITK's flood fill in passes that run
// at memory speed on the GPU. The buffer ends in `output` at finish().
class Flood {
 public:
  Flood(const Context& context, const VolumeRef& input, const VolumeRef& output,
        std::vector<int64_t> seeds, int connectivity)
      : context_(context), output_(output), seeds_(std::move(seeds)), connectivity_(connectivity) {
    const Shape3 shape = input.shape;
    if (!context.is_cuda()) {
      input_ = input;
      host_band_.resize(input.numel());
      host_labels_.resize(input.numel());
      band_ = make_view(host_band_.data(), shape);
      labels_ = make_view(host_labels_.data(), shape);
      return;
    }
#if MEDKERN_WITH_CUDA
    device_input_.emplace(context, input);
    input_ = device_input_->view();
    device_output_.emplace(context, output);
    band_ = device_output_->view();
    device_labels_.emplace(context, shape);
    labels_ = *device_labels_;
#endif
  }

  const VolumeRef& input() const {
    return input_;
  }

  // The region of the voxels connected to a seed through lo <= value <= hi.
  void grow(double lo, double hi) {
    threshold(context_, input_, band_, {lo, hi, 1, 0});
    const int64_t components = label_components(context_, band_, labels_, {connectivity_});
    const int64_t count = input_.numel();
    if (!context_.is_cuda()) {
      cpu::keep_seeded_components(context_, host_labels_.data(), count, seeds_, components,
                                  host_band_.data());
      return;
    }
#if MEDKERN_WITH_CUDA
    cuda::keep_seeded_components(context_, static_cast<const int32_t*>(labels_.data), count, seeds_,
                                 components, static_cast<uint8_t*>(band_.data));
#endif
  }

  // An empty region.
  void clear() {
    threshold(context_, input_, band_, {0.0, 0.0, 0, 0});
  }

  // Sums of the input over the region, in the fixed order of region_growing_backends.hpp.
  RegionMoments moments() {
    const int64_t chunks = moment_chunks(input_.numel());
    std::vector<RegionMoments> partials(static_cast<std::size_t>(chunks));
    if (!context_.is_cuda()) {
      cpu::region_moments(context_, input_, host_band_.data(), partials.data());
    } else {
#if MEDKERN_WITH_CUDA
      DeviceBuffer<RegionMoments> device_partials(context_, partials.size());
      cuda::region_moments(context_, input_, static_cast<const uint8_t*>(band_.data),
                           device_partials.data());
      partials = make_host_vector(context_, device_partials);
#endif
    }
    RegionMoments total{0, 0, 0, 0.0, 0.0};
    for (const RegionMoments& p : partials) {
      total.count += p.count;
      total.sum_int += p.sum_int;
      total.sum_squares_int += p.sum_squares_int;
      total.sum_float += p.sum_float;
      total.sum_squares_float += p.sum_squares_float;
    }
    return total;
  }

  void finish() {
    if (!context_.is_cuda()) {
      copy(context_, band_, output_);
      return;
    }
#if MEDKERN_WITH_CUDA
    device_output_->commit();
#endif
  }

 private:
  const Context& context_;
  VolumeRef output_;
  std::vector<int64_t> seeds_;
  int connectivity_;
  VolumeRef input_, band_, labels_;
  std::vector<uint8_t> host_band_;
  std::vector<int32_t> host_labels_;
#if MEDKERN_WITH_CUDA
  std::optional<DeviceInput> device_input_;
  std::optional<DeviceOutput> device_output_;
  std::optional<Volume<int32_t>> device_labels_;
#endif
};

}  // namespace

void connected_threshold(const Context& context, const VolumeRef& input,
                         const std::vector<Seed>& seeds, const VolumeRef& output,
                         const ConnectedThresholdParams& params) {
  check_region_growing_volumes(context, input, output);
  std::vector<int64_t> seed_indices = linear_seeds(seeds, input.shape);
  previous_neighbours(params.connectivity);  // checks the connectivity before any work
  Flood flood(context, input, output, std::move(seed_indices), params.connectivity);
  flood.grow(params.lo, params.hi);
  flood.finish();
}

// ------------------------------------------------------------------ confidence connected
//
// ITK ConfidenceConnectedImageFilter::GenerateData (ITK 5.4,
// Modules/Segmentation/RegionGrowing/include/itkConfidenceConnectedImageFilter.hxx), step
// by step with the same double operations in the same order, so that the band, and with it
// the output, are ITK's. This file is compiled with -ffp-contract=off: no fused
// multiply-adds, as in ITK's x86-64 builds.

namespace {

// The initial cube around a seed and the seed's own value.
struct SeedNeighbourhood {
  double value = 0.0;  // the seed voxel, as double
  double sum = 0.0;    // of the (2r+1)^3 cube, edge voxels repeated, in ITK's order
  double sum_squares = 0.0;
};

template <class T>
SeedNeighbourhood read_neighbourhood(const Context& context, const VolumeRef& input,
                                     const Seed& seed, int radius) {
  const Shape3& shape = input.shape;
  int64_t first[3], extent[3];
  for (int axis = 0; axis < 3; ++axis) {
    first[axis] = std::max<int64_t>(0, seed[axis] - radius);
    const int64_t last = std::min<int64_t>(shape[axis] - 1, seed[axis] + radius);
    extent[axis] = last - first[axis] + 1;
  }
  VolumeRef box = input;
  box.data =
      static_cast<char*>(input.data) +
      (first[0] * input.strides[0] + first[1] * input.strides[1] + first[2] * input.strides[2]) *
          int64_t(sizeof(T));
  box.shape = Shape3{extent[0], extent[1], extent[2]};
  std::vector<T> values(static_cast<std::size_t>(extent[0] * extent[1] * extent[2]));
  copy(context, box, make_view(values.data(), box.shape));
  auto at = [&](int64_t z, int64_t y, int64_t x) {
    z = clamp_index(z, shape[0]) - first[0];
    y = clamp_index(y, shape[1]) - first[1];
    x = clamp_index(x, shape[2]) - first[2];
    return static_cast<double>(values[(z * extent[1] + y) * extent[2] + x]);
  };
  SeedNeighbourhood result;
  result.value = at(seed[0], seed[1], seed[2]);
  if (radius == 0) return result;
  // ShapedImageNeighborhoodRange over GenerateRectangularImageNeighborhoodOffsets: x runs
  // fastest; ZeroFluxNeumann boundary: an index beyond a face reads the face's voxel.
  for (int64_t dz = -radius; dz <= radius; ++dz) {
    for (int64_t dy = -radius; dy <= radius; ++dy) {
      for (int64_t dx = -radius; dx <= radius; ++dx) {
        const double v = at(seed[0] + dz, seed[1] + dy, seed[2] + dx);
        result.sum += v;
        result.sum_squares += v * v;
      }
    }
  }
  return result;
}

// NumericTraits<T>::NonpositiveMin() and max(), as double.
void dtype_range(DType dtype, double& lowest, double& highest) {
  switch (dtype) {
    case DType::int16:
      lowest = -32768.0, highest = 32767.0;
      return;
    case DType::uint16:
      lowest = 0.0, highest = 65535.0;
      return;
    default:
      lowest = -double(FLT_MAX), highest = double(FLT_MAX);
      return;
  }
}

// static_cast<T>(value) for a value inside T's range or NaN. Integers truncate toward zero;
// NaN gives 0, as the x86-64 conversion does (cvttsd2si yields INT_MIN, whose low 16 bits
// are 0). float32 rounds to nearest and keeps NaN.
double cast_to_dtype(double value, DType dtype) {
  if (dtype == DType::float32) return static_cast<double>(static_cast<float>(value));
  if (std::isnan(value)) return 0.0;
  return std::trunc(value);
}

struct Band {
  double lower;
  double upper;
  bool is_nan() const { return std::isnan(lower) || std::isnan(upper); }
  bool same_as(const Band& other) const {
    auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    return same(lower, other.lower) && same(upper, other.upper);
  }
};

struct SeedValues {
  double lowest;
  double highest;
};

// ITK: lower / upper from mean and variance, widened to the seeds' values, clamped to the
// dtype's range, cast to the dtype.
Band make_band(double mean, double variance, double multiplier, const SeedValues& seeds,
               DType dtype) {
  double lower = mean - multiplier * std::sqrt(variance);
  double upper = mean + multiplier * std::sqrt(variance);
  if (lower > seeds.lowest) lower = seeds.lowest;
  if (upper < seeds.highest) upper = seeds.highest;
  double type_lowest = 0.0, type_highest = 0.0;
  dtype_range(dtype, type_lowest, type_highest);
  if (lower < type_lowest) lower = type_lowest;
  if (upper > type_highest) upper = type_highest;
  return Band{cast_to_dtype(lower, dtype), cast_to_dtype(upper, dtype)};
}

// Math::AlmostEquals(variance, 0.0): FloatAlmostEqual with its defaults (an absolute
// difference of at most 0.1 * epsilon, or 4 ulps, which near 0 the first already covers).
bool almost_zero(double variance) {
  return std::abs(variance) <= 0.1 * DBL_EPSILON;
}

void check_confidence_params(const ConfidenceConnectedParams& params) {
  require_finite(params.multiplier, "multiplier");
  if (params.iterations < 0) {
    throw Error(Status::invalid_argument,
                fmt::format("iterations: {} must be >= 0", params.iterations));
  }
  if (params.initial_radius < 0 || params.initial_radius > kMaxInitialRadius) {
    throw Error(Status::invalid_argument, fmt::format("initial_radius: {} is outside 0..{}",
                                                      params.initial_radius, kMaxInitialRadius));
  }
  previous_neighbours(params.connectivity);  // throws naming the connectivity
}

}  // namespace

ConfidenceConnectedStats confidence_connected(const Context& context, const VolumeRef& input,
                                              const std::vector<Seed>& seeds,
                                              const VolumeRef& output,
                                              const ConfidenceConnectedParams& params) {
  check_region_growing_volumes(context, input, output);
  std::vector<int64_t> seed_indices = linear_seeds(seeds, input.shape);
  check_confidence_params(params);
  const DType dtype = input.dtype;
  const int radius = params.initial_radius;

  // 1. The initial estimate, from the seeds' cubes (or the seeds alone for radius 0).
  std::vector<SeedNeighbourhood> cubes;
  cubes.reserve(seeds.size());
  for (const Seed& seed : seeds) {
    cubes.push_back(visit_image_dtype(dtype, [&](auto type) {
      return read_neighbourhood<decltype(type)>(context, input, seed, radius);
    }));
  }
  ConfidenceConnectedStats stats;
  if (radius > 0) {
    const uint64_t size = uint64_t(2 * radius + 1) * (2 * radius + 1) * (2 * radius + 1);
    double mean = 0.0, sum_squares = 0.0;
    for (const SeedNeighbourhood& cube : cubes) {
      mean += cube.sum / double(size);
      sum_squares += cube.sum_squares;
    }
    const uint64_t num = cubes.size();
    const double total = double(num * size);
    mean /= double(num);
    stats.mean = mean;
    stats.variance = (sum_squares - (mean * mean * total)) / (total - 1.0);
  } else {
    double sum = 0.0, sum_squares = 0.0;
    for (const SeedNeighbourhood& cube : cubes) {
      sum += cube.value;
      sum_squares += cube.value * cube.value;
    }
    const double num = double(cubes.size());
    stats.mean = sum / num;
    stats.variance = (sum_squares - (sum * sum / num)) / (num - 1.0);
  }
  double type_lowest = 0.0, type_highest = 0.0;
  dtype_range(dtype, type_lowest, type_highest);
  SeedValues seed_values{type_highest, type_lowest};
  for (const SeedNeighbourhood& cube : cubes) {
    if (seed_values.lowest > cube.value) seed_values.lowest = cube.value;
    if (seed_values.highest < cube.value) seed_values.highest = cube.value;
  }

  // A seed given k times is visited k times by ITK's flood iterator when it is inside.
  struct Repeat {
    double value;
    uint64_t extra;  // k - 1
  };
  std::vector<Repeat> repeats;
  {
    std::vector<std::pair<int64_t, double>> sorted;
    for (std::size_t s = 0; s < seed_indices.size(); ++s) {
      sorted.emplace_back(seed_indices[s], cubes[s].value);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t s = 0; s < sorted.size();) {
      std::size_t e = s + 1;
      while (e < sorted.size() && sorted[e].first == sorted[s].first) ++e;
      if (e - s > 1) repeats.push_back({sorted[s].second, uint64_t(e - s - 1)});
      s = e;
    }
  }

  // 2.-3. The first band and flood.
  Flood flood(context, input, output, std::move(seed_indices), params.connectivity);
  auto grow = [&](const Band& band) {
    if (band.is_nan()) {
      flood.clear();  // a NaN bound (float32) admits no voxel
    } else {
      flood.grow(band.lower, band.upper);
    }
  };
  Band band = make_band(stats.mean, stats.variance, params.multiplier, seed_values, dtype);
  grow(band);

  // 4. Re-estimation from the region.
  for (int iteration = 0; iteration < params.iterations; ++iteration) {
    RegionMoments m = flood.moments();
    for (const Repeat& repeat : repeats) {
      const bool inside = band.lower <= repeat.value && repeat.value <= band.upper;
      if (!inside) continue;
      m.count += repeat.extra;
      if (dtype == DType::float32) {
        for (uint64_t k = 0; k < repeat.extra; ++k) {
          m.sum_float += repeat.value;
          m.sum_squares_float += repeat.value * repeat.value;
        }
      } else {
        const auto v = static_cast<int64_t>(repeat.value);
        m.sum_int += v * int64_t(repeat.extra);
        m.sum_squares_int += uint64_t(v * v) * repeat.extra;
      }
    }
    const double sum = dtype == DType::float32 ? m.sum_float : double(m.sum_int);
    const double sum_squares =
        dtype == DType::float32 ? m.sum_squares_float : double(m.sum_squares_int);
    const double n = double(m.count);
    stats.mean = sum / n;
    stats.variance = (sum_squares - (sum * sum / n)) / (n - 1.0);
    stats.iterations = iteration + 1;
    if (almost_zero(stats.variance)) break;
    const Band next = make_band(stats.mean, stats.variance, params.multiplier, seed_values, dtype);
    if (next.same_as(band)) break;  // the same band grows the same region: a fixed point
    band = next;
    grow(band);
  }
  stats.lower = band.lower;
  stats.upper = band.upper;
  flood.finish();
  return stats;
}

}  // namespace medkern
