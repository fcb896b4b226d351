// Launch and dispatch of connected-component labelling (device code and the algorithm in
// labeling.cuh).
//
// Bytes it must move, at the least: the input read and the int32 labels written, e.g. a
// 512^3 uint8 mask: 134 MB + 537 MB, 159 us at 4.23 TB/s. This version reads the input once
// and writes the labels twice and reads them once (tile roots, then numbers: 1.75 GB for
// 512^3, 0.41 ms); the forest and the root bits are touched only at roots.
// (Labelling each tile again in the last pass, instead of reading its tile roots back, was
// tried: the shared-memory union-find costs more than the 1.07 GB it saves.)
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <cub/device/device_scan.cuh>

#include <algorithm>
#include <vector>

#include "device_buffer.hpp"
#include "kernels/labeling.cuh"
#include "kernels/launch.cuh"
#include "labeling_backends.hpp"

namespace medkern::cuda {

namespace {

using kernels::Geometry;
using kernels::NodeNeighbourhood;

// Tiles of P::kTileNodes^3 nodes (3-D) or 1 x P::kSliceTileNodes^2 (per slice); the node
// shape is the largest block whose voxels are all neighbours of each other (see
// node_is_connected), which cuts the unions by its volume. At the policies' 16 and 64:
template <int BZ, int BY, int BX, class P>
using Nodes3d = Geometry<BZ, BY, BX, P::kTileNodes, P::kTileNodes, P::kTileNodes>;
template <int BZ, int BY, int BX, class P>
using NodesPerSlice = Geometry<BZ, BY, BX, 1, P::kSliceTileNodes, P::kSliceTileNodes>;
template <class P>
using Nodes222 = Nodes3d<2, 2, 2, P>;  // 26: tiles 32x32x32
template <class P>
using Nodes122 = Nodes3d<1, 2, 2, P>;  // 18: tiles 16x32x32
template <class P>
using Nodes112 = Nodes3d<1, 1, 2, P>;  // 6: tiles 16x16x32
template <class P>
using Voxels3d = Nodes3d<1, 1, 1, P>;  // equal values, 3-D: tiles 16^3
template <class P>
using Slice122 = NodesPerSlice<1, 2, 2, P>;  // 8 per slice: tiles 1x128x128
template <class P>
using Slice112 = NodesPerSlice<1, 1, 2, P>;  // 4 per slice: tiles 1x64x128
template <class P>
using SliceVoxels = NodesPerSlice<1, 1, 1, P>;  // equal values per slice: 1x64x64

struct Offset {
  int dz, dy, dx;
};

// Every neighbour offset of a voxel (both halves of `neighbours`).
std::vector<Offset> all_offsets(const Neighbourhood& neighbours) {
  std::vector<Offset> offsets;
  for (int n = 0; n < neighbours.count; ++n) {
    offsets.push_back({neighbours.dz[n], neighbours.dy[n], neighbours.dx[n]});
    offsets.push_back({-neighbours.dz[n], -neighbours.dy[n], -neighbours.dx[n]});
  }
  return offsets;
}

bool is_neighbour(const std::vector<Offset>& offsets, int dz, int dy, int dx) {
  return std::any_of(offsets.begin(), offsets.end(),
                     [&](const Offset& o) { return o.dz == dz && o.dy == dy && o.dx == dx; });
}

// The node-level neighbourhood of nodes of bz x by x bx voxels, and for each of its offsets
// the spread table (kernels::kSpreadEntries bytes): spread[a] = the voxels of the
// neighbouring node that touch some voxel of the voxel set a.
NodeNeighbourhood node_neighbourhood(const Neighbourhood& neighbours, int bz, int by, int bx,
                                     std::vector<uint8_t>& spread) {
  const auto offsets = all_offsets(neighbours);
  const int voxels = bz * by * bx;
  NodeNeighbourhood result;
  spread.clear();
  for (int dz = -1; dz <= 1; ++dz) {
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        if (dz == 0 && dy == 0 && dx == 0) continue;
        uint8_t touching[8]{};  // touching[u]: voxels v of the neighbour touching voxel u
        bool any = false;
        for (int u = 0; u < voxels; ++u) {
          const int uz = u / (by * bx), uy = u / bx % by, ux = u % bx;
          for (int v = 0; v < voxels; ++v) {
            const int vz = v / (by * bx), vy = v / bx % by, vx = v % bx;
            if (is_neighbour(offsets, dz * bz + vz - uz, dy * by + vy - uy, dx * bx + vx - ux)) {
              touching[u] |= uint8_t(1u << v);
              any = true;
            }
          }
        }
        if (!any) continue;
        const int i = result.count++;
        result.dz[i] = int8_t(dz);
        result.dy[i] = int8_t(dy);
        result.dx[i] = int8_t(dx);
        for (int a = 0; a < kernels::kSpreadEntries; ++a) {
          uint8_t reached = 0;
          for (int u = 0; u < voxels; ++u) {
            if (a & (1 << u)) reached |= touching[u];
          }
          spread.push_back(reached);
        }
      }
    }
  }
  auto index_of = [&](int dz, int dy, int dx) {
    for (int i = 0; i < result.count; ++i) {
      if (result.dz[i] == dz && result.dy[i] == dy && result.dx[i] == dx) return i;
    }
    return -1;
  };
  result.left = index_of(0, 0, -1);
  if (result.left < 0) throw Error(Status::internal, "labelling: no left neighbour");
  for (int i = 0; i < result.count; ++i) {
    const bool left = i == result.left;  // (0, 0, 0) is no offset
    result.plus_x[i] = int8_t(left ? -1 : index_of(result.dz[i], result.dy[i], result.dx[i] + 1));
    const int dz = result.dz[i], dy = result.dy[i], dx = result.dx[i];
    const bool earlier = dz < 0 || (dz == 0 && (dy < 0 || (dy == 0 && dx < 0)));
    if (earlier && !left) result.earlier[result.earlier_count++] = int8_t(i);
  }
  return result;
}

