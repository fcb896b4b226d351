#include "medkern/region_growing.hpp"

#include <fmt/format.h>

#include <vector>

#include "backends.hpp"
#include "checks.hpp"
#include "medkern/labeling.hpp"
#include "medkern/threshold.hpp"
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

}  // namespace

// The grown region is the union of the components of the in-band mask that hold a seed, so
// the op is threshold, label_components and a selection of labels: the same answer as ITK's
// flood fill, in passes that run at memory speed on the GPU.
void connected_threshold(const Context& context, const VolumeRef& input,
                         const std::vector<Seed>& seeds, const VolumeRef& output,
                         const ConnectedThresholdParams& params) {
  validate_volume(input, "input");
  require_dtype(input, "input", {DType::int16, DType::uint16, DType::float32});
  validate_volume(output, "output");
  require_dtype(output, "output", {DType::uint8});
  require_same_shape(input, "input", output, "output");
  require_reachable(context, input, "input");
  require_reachable(context, output, "output");
  const std::vector<int64_t> seed_indices = linear_seeds(seeds, input.shape);
  previous_neighbours(params.connectivity);  // checks the connectivity before any work
  const Shape3 shape = input.shape;
  const int64_t count = input.numel();
  if (!context.is_cuda()) {
    std::vector<uint8_t> band(count);
    std::vector<int32_t> labels(count);
    threshold(context, input, make_view(band.data(), shape), {params.lo, params.hi, 1, 0});
    const int64_t components =
        label_components(context, make_view(band.data(), shape), make_view(labels.data(), shape),
                         {params.connectivity});
    cpu::keep_seeded_components(context, labels.data(), count, seed_indices, components,
                                band.data());
    copy(context, make_view(band.data(), shape), output);
    return;
  }
#if MEDKERN_WITH_CUDA
  DeviceOutput device_output(context, output);
  const VolumeRef& band = device_output.view();
  Volume<int32_t> labels(context, shape);
  threshold(context, input, band, {params.lo, params.hi, 1, 0});
  const int64_t components = label_components(context, band, labels, {params.connectivity});
  cuda::keep_seeded_components(context, labels.data(), count, seed_indices, components,
                               static_cast<uint8_t*>(band.data));
  device_output.commit();
#endif
}

}  // namespace medkern
