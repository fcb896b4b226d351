// Launch and dispatch of calcium scoring (device code in calcium.cuh).
//
// Bytes it must move, for the standard 64x512x512 calcium CT (16.8 M voxels) with a label
// volume: at the least the CT and the labels read once, 33.6 MB + 16.8 MB = 50 MB, 12 us at
// the 4.23 TB/s of a device-to-device copy on the H200. This version moves about 453 MB,
// 107 us:
//   mark_candidates   CT + labels read, uint8 mask written             67 MB
//   label_components  mask read, int32 ids written twice, read once   218 MB
//   label_statistics  CT + ids read: area, sum, max, centroid sums    101 MB
//   join_and_vote     ids read (the next slice's ids and the labels   67 MB
//                     only at lesion voxels): votes and 3-D joins
// plus per-lesion kernels over the N lesions (N + 1 label-statistics entries of 96 bytes)
// and a download of the kept lesions (48 bytes each) after the only two synchronisations
// besides the labelling's own: the number of lesions, then the number of kept lesions.
// The labelling dominates; the rest is two passes over the ids and one over the CT.
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <cub/device/device_scan.cuh>

#include <algorithm>
#include <exception>
#include <optional>
#include <vector>

#include "calcium_backends.hpp"
#include "device_buffer.hpp"
#include "kernels/calcium.cuh"
#include "kernels/launch.cuh"
#include "label_statistics_backends.hpp"
#include "labeling_backends.hpp"
#include "medkern/memory.hpp"

namespace medkern::cuda {

namespace {

// Launch constants: CalciumPolicy (kernels/tuning.cuh).

// What the host reads back before the per-lesion passes: the label values present (copied
// right after mark_candidates, arrived once the labelling has synchronised) and the number
// of kept lesions.
struct Readback {
  LabelPresence presence;
  int32_t kept;
};

// A block of the pinned host pool that copies write into while the host goes on enqueueing.
// Every return follows a synchronisation of the stream; when an exception unwinds, the
// stream is synchronised here first, so that no copy lands in a block handed out again.
class PinnedReadback {
 public:
  explicit PinnedReadback(cudaStream_t stream)
      : stream_(stream),
        pool_(pinned_host_pool()),
        allocation_(pool_.allocate(sizeof(Readback), nullptr)),
        exceptions_(std::uncaught_exceptions()) {}
  ~PinnedReadback() {
    if (std::uncaught_exceptions() > exceptions_) cudaStreamSynchronize(stream_);
    pool_.deallocate(allocation_, nullptr);
  }
  PinnedReadback(const PinnedReadback&) = delete;
  PinnedReadback& operator=(const PinnedReadback&) = delete;
  Readback* operator->() const { return static_cast<Readback*>(allocation_.pointer); }

