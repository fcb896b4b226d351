// Label statistics of a CT-like volume over 2,000 labels.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/label_statistics.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
void BM_label_statistics_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = test::to_device(ctx, ct_like(shape[0] * shape[1] * shape[2], 4), shape);
  Volume<int32_t> labels = test::to_device(ctx, blob_labels(shape, 2000), shape);
  run_timed(state, ctx, [&] { benchmark::DoNotOptimize(label_statistics(ctx, input, labels)); });
  // The label image is read twice: once for its maximum, once to accumulate.
  report_bytes(state, double(input.numel()) * (sizeof(int16_t) + 2 * sizeof(int32_t)), true);
}
BENCHMARK(BM_label_statistics_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

void BM_label_statistics_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& values = ct_like(shape[0] * shape[1] * shape[2], 4);
  const auto& labels = blob_labels(shape, 2000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        label_statistics(ctx, make_view(values.data(), shape), make_view(labels.data(), shape)));
  }
  report_bytes(state, double(values.size()) * 6, false);
}
BENCHMARK(BM_label_statistics_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
