// Launch helpers shared by the kernels' dispatch files (and, in tuning.cuh, the launch
// constants of every family).
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda_check.hpp"
#include "kernels/tuning.cuh"
#include "medkern/context.hpp"

namespace medkern::cuda {

inline cudaStream_t stream_of(const Context& context) {
  return static_cast<cudaStream_t>(context.stream());
}

inline int multiprocessor_count(const Context& context) {
  int count = 0;
  cuda_check(
      cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, context.device().ordinal),
      "cudaDeviceGetAttribute");
  return count;
}

// Blocks for a grid-stride loop over `items`: enough to fill the device `blocks_per_sm`
// deep, never more than the items need.
inline unsigned grid_for(const Context& context, int64_t items, int threads, int blocks_per_sm) {
  const int64_t needed = (items + threads - 1) / threads;
  const int64_t filling = int64_t(multiprocessor_count(context)) * blocks_per_sm;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(needed, filling)));
}

// The largest grid extents along y and z; kernels with more rows or slices loop over them.
inline constexpr int64_t kMaxGridY = 65535;
inline constexpr int64_t kMaxGridZ = 65535;

// Blocks along a grid axis: `blocks`, at most `limit`.
inline unsigned capped_grid(int64_t blocks, int64_t limit) {
  return static_cast<unsigned>(std::min(blocks, limit));
}

inline bool aligned_to(const void* pointer, std::size_t bytes) {
  return reinterpret_cast<std::uintptr_t>(pointer) % bytes == 0;
}

// One value of device memory on the host, once the context's stream has reached it; `what`
// names the copy in an error.
template <class T>
T read_back(const Context& context, const T* device_value, const char* what) {
  T value{};
  cuda_check(
      cudaMemcpyAsync(&value, device_value, sizeof(T), cudaMemcpyDeviceToHost, stream_of(context)),
      what);
  context.synchronize();
  return value;
}

}  // namespace medkern::cuda
