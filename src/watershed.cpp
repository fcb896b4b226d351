#include "medkern/watershed.hpp"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <vector>

#include "checks.hpp"
#include "device_buffer.hpp"
#include "medkern/labeling.hpp"
#include "staging.hpp"
#include "watershed_backends.hpp"

namespace medkern {

FullNeighbourhood all_neighbours(int connectivity) {
  if (connectivity != 6 && connectivity != 18 && connectivity != 26) {
    throw Error(Status::invalid_argument,
                fmt::format("connectivity: {} is not one of 6, 18, 26", connectivity));
  }
  // Largest number of non-zero offsets: 1 (faces), 2 (and edges), 3 (and corners).
  const int reach = connectivity == 6 ? 1 : connectivity == 18 ? 2 : 3;
  FullNeighbourhood result;
  for (int dz = -1; dz <= 1; ++dz) {
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        const int nonzero = (dz != 0) + (dy != 0) + (dx != 0);
        if (nonzero == 0 || nonzero > reach) continue;
        result.dz[result.count] = int8_t(dz);
        result.dy[result.count] = int8_t(dy);
        result.dx[result.count] = int8_t(dx);
        ++result.count;
      }
    }
  }
  return result;
}

namespace {

#if MEDKERN_WITH_CUDA
// The elevation keys of a CUDA context's inputs, in device memory.
DeviceBuffer<uint32_t> device_elevation_keys(const Context& context, const VolumeRef& elevation,
                                             const VolumeRef* mask) {
  DeviceInput device_elevation(context, elevation);
  std::optional<DeviceInput> device_mask;
  if (mask != nullptr) device_mask.emplace(context, *mask);
  DeviceBuffer<uint32_t> keys(context, elevation.numel());
  cuda::elevation_keys(context, device_elevation.view(),
                       device_mask ? &device_mask->view() : nullptr, keys.data());
  return keys;
}
#endif

// The CPU flood, for CPU contexts, and for the sequential flood with lines on any context:
// a CUDA context's keys and markers come to the host and the labels go back. The markers
// are read until the end: the private copy lets `labels` be `markers`.
void watershed_on_host(const Context& context, const VolumeRef& elevation, const VolumeRef& markers,
                       const VolumeRef* mask, const VolumeRef& labels,
                       const FullNeighbourhood& neighbours, bool watershed_line) {
  const Shape3 shape = elevation.shape;
  const int64_t count = elevation.numel();
  std::vector<uint32_t> keys;
  std::vector<int32_t> seeds(count), result(count);
  if (!context.is_cuda()) {
    keys.resize(count);
    cpu::elevation_keys(context, elevation, mask, keys.data());
  } else {
#if MEDKERN_WITH_CUDA
    keys = make_host_vector(context, device_elevation_keys(context, elevation, mask));
#endif
  }
  copy(context, markers, make_view(seeds.data(), shape));
  cpu::watershed(context, shape, keys.data(), seeds.data(), neighbours, watershed_line,
                 result.data());
  copy(context, make_view(result.data(), shape), labels);
}

}  // namespace

void watershed(const Context& context, const VolumeRef& elevation, const VolumeRef& markers,
               const VolumeRef* mask, const VolumeRef& labels, const WatershedParams& params) {
  require_volume(context, elevation, "elevation", {DType::float32, DType::int16, DType::uint16});
  require_like(context, elevation, "elevation", markers, "markers", {DType::int32});
  require_mask(context, mask, elevation);
  require_like(context, elevation, "elevation", labels, "labels", {DType::int32});
  require_int32_voxels(elevation, "elevation", "the watershed");
  const FullNeighbourhood neighbours = all_neighbours(params.connectivity);
  const Shape3 shape = elevation.shape;
  if (!context.is_cuda() || params.watershed_line) {
    watershed_on_host(context, elevation, markers, mask, labels, neighbours, params.watershed_line);
    return;
  }
#if MEDKERN_WITH_CUDA
  const DeviceBuffer<uint32_t> keys = device_elevation_keys(context, elevation, mask);
  Volume<int32_t> seeds(context, shape);  // private, as on the host
  copy(context, markers, seeds.view());
  DeviceOutput device_labels(context, labels);
  cuda::watershed(context, shape, keys.data(), seeds.data(), neighbours,
                  static_cast<int32_t*>(device_labels.view().data));
  device_labels.commit();
#endif
}

int64_t regional_minima(const Context& context, const VolumeRef& volume, const VolumeRef& labels,
                        const RegionalMinimaParams& params) {
  require_volume(context, volume, "volume", {DType::float32, DType::int16, DType::uint16});
  require_like(context, volume, "volume", labels, "labels", {DType::int32});
  require_int32_voxels(volume, "volume", "the watershed");
  const FullNeighbourhood neighbours = all_neighbours(params.connectivity);
  const Shape3 shape = volume.shape;
  // Two minima never touch (the higher one would not be a minimum), so the components of
  // the minima mask are the plateaus themselves.
  if (!context.is_cuda()) {
    DeviceBuffer<uint32_t> keys(context, std::size_t(volume.numel()));
    Volume<uint8_t> minima(context, shape);
    cpu::elevation_keys(context, volume, nullptr, keys.data());
    cpu::regional_minima(context, shape, keys.data(), neighbours, minima.data());
    return label_components(context, minima, labels, {params.connectivity});
  }
#if MEDKERN_WITH_CUDA
  const DeviceBuffer<uint32_t> keys = device_elevation_keys(context, volume, nullptr);
  Volume<uint8_t> minima(context, shape);
  cuda::regional_minima(context, shape, keys.data(), neighbours, minima.data());
  return label_components(context, minima.view(), labels, {params.connectivity});
#else
  return 0;
#endif
}

}  // namespace medkern
