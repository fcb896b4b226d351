// Launch and dispatch of the watershed family (device code and the definition it computes
// in watershed.cuh).
//
// Bytes at the least, n voxels: the elevation read and the int32 labels written (float32:
// 8n; 256^3: 134 MB, 32 us at 4.23 TB/s). The fields in between (keys, levels, via_steps,
// predecessor bits, parents: 4 bytes; arrivals, vias: 8; 32n bytes held at once, keys
// included: 256^3: 537 MB) and every relaxation pass over them cost more: a pass over all
// tiles reads aux and state (with halos, ~2x) and writes what changed, ~16n bytes for
// levels and via_steps, 24n for arrivals and vias (256^3: 0.06 / 0.10 ms). A flood needs a
// pass per tile it crosses, but after the first pass only the tiles next to a change run.
// The pointwise kernels read a voxel's fields and its neighbours' (mostly from cache):
// init_vias reads 16n bytes (markers included) and writes 12n, init_via_steps 24n and 8n,
// pick_parents 28n and 4n.
#include <utility>

#include "device_buffer.hpp"
#include "dtype_dispatch.hpp"
#include "kernels/launch.cuh"
#include "kernels/watershed.cuh"
#include "watershed_backends.hpp"

namespace medkern::cuda {

namespace {

// The pointwise passes' block (their grids follow the device: pointwise_grid).
constexpr int kPointwiseThreads = shared_policy_value<WatershedPolicy>(
    [](auto policy) { return decltype(policy)::kPointwiseThreads; });

kernels::VolumeDims dims_of(const Shape3& shape) {
  return {int32_t(shape[0]), int32_t(shape[1]), int32_t(shape[2])};
}

// A device int that a kernel sets (a "changed" flag, or a count) and the host reads back after
// each pass.
class DeviceCounter {
 public:
  explicit DeviceCounter(const Context& context) : context_(context), value_(context, 1) {}
  int* reset() {
    cuda_check(cudaMemsetAsync(value_.data(), 0, sizeof(int), stream_of(context_)),
               "cudaMemsetAsync");
    return value_.data();
  }
  int read() { return read_back(context_, value_.data(), "cudaMemcpyAsync"); }

