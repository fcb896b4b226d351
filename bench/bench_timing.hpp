// What the benchmark binaries share: the bandwidth the GPU figures are measured against, the
// bytes-moved counters scripts/gpu-check turns into "of limit", and CUDA-event timing.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

#include "medkern/medkern.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace medkern::bench {

// Bytes read plus written per second by a large device-to-device copy on the H100
// (docs/performance.md).
inline constexpr double kCopyBandwidth = 2.98e12;

inline void report_bytes(benchmark::State& state, double bytes, bool gpu) {
  state.SetBytesProcessed(int64_t(bytes) * state.iterations());
  state.counters["MB_moved"] = bytes / 1e6;
  if (gpu) {
    // The time the bytes take at the measured bandwidth; scripts/gpu-check divides it by
    // the measured time to give the fraction of the limit reached.
    state.counters["limit_us"] = bytes / kCopyBandwidth * 1e6;
  }
}

#if MEDKERN_WITH_CUDA
// Times `op` with CUDA events on the context's stream.
template <class Op>
void run_timed(benchmark::State& state, const Context& ctx, Op&& op) {
  auto stream = static_cast<cudaStream_t>(ctx.stream());
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  op();  // warm-up: module load, pool growth
  ctx.synchronize();
  for (auto _ : state) {
    cudaEventRecord(start, stream);
    op();
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1e3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}
#endif

}  // namespace medkern::bench