// Whether all voxels of a bz x by x bx node are neighbours of each other, so that the
// foreground voxels of a node always form one component.
bool node_is_connected(const Neighbourhood& neighbours, int bz, int by, int bx) {
  const auto offsets = all_offsets(neighbours);
  for (int u = 0; u < bz * by * bx; ++u) {
    for (int v = 0; v < bz * by * bx; ++v) {
      const int dz = v / (by * bx) - u / (by * bx), dy = v / bx % by - u / bx % by,
                dx = v % bx - u % bx;
      if (u != v && !is_neighbour(offsets, dz, dy, dx)) return false;
    }
  }
  return true;
}

template <class Policy, class Rule, class G>
int64_t label_with(const Context& context, const VolumeRef& image, int32_t* labels,
                   const Neighbourhood& neighbours) {
  const cudaStream_t stream = stream_of(context);
  const int64_t count = image.numel();
  std::vector<uint8_t> spread_host;
  const NodeNeighbourhood nb = node_neighbourhood(neighbours, G::BZ, G::BY, G::BX, spread_host);
  DeviceBuffer<uint8_t> spread(context, spread_host.size());
  cuda_check(cudaMemcpyAsync(spread.data(), spread_host.data(), spread_host.size(),
                             cudaMemcpyHostToDevice, stream),
             "label_components: cudaMemcpyAsync");
  const auto* values = static_cast<const typename Rule::Value*>(image.data);
  kernels::Dims dims{int32_t(image.shape[0]), int32_t(image.shape[1]), int32_t(image.shape[2]), 0,
                     0};
  const int32_t tiles_z = (dims.nz + G::TZ - 1) / G::TZ;
  dims.tiles_y = (dims.ny + G::TY - 1) / G::TY;
  dims.tiles_x = (dims.nx + G::TX - 1) / G::TX;
  const int64_t tiles = int64_t(tiles_z) * dims.tiles_y * dims.tiles_x;

  // The forest is only touched at tile roots, which pass 1 writes; it needs no clearing.
  DeviceBuffer<int32_t> forest(context, count);
  const int64_t words = (count + 31) / 32;
  DeviceBuffer<uint32_t> root_bits_storage(context, words);
  DeviceBuffer<int32_t> ranks(context, words);
  uint32_t* root_bits = root_bits_storage.data();
  cuda_check(cudaMemsetAsync(root_bits, 0, std::size_t(words) * sizeof(uint32_t), stream),
             "label_components: cudaMemsetAsync");

  constexpr int kTileThreads = Policy::kTileThreads;
  kernels::label_tiles<Rule, G, kTileThreads><<<unsigned(tiles), kTileThreads, 0, stream>>>(
      values, spread.data(), forest.data(), root_bits, labels, dims, nb);
  cuda_check_launch("label_tiles");

  const int64_t face_threads = tiles * kernels::LowFaces<G>::kNodes;
  if (tiles > 1) {
    constexpr int kJoinThreads = Policy::kJoinThreads;
    kernels::join_tiles<Rule, G>
        <<<unsigned((face_threads + kJoinThreads - 1) / kJoinThreads), kJoinThreads, 0, stream>>>(
            values, spread.data(), labels, forest.data(), root_bits, dims, int32_t(tiles), nb);
    cuda_check_launch("join_tiles");
  }

  auto root_counts = thrust::make_transform_iterator(thrust::counting_iterator<int32_t>(0),
                                                     kernels::RootCount{root_bits});
  std::size_t scratch_bytes = 0;
  cuda_check(cub::DeviceScan::InclusiveSum(nullptr, scratch_bytes, root_counts, ranks.data(),
                                           int(words), stream),
             "label_components: scan size");
  DeviceBuffer<uint8_t> scratch(context, std::max<std::size_t>(scratch_bytes, 1));
  cuda_check(cub::DeviceScan::InclusiveSum(scratch.data(), scratch_bytes, root_counts, ranks.data(),
                                           int(words), stream),
             "label_components: scan");

  constexpr int kNumberThreads = Policy::kNumberThreads;
  if (aligned_to(labels, 16)) {
    const unsigned grid =
        grid_for(context, count / 4 + 1, kNumberThreads, Policy::kNumberBlocksPerSm);
    kernels::number_voxels<4><<<grid, kNumberThreads, 0, stream>>>(labels, forest.data(), root_bits,
                                                                   ranks.data(), int32_t(count));
  } else {
    const unsigned grid = grid_for(context, count, kNumberThreads, Policy::kNumberBlocksPerSm);
    kernels::number_voxels<1><<<grid, kNumberThreads, 0, stream>>>(labels, forest.data(), root_bits,
                                                                   ranks.data(), int32_t(count));
  }
  cuda_check_launch("number_voxels");

  return read_back(context, ranks.data() + words - 1, "label_components: cudaMemcpyAsync");
}