 private:
  const Context& context_;
  DeviceBuffer<int> value_;
};

unsigned pointwise_grid(const Context& context, int64_t count) {
  return with_policy<WatershedPolicy>(context, [&](auto policy) {
    using Policy = decltype(policy);
    return grid_for(context, count, Policy::kPointwiseThreads, Policy::kPointwiseBlocksPerSm);
  });
}

// Relaxes `state` (with its fixed `aux`) in place to its fixed point: tile passes, each over
// the tiles that the one before listed (all of them at first), the list forwards and
// backwards in turn, until one lists none.
template <class Rule, class State = typename Rule::State>
void relax(const Context& context, const Shape3& shape, const uint32_t* aux, State* state,
           const FullNeighbourhood& neighbours) {
  using Tile = kernels::RelaxTile;
  const cudaStream_t stream = stream_of(context);
  const kernels::VolumeDims dims = dims_of(shape);
  const int32_t tiles = ((dims.nz + Tile::kZ - 1) / Tile::kZ) *
                        ((dims.ny + Tile::kY - 1) / Tile::kY) *
                        ((dims.nx + Tile::kX - 1) / Tile::kX);
  DeviceBuffer<int32_t> list_a(context, tiles), list_b(context, tiles);
  DeviceBuffer<uint32_t> queued(context, tiles);
  DeviceCounter next_count(context);
  int32_t* list = list_a.data();
  int32_t* next_list = list_b.data();
  uint32_t* queued_flags = queued.data();
  kernels::list_all_tiles<<<pointwise_grid(context, tiles), kPointwiseThreads, 0, stream>>>(
      list, queued_flags, tiles);
  cuda_check_launch("list_all_tiles");
  int32_t count = tiles;
  for (int pass = 0; count > 0; ++pass) {
    kernels::relax_tiles<Rule><<<unsigned(count), Tile::kThreads, 0, stream>>>(
        aux, state, dims, neighbours, list, count, next_list, next_count.reset(), queued_flags,
        pass % 2 == 1);
    cuda_check_launch("relax_tiles");
    std::swap(list, next_list);
    count = next_count.read();
  }
}

}  // namespace

void elevation_keys(const Context& context, const VolumeRef& elevation, const VolumeRef* mask,
                    uint32_t* keys) {
  DeviceGuard guard(context.device().ordinal);
  const int64_t count = elevation.numel();
  const uint8_t* mask_data = mask != nullptr ? static_cast<const uint8_t*>(mask->data) : nullptr;
  visit_image_dtype(elevation.dtype, [&](auto type) {
    using T = decltype(type);
    kernels::make_elevation_keys<T>
        <<<pointwise_grid(context, count), kPointwiseThreads, 0, stream_of(context)>>>(
            static_cast<const T*>(elevation.data), mask_data, keys, count);
    cuda_check_launch("make_elevation_keys");
  });
}

void watershed(const Context& context, const Shape3& shape, const uint32_t* keys,
               const int32_t* markers, const FullNeighbourhood& neighbours, int32_t* labels) {
  DeviceGuard guard(context.device().ordinal);
  const cudaStream_t stream = stream_of(context);
  const int64_t count = shape[0] * shape[1] * shape[2];
  const unsigned grid = pointwise_grid(context, count);
  const kernels::VolumeDims dims = dims_of(shape);
  // Levels, arrivals, vias (64-bit), via_steps, then parents; the predecessor bits of the
  // vias and the via_steps live in the parents' storage until the parents are picked, the
  // pointer jumps reuse the levels.
  DeviceBuffer<uint32_t> level_storage(context, count);
  DeviceBuffer<int32_t> parent_storage(context, count);
  DeviceBuffer<uint64_t> arrival_storage(context, count), via_storage(context, count);
  DeviceBuffer<uint32_t> via_steps_storage(context, count);
  uint32_t* levels = level_storage.data();
  uint64_t* arrivals = arrival_storage.data();
  uint64_t* vias = via_storage.data();
  uint32_t* via_steps = via_steps_storage.data();
  auto* predecessors = reinterpret_cast<uint32_t*>(parent_storage.data());
  int32_t* parents = parent_storage.data();
  kernels::init_levels<<<grid, kPointwiseThreads, 0, stream>>>(keys, markers, levels, count);
  cuda_check_launch("init_levels");
  relax<kernels::FloodLevel>(context, shape, keys, levels, neighbours);
  kernels::init_arrivals<<<grid, kPointwiseThreads, 0, stream>>>(levels, markers, arrivals, dims,
                                                                 neighbours);
  cuda_check_launch("init_arrivals");
  relax<kernels::Arrival>(context, shape, levels, arrivals, neighbours);
  kernels::FloodFields fields{levels, arrivals, nullptr, nullptr};
  kernels::init_vias<<<grid, kPointwiseThreads, 0, stream>>>(fields, markers, vias, predecessors,
                                                             dims, neighbours);
  cuda_check_launch("init_vias");
  relax<kernels::Via>(context, shape, predecessors, vias, neighbours);
  fields.vias = vias;
  kernels::init_via_steps<<<grid, kPointwiseThreads, 0, stream>>>(fields, markers, via_steps,
                                                                  predecessors, dims, neighbours);
  cuda_check_launch("init_via_steps");
  relax<kernels::ViaSteps>(context, shape, predecessors, via_steps, neighbours);
  fields.via_steps = via_steps;
  kernels::pick_parents<<<grid, kPointwiseThreads, 0, stream>>>(fields, markers, parents, dims,
                                                                neighbours);
  cuda_check_launch("pick_parents");
  // The jumps overwrite the levels, which are no longer needed.
  int32_t* from = parents;
  int32_t* to = reinterpret_cast<int32_t*>(levels);
  DeviceCounter changed(context);
  while (true) {
    kernels::jump_parents<<<grid, kPointwiseThreads, 0, stream>>>(from, to, count, changed.reset());
    cuda_check_launch("jump_parents");
    std::swap(from, to);
    if (changed.read() == 0) break;
  }
  kernels::label_from_roots<<<grid, kPointwiseThreads, 0, stream>>>(from, markers, labels, count);
  cuda_check_launch("label_from_roots");
}

void regional_minima(const Context& context, const Shape3& shape, const uint32_t* keys,
                     const FullNeighbourhood& neighbours, uint8_t* minima) {
  DeviceGuard guard(context.device().ordinal);
  const cudaStream_t stream = stream_of(context);
  const int64_t count = shape[0] * shape[1] * shape[2];
  const unsigned grid = pointwise_grid(context, count);
  DeviceBuffer<uint32_t> flag_storage(context, count);
  uint32_t* flags = flag_storage.data();
  kernels::init_minimum_flags<<<grid, kPointwiseThreads, 0, stream>>>(keys, flags, dims_of(shape),
                                                                      neighbours);
  cuda_check_launch("init_minimum_flags");
  relax<kernels::MinimumFlag>(context, shape, keys, flags, neighbours);
  kernels::flags_to_mask<<<grid, kPointwiseThreads, 0, stream>>>(flags, minima, count);
  cuda_check_launch("flags_to_mask");
}

}  // namespace medkern::cuda
