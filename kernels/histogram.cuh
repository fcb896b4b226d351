// Device code: histograms with numpy.histogram's bins (HistogramBins, histogram_backends.hpp).
#pragma once

#include <cstdint>
#include <type_traits>

#include "histogram_backends.hpp"

namespace medkern::cuda::kernels {

// How a voxel finds its bin.
enum class BinLookup {
  shared_table,  // 16-bit input: a table in shared memory of the bin of every value in range
  global_table,  // 16-bit input, range too wide for shared memory: the same table in global
  shared_edges,  // float32 input: a guess from the scale, corrected against edges in shared
  computed,      // float32 input, too many edges for shared memory: HistogramBins::bin_of
};

// The bin of every 16-bit value, indexed by its bit pattern (BinLookup::global_table).
template <class T>
__global__ void build_bin_table(HistogramBins bins, int32_t* table) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < 65536) {
    const T value = static_cast<T>(static_cast<uint16_t>(i));
    table[i] = static_cast<int32_t>(bins.bin_of(double(value)));
  }
}

struct LookupArguments {
  const int32_t* global_table;  // global_table
  int32_t table_first;          // shared_table: the smallest value in range
  int32_t table_size;           // shared_table: values in range (0 when none)
  float scale;                  // shared_edges: bins / (hi - lo), for the first guess
};

// Loads of 16 bytes: 8 values of 16 bits or 4 of 32 bits, and their mask bytes.
template <class T>
struct Packet {
  static constexpr int kValues = 16 / sizeof(T);
  using MaskBytes = std::conditional_t<kValues == 8, uint2, uint32_t>;
  union {
    uint4 raw;
    T values[kValues];
  } data;
  union {
    MaskBytes raw;
    uint8_t values[kValues];
  } mask;
};

// Each block counts into `replicas` private shared-memory histograms (warps spread over
// them, so that a common value does not serialise the whole block on one address), then
// adds its totals to `counts` with one atomic per non-empty bin. With SharedCounts false the
// voxels go straight to global atomics, for bin counts too large for shared memory.
// Vectorized requires `input` (and `mask`) aligned to 16 (and 16 / sizeof(T)) bytes.
// Shared memory: replicas * bins uint32 counts, then the lookup's table or edges.
template <class T, int Threads, bool SharedCounts, BinLookup Lookup, bool Vectorized>
__global__ void __launch_bounds__(Threads)
    histogram(const T* __restrict__ input, const uint8_t* __restrict__ mask, int64_t count,
              HistogramBins bins, LookupArguments lookup, int replicas,
              unsigned long long* __restrict__ counts) {
  extern __shared__ uint32_t shared[];
  const int counted_bins = SharedCounts ? int(bins.bins) * replicas : 0;
  uint32_t* my_counts = shared + (threadIdx.x / 32 % replicas) * bins.bins;
  auto* table = reinterpret_cast<uint16_t*>(shared + counted_bins);
  auto* edges = reinterpret_cast<float*>(shared + counted_bins);
  for (int i = threadIdx.x; i < counted_bins; i += Threads) shared[i] = 0;
  if constexpr (Lookup == BinLookup::shared_table) {
    for (int i = threadIdx.x; i < lookup.table_size; i += Threads) {
      table[i] = static_cast<uint16_t>(bins.bin_of(double(lookup.table_first + i)));
    }
  }
  if constexpr (Lookup == BinLookup::shared_edges) {
    for (int i = threadIdx.x; i <= int(bins.bins); i += Threads) edges[i] = float(bins.edge(i));
  }
  __syncthreads();

  auto bin_of = [&](T value) -> int32_t {
    if constexpr (Lookup == BinLookup::shared_table) {
      const int32_t offset = int32_t(value) - lookup.table_first;
      return uint32_t(offset) < uint32_t(lookup.table_size) ? int32_t(table[offset]) : -1;
    } else if constexpr (Lookup == BinLookup::global_table) {
      return __ldg(lookup.global_table + static_cast<uint16_t>(value));
    } else if constexpr (Lookup == BinLookup::shared_edges) {
      const float x = value;
      const int last = int(bins.bins) - 1;
      if (!(x >= edges[0] && x <= edges[last + 1])) return -1;
      int i = min(max(int((x - edges[0]) * lookup.scale), 0), last);
      while (i > 0 && x < edges[i]) --i;
      while (i < last && x >= edges[i + 1]) ++i;
      return i;
    } else {
      return static_cast<int32_t>(bins.bin_of(double(value)));
    }
  };
  auto add = [&](T value) {
    const int32_t bin = bin_of(value);
    if (bin < 0) return;
    if constexpr (SharedCounts) {
      atomicAdd(my_counts + bin, 1u);
    } else {
      atomicAdd(counts + bin, 1ull);
    }
  };

  int64_t first_scalar = 0;
  if constexpr (Vectorized) {
    using P = Packet<T>;
    const int64_t packets = count / P::kValues;
    const auto* input_packets = reinterpret_cast<const uint4*>(input);
    const auto* mask_packets = reinterpret_cast<const typename P::MaskBytes*>(mask);
    for (int64_t p = blockIdx.x * int64_t(Threads) + threadIdx.x; p < packets;
         p += int64_t(gridDim.x) * Threads) {
      P packet;
      packet.data.raw = __ldcs(input_packets + p);
      if (mask != nullptr) packet.mask.raw = __ldcs(mask_packets + p);
#pragma unroll
      for (int k = 0; k < P::kValues; ++k) {
        if (mask == nullptr || packet.mask.values[k] != 0) add(packet.data.values[k]);
      }
    }
    first_scalar = packets * P::kValues;
  }
  for (int64_t i = first_scalar + blockIdx.x * int64_t(Threads) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * Threads) {
    if (mask == nullptr || mask[i] != 0) add(input[i]);
  }

  if constexpr (SharedCounts) {
    __syncthreads();
    for (int b = threadIdx.x; b < int(bins.bins); b += Threads) {
      uint32_t total = 0;
      for (int r = 0; r < replicas; ++r) total += shared[r * bins.bins + b];
      if (total != 0) atomicAdd(counts + b, static_cast<unsigned long long>(total));
    }
  }
}

}  // namespace medkern::cuda::kernels
