// Device code: histograms with numpy.histogram's bins (see HistogramBins in backends.hpp).
#pragma once

#include <cstdint>
#include <type_traits>

#include "backends.hpp"

namespace medkern::cuda::kernels {

// The bin of every 16-bit value, indexed by its bit pattern, so that the per-voxel work of
// a 16-bit histogram is one cached load instead of a bin search in double.
template <class T>
__global__ void build_bin_table(HistogramBins bins, int32_t* table) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < 65536) {
    const T value = static_cast<T>(static_cast<uint16_t>(i));
    table[i] = static_cast<int32_t>(bins.bin_of(double(value)));
  }
}

template <class T>
__device__ inline int32_t bin_of(T value, const HistogramBins& bins,
                                 const int32_t* __restrict__ table) {
  if constexpr (sizeof(T) == 2) {
    return __ldg(table + static_cast<uint16_t>(value));
  } else {
    return static_cast<int32_t>(bins.bin_of(double(value)));
  }
}

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
// adds its totals to `counts` with one atomic per non-empty bin. With Shared false the
// voxels go straight to global atomics, for bin counts too large for shared memory.
// Vectorized requires `input` (and `mask`) aligned to 16 (and 16 / sizeof(T)) bytes.
template <class T, int Threads, bool Shared, bool Vectorized>
__global__ void __launch_bounds__(Threads)
    histogram(const T* __restrict__ input, const uint8_t* __restrict__ mask, int64_t count,
              HistogramBins bins, const int32_t* __restrict__ table, int replicas,
              unsigned long long* __restrict__ counts) {
  extern __shared__ uint32_t shared_counts[];
  uint32_t* my_counts = nullptr;
  if constexpr (Shared) {
    const int shared_bins = int(bins.bins) * replicas;
    for (int i = threadIdx.x; i < shared_bins; i += Threads) shared_counts[i] = 0;
    __syncthreads();
    my_counts = shared_counts + (threadIdx.x / 32 % replicas) * bins.bins;
  }
  auto add = [&](T value) {
    const int32_t bin = bin_of(value, bins, table);
    if (bin < 0) return;
    if constexpr (Shared) {
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

  if constexpr (Shared) {
    __syncthreads();
    for (int b = threadIdx.x; b < int(bins.bins); b += Threads) {
      uint32_t total = 0;
      for (int r = 0; r < replicas; ++r) total += shared_counts[r * bins.bins + b];
      if (total != 0) atomicAdd(counts + b, static_cast<unsigned long long>(total));
    }
  }
}

}  // namespace medkern::cuda::kernels