 private:
  cudaStream_t stream_;
  Pool& pool_;
  Allocation allocation_;
  int exceptions_;
};

// The label values present among candidates, in increasing order.
std::vector<int32_t> present_labels(const LabelPresence& presence) {
  std::vector<int32_t> values;
  for (int v = 0; v < 256; ++v) {
    if ((presence.words[v >> 5] >> (v & 31)) & 1u) values.push_back(v);
  }
  return values;
}

template <class Policy>
std::vector<LesionSums> calcium_lesions_with(const Context& context, const VolumeRef& ct,
                                             const VolumeRef* labels, const CalciumScan& scan) {
  const cudaStream_t stream = stream_of(context);
  const auto count = int32_t(ct.numel());
  const auto slice_voxels = int32_t(ct.shape[1] * ct.shape[2]);
  const auto* hu = static_cast<const int16_t*>(ct.data);
  const auto* label_values =
      labels != nullptr ? static_cast<const uint8_t*>(labels->data) : nullptr;

  // Candidates, and the label values seen on them.
  Volume<uint8_t> mask(context, ct.shape);
  DeviceBuffer<uint32_t> presence_device(context, 8);
  cuda_check(cudaMemsetAsync(presence_device.data(), 0, 8 * sizeof(uint32_t), stream),
             "calcium_score: cudaMemsetAsync");
  constexpr int kMarkThreads = Policy::kMarkThreads;
  kernels::mark_candidates<kMarkThreads>
      <<<grid_for(context, count, kMarkThreads, Policy::kMarkBlocksPerSm), kMarkThreads, 0,
         stream>>>(hu, label_values, count, slice_voxels, scan, mask.data(),
                   presence_device.data());
  cuda_check_launch("mark_candidates");
  // Into pinned memory, so that the host does not wait here: a copy into pageable memory
  // returns only once the stream has reached it (a round trip, and the GPU idle while the
  // labelling is enqueued).
  PinnedReadback readback(stream);
  cuda_check(cudaMemcpyAsync(&readback->presence, presence_device.data(), sizeof(LabelPresence),
                             cudaMemcpyDeviceToHost, stream),
             "calcium_score: cudaMemcpyAsync");

  // Lesions: per-slice components of the candidates (returns once the stream is there, so
  // the presence has arrived too).
  Volume<int32_t> ids(context, ct.shape);
  const int64_t lesions =
      label_components(context, mask, ids.data(), scan.neighbours, LabelRule::nonzero);
  if (lesions == 0) return {};

  // Area, sum, maximum and centroid sums of each lesion.
  DeviceBuffer<LabelAccumulator> table(context, label_table_entries(lesions));
  VolumeRef id_view = ids;
  label_statistics(context, ct, id_view, lesions, false, table.data());

  // Kept lesions numbered in order: an inclusive prefix sum of their flags.
  DeviceBuffer<int32_t> ranks(context, lesions + 1);
  auto flags = thrust::make_transform_iterator(
      thrust::counting_iterator<int32_t>(0),
      kernels::KeptFlag{table.data(), scan.pixel_area_mm2, scan.min_area_mm2});
  std::size_t scratch_bytes = 0;
  cuda_check(cub::DeviceScan::InclusiveSum(nullptr, scratch_bytes, flags, ranks.data(),
                                           int(lesions + 1), stream),
             "calcium_score: scan size");
  DeviceBuffer<uint8_t> scratch(context, std::max<std::size_t>(scratch_bytes, 1));
  cuda_check(cub::DeviceScan::InclusiveSum(scratch.data(), scratch_bytes, flags, ranks.data(),
                                           int(lesions + 1), stream),
             "calcium_score: scan");
  cuda_check(cudaMemcpyAsync(&readback->kept, ranks.data() + lesions, sizeof(int32_t),
                             cudaMemcpyDeviceToHost, stream),
             "calcium_score: cudaMemcpyAsync");
  context.synchronize();
  const int32_t kept = readback->kept;
  if (kept == 0) return {};

  const std::vector<int32_t> values =
      labels != nullptr ? present_labels(readback->presence) : std::vector<int32_t>{};
  // One label value (a mask, or one artery) needs no vote.
  const int32_t initial_label = values.size() == 1 ? values[0] : 0;
  DeviceBuffer<int32_t> kept_of(context, lesions + 1);
  DeviceBuffer<LesionSums> sums(context, kept);
  DeviceBuffer<int32_t> forest(context, kept);
  // unite_global clears the bit of a root it hooks; the groups come from the forest here.
  DeviceBuffer<uint32_t> root_bits(context, (kept + 31) / 32);
  cuda_check(cudaMemsetAsync(root_bits.data(), 0, std::size_t((kept + 31) / 32) * 4, stream),
             "calcium_score: cudaMemsetAsync");
  constexpr int kLesionThreads = Policy::kLesionThreads;
  kernels::
      compact_lesions<<<grid_for(context, lesions + 1, kLesionThreads, Policy::kLesionBlocksPerSm),
                        kLesionThreads, 0, stream>>>(
          table.data(), ranks.data(), int32_t(lesions), scan.pixel_area_mm2, scan.min_area_mm2,
          initial_label, kept_of.data(), sums.data(), forest.data());
  cuda_check_launch("compact_lesions");

  // Votes for labels, kVoteSlots label values per pass (the 3-D joins ride on the first).
  kernels::VoteSlots slots;
  std::fill(std::begin(slots.slot_of), std::end(slots.slot_of), kernels::kNoSlot);
  for (std::size_t s = 0; s < values.size(); ++s) slots.slot_of[values[s]] = uint8_t(s);
  const bool voting = values.size() > 1;
  std::optional<DeviceBuffer<uint32_t>> votes, best;
  if (voting) {
    votes.emplace(context, int64_t(kept) * kernels::kVoteSlots);
    best.emplace(context, kept);
    cuda_check(cudaMemsetAsync(best->data(), 0, std::size_t(kept) * 4, stream),
               "calcium_score: cudaMemsetAsync");
  }
  constexpr int kVoteThreads = Policy::kVoteThreads;
  const unsigned vote_grid = grid_for(
      context, (int64_t(count) + kernels::kVoxelsPerThread - 1) / kernels::kVoxelsPerThread,
      kVoteThreads, Policy::kVoteBlocksPerSm);
  const unsigned lesion_grid = grid_for(context, kept, kLesionThreads, Policy::kLesionBlocksPerSm);
  const int passes =
      voting ? int((values.size() + kernels::kVoteSlots - 1) / kernels::kVoteSlots) : 1;
  for (int pass = 0; pass < passes; ++pass) {
    slots.first = pass * kernels::kVoteSlots;
    slots.count =
        voting ? std::min<int32_t>(kernels::kVoteSlots, int32_t(values.size()) - slots.first) : 0;
    for (int s = 0; s < slots.count; ++s) slots.label_of[s] = values[slots.first + s];
    if (voting) {
      cuda_check(
          cudaMemsetAsync(votes->data(), 0,
                          std::size_t(kept) * kernels::kVoteSlots * sizeof(uint32_t), stream),
          "calcium_score: cudaMemsetAsync");
    }
    kernels::join_and_vote<kVoteThreads><<<vote_grid, kVoteThreads, 0, stream>>>(
        ids.data(), label_values, kept_of.data(), count, slice_voxels, scan.slice_step, pass == 0,
        slots, voting ? votes->data() : nullptr, forest.data(), root_bits.data());
    cuda_check_launch("join_and_vote");
    if (voting) {
      kernels::pick_majority<<<lesion_grid, kLesionThreads, 0, stream>>>(votes->data(), kept, slots,
                                                                         best->data(), sums.data());
      cuda_check_launch("pick_majority");
    }
  }
  kernels::assign_groups<<<lesion_grid, kLesionThreads, 0, stream>>>(forest.data(), kept,
                                                                     sums.data());
  cuda_check_launch("assign_groups");

  std::vector<LesionSums> result(static_cast<std::size_t>(kept));
  cuda_check(cudaMemcpyAsync(result.data(), sums.data(), result.size() * sizeof(LesionSums),
                             cudaMemcpyDeviceToHost, stream),
             "calcium_score: cudaMemcpyAsync");
  context.synchronize();
  return result;
}

}  // namespace

std::vector<LesionSums> calcium_lesions(const Context& context, const VolumeRef& ct,
                                        const VolumeRef* labels, const CalciumScan& scan) {
  DeviceGuard guard(context.device().ordinal);
  return with_policy<CalciumPolicy>(context, [&](auto policy) {
    return calcium_lesions_with<decltype(policy)>(context, ct, labels, scan);
  });
}

}  // namespace medkern::cuda
