// Histogram: 4096 and 256 bins of a CT-like volume, int16 and float32.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/histogram.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
template <class T>
void BM_histogram_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const uint32_t bins = uint32_t(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<T> input = upload_ct_like<T>(ctx, shape, 1);
  Volume<uint64_t> counts(ctx, {1, 1, bins});
  const HistogramParams params{bins, -1024.0, 3072.0};
  run_timed(state, ctx, [&] { histogram(ctx, input, nullptr, counts, params); });
  report_bytes(state, double(input.numel()) * sizeof(T), true);
}
BENCHMARK_TEMPLATE(BM_histogram_gpu, int16_t)
    ->Args({512, 4096})
    ->Args({512, 256})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_histogram_gpu, float)
    ->Args({512, 4096})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
#endif

void BM_histogram_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& values = ct_like(shape[0] * shape[1] * shape[2], 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        histogram(ctx, make_view(values.data(), shape), {4096, -1024.0, 3072.0}));
  }
  report_bytes(state, double(values.size()) * sizeof(int16_t), false);
}
BENCHMARK(BM_histogram_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
