// What the benchmarks share: the bandwidth the GPU figures are measured against, the
// bytes-moved counters scripts/gpu-check turns into "of limit", and CUDA-event timing.
//
// medkern_bench is one binary of all op families, one file each (bench/<family>_bench.cpp,
// the names of the other layers); their inputs are bench/bench_inputs.hpp. GPU cases keep
// their data on the device and time each iteration with CUDA events on the context's stream;
// CPU cases time wall clock. Each case reports the bytes it must move and, on the GPU, the
// fraction of the device-to-device copy bandwidth (kCopyBandwidth) that it reached.
//
// Names: BM_<op>[_<variant>]_gpu or BM_<op>[_<variant>]_cpu, so that a filter selects a
// device (the CPU cases take seconds each):
//   medkern_bench --benchmark_filter=_gpu        the GPU cases only
//   medkern_bench --benchmark_filter=_cpu        the CPU cases only
//   medkern_bench --benchmark_filter='^BM_(histogram|threshold|otsu).*_gpu'   one family
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

#include "medkern/medkern.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace medkern::bench {

// Bytes read plus written per second by a large device-to-device copy on the H200 of the
// reference run (docs/performance.md); BM_copy_gpu measures it again in every run.
inline constexpr double kCopyBandwidth = 4.23e12;

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
