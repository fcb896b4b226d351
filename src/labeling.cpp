#include "medkern/labeling.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <vector>

#include "checks.hpp"
#include "labeling_backends.hpp"
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

int64_t label_components(const Context& context, const VolumeRef& image, const VolumeRef& labels,
                         const LabelComponentsParams& params) {
  require_volume(context, image, "image",
                 {DType::uint8, DType::int16, DType::uint16, DType::int32});
  require_like(context, image, "image", labels, "labels", {DType::int32});
  const Neighbourhood neighbours = previous_neighbours(params.connectivity);
  // A uint8 image is a mask; wider integers are label images whose equal values connect.
  const LabelRule rule = image.dtype == DType::uint8 ? LabelRule::nonzero : LabelRule::equal_value;
  // Components are found through voxel indices held in int32.
  require_int32_voxels(image, "image", "labelling");
  return run_op(
      context, image, labels,
      [&](const VolumeRef& in, const VolumeRef& out) {
        if (out.is_contiguous()) {
          return cpu::label_components(context, in, static_cast<int32_t*>(out.data), neighbours,
                                       rule);
        }
        Volume<int32_t> packed(context, out.shape);
        const int64_t count = cpu::label_components(context, in, packed.data(), neighbours, rule);
        copy(context, packed, out);
        return count;
      },
      [&]([[maybe_unused]] const VolumeRef& in, [[maybe_unused]] const VolumeRef& out) {
#if MEDKERN_WITH_CUDA
        // The GPU passes read the image again after the first one has written the labels, so
        // labels that share memory with the image (a label image relabelled in place) are
        // written into a buffer of their own first.
        if (!memory_overlaps(in, out)) {
          return cuda::label_components(context, in, static_cast<int32_t*>(out.data), neighbours,
                                        rule);
        }
        Volume<int32_t> separate(context, out.shape);
        const int64_t count =
            cuda::label_components(context, in, separate.data(), neighbours, rule);
        copy(context, separate.view(), out);
        return count;
#endif
      });
}

}  // namespace medkern