template <class Policy, class T>
int64_t label_equal_values(const Context& context, const VolumeRef& image, int32_t* labels,
                           const Neighbourhood& neighbours, bool per_slice) {
  using Rule = kernels::EqualValueRule<T>;
  return per_slice
             ? label_with<Policy, Rule, SliceVoxels<Policy>>(context, image, labels, neighbours)
             : label_with<Policy, Rule, Voxels3d<Policy>>(context, image, labels, neighbours);
}

template <class Policy>
int64_t label_components_with(const Context& context, const VolumeRef& image, int32_t* labels,
                              const Neighbourhood& neighbours, LabelRule rule) {
  bool per_slice = true;
  for (int n = 0; n < neighbours.count; ++n) per_slice = per_slice && neighbours.dz[n] == 0;

  if (rule == LabelRule::equal_value) {
    switch (image.dtype) {
      case DType::uint8:
        return label_equal_values<Policy, uint8_t>(context, image, labels, neighbours, per_slice);
      case DType::int16:
        return label_equal_values<Policy, int16_t>(context, image, labels, neighbours, per_slice);
      case DType::uint16:
        return label_equal_values<Policy, uint16_t>(context, image, labels, neighbours, per_slice);
      case DType::int32:
        return label_equal_values<Policy, int32_t>(context, image, labels, neighbours, per_slice);
      case DType::float32:
        return label_equal_values<Policy, float>(context, image, labels, neighbours, per_slice);
      default:
        throw_dtype_mismatch("image", DType::int32, image.dtype);
    }
  }
  if (image.dtype != DType::uint8) throw_dtype_mismatch("mask", DType::uint8, image.dtype);
  using Rule = kernels::NonZeroRule;
  // The largest node whose voxels all touch each other.
  if (!per_slice && node_is_connected(neighbours, 2, 2, 2)) {
    return label_with<Policy, Rule, Nodes222<Policy>>(context, image, labels, neighbours);
  }
  if (node_is_connected(neighbours, 1, 2, 2)) {
    return per_slice
               ? label_with<Policy, Rule, Slice122<Policy>>(context, image, labels, neighbours)
               : label_with<Policy, Rule, Nodes122<Policy>>(context, image, labels, neighbours);
  }
  return per_slice ? label_with<Policy, Rule, Slice112<Policy>>(context, image, labels, neighbours)
                   : label_with<Policy, Rule, Nodes112<Policy>>(context, image, labels, neighbours);
}

}  // namespace

int64_t label_components(const Context& context, const VolumeRef& image, int32_t* labels,
                         const Neighbourhood& neighbours, LabelRule rule) {
  DeviceGuard guard(context.device().ordinal);
  if (image.numel() == 0) return 0;
  return with_policy<LabelingPolicy>(context, [&](auto policy) {
    return label_components_with<decltype(policy)>(context, image, labels, neighbours, rule);
  });
}

void select_flagged_components(const Context& context, const int32_t* labels, const uint8_t* flags,
                               int64_t count, uint8_t* output) {
  DeviceGuard guard(context.device().ordinal);
  with_policy<LabelingPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    kernels::select_flagged<uint8_t>
        <<<grid_for(context, count, Policy::kSelectThreads, Policy::kSelectBlocksPerSm),
           Policy::kSelectThreads, 0, stream_of(context)>>>(labels, flags, count, output);
  });
  cuda_check_launch("select_flagged");
}

}  // namespace medkern::cuda
