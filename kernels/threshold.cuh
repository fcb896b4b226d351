// Device code: binary threshold with inclusive bounds given in the input's own type.
#pragma once

#include <cstdint>
#include <type_traits>

namespace medkern::cuda::kernels {

// Bounds converted on the host so that `lo <= v && v <= hi` in T's arithmetic equals the
// comparison in double: integers compare as int32, float32 against the nearest float32
// inside [lo, hi]. NaN fails both comparisons and so is outside.
template <class T>
struct ThresholdBounds {
  using Compare = std::conditional_t<std::is_same_v<T, float>, float, int32_t>;
  Compare lo;
  Compare hi;
  uint8_t inside;
  uint8_t outside;
};

template <class T>
__device__ inline uint8_t classify(T value, const ThresholdBounds<T>& bounds) {
  using Compare = typename ThresholdBounds<T>::Compare;
  const Compare v = static_cast<Compare>(value);
  return (v >= bounds.lo && v <= bounds.hi) ? bounds.inside : bounds.outside;
}

// Each thread reads 16 bytes and writes 16 / sizeof(T) bytes per step; the tail and
// unaligned data go element by element. Vectorized needs `input` 16-byte and `output`
// (16 / sizeof(T))-byte aligned.
template <class T, int Threads, bool Vectorized>
__global__ void __launch_bounds__(Threads)
    threshold(const T* __restrict__ input, uint8_t* __restrict__ output, int64_t count,
              ThresholdBounds<T> bounds) {
  constexpr int kValues = 16 / sizeof(T);
  using OutputPacket = std::conditional_t<kValues == 8, uint2, uint32_t>;
  int64_t first_scalar = 0;
  if constexpr (Vectorized) {
    const int64_t packets = count / kValues;
    const auto* in = reinterpret_cast<const uint4*>(input);
    auto* out = reinterpret_cast<OutputPacket*>(output);
    for (int64_t p = blockIdx.x * int64_t(Threads) + threadIdx.x; p < packets;
         p += int64_t(gridDim.x) * Threads) {
      union {
        uint4 raw;
        T values[kValues];
      } packet;
      packet.raw = __ldcs(in + p);
      union {
        OutputPacket raw;
        uint8_t values[kValues];
      } result;
#pragma unroll
      for (int k = 0; k < kValues; ++k) result.values[k] = classify(packet.values[k], bounds);
      __stcs(out + p, result.raw);
    }
    first_scalar = packets * kValues;
  }
  for (int64_t i = first_scalar + blockIdx.x * int64_t(Threads) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * Threads) {
    output[i] = classify(input[i], bounds);
  }
}

}  // namespace medkern::cuda::kernels
