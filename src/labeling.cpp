#include "medkern/labeling.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <vector>

#include "backends.hpp"
#include "checks.hpp"
#include "staging.hpp"

namespace medkern {

Neighbourhood previous_neighbours(int connectivity) {
  // Largest number of non-zero offsets a neighbour may have; in-plane ones keep dz = 0.
  int reach = 0;
  bool in_plane = false;
  switch (connectivity) {
    case 6:
      reach = 1;
      break;
    case 18:
      reach = 2;
      break;
    case 26:
      reach = 3;
      break;
    case 4:
      reach = 1;
      in_plane = true;
      break;
    case 8:
      reach = 2;
      in_plane = true;
      break;
    default:
      throw Error(Status::invalid_argument,
                  fmt::format("connectivity: {} is not one of 6, 18, 26 (3-D) or 4, 8 (per slice)",
                              connectivity));
  }
  Neighbourhood result;
  for (int dz = -1; dz <= 0; ++dz) {
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        const bool before = dz < 0 || (dz == 0 && (dy < 0 || (dy == 0 && dx < 0)));
        const int nonzero = (dz != 0) + (dy != 0) + (dx != 0);
        if (!before || nonzero > reach || (in_plane && dz != 0)) continue;
        result.dz[result.count] = int8_t(dz);
        result.dy[result.count] = int8_t(dy);
        result.dx[result.count] = int8_t(dx);
        ++result.count;
      }
    }
  }
  for (int n = 0; n < result.count; ++n) {
    if (result.dz[n] == 0 && result.dy[n] == 0 && result.dx[n] == -1) result.left = n;
  }
  for (int n = 0; n < result.count; ++n) {
    for (int m = 0; m < result.count && n != result.left; ++m) {
      const bool same_as_seen_from_left = result.dz[m] == result.dz[n] &&
                                          result.dy[m] == result.dy[n] &&
                                          result.dx[m] == result.dx[n] + 1;
      if (same_as_seen_from_left) result.implied_by_left |= 1u << n;
    }
  }
  return result;
}

int64_t label_components(const Context& context, const VolumeRef& mask, const VolumeRef& labels,
                         const LabelComponentsParams& params) {
  validate_volume(mask, "mask");
  require_dtype(mask, "mask", {DType::uint8});
  require_reachable(context, mask, "mask");
  validate_volume(labels, "labels");
  require_dtype(labels, "labels", {DType::int32});
  require_same_shape(mask, "mask", labels, "labels");
  require_reachable(context, labels, "labels");
  const Neighbourhood neighbours = previous_neighbours(params.connectivity);
  // Components are found through voxel indices held in the int32 labels themselves.
  if (mask.numel() > std::numeric_limits<int32_t>::max()) {
    throw Error(Status::overflow,
                fmt::format("mask: {} voxels; labelling takes fewer than 2^31", mask.numel()));
  }
  if (!context.is_cuda()) {
    if (labels.is_contiguous()) {
      return cpu::label_components(context, mask, static_cast<int32_t*>(labels.data), neighbours);
    }
    std::vector<int32_t> packed(labels.numel());
    const int64_t count = cpu::label_components(context, mask, packed.data(), neighbours);
    copy(context, make_view(packed.data(), labels.shape), labels);
    return count;
  }
#if MEDKERN_WITH_CUDA
  DeviceInput device_mask(context, mask);
  DeviceOutput device_labels(context, labels);
  const int64_t count = cuda::label_components(
      context, device_mask.view(), static_cast<int32_t*>(device_labels.view().data), neighbours);
  device_labels.commit();
  return count;
#else
  return 0;
#endif
}

}  // namespace medkern
