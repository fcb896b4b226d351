// Threshold and Otsu of a CT-like volume.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/threshold.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
template <class T>
void BM_threshold_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<T> input = upload_ct_like<T>(ctx, shape, 2);
  Volume<uint8_t> output(ctx, shape);
  run_timed(state, ctx, [&] { threshold(ctx, input, output, {130.0, 3000.0, 1, 0}); });
  report_bytes(state, double(input.numel()) * (sizeof(T) + 1), true);
}
BENCHMARK_TEMPLATE(BM_threshold_gpu, int16_t)
    ->Arg(512)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_threshold_gpu, float)
    ->Arg(512)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_otsu_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = test::to_device(ctx, ct_like(shape[0] * shape[1] * shape[2], 3), shape);
  run_timed(state, ctx, [&] { benchmark::DoNotOptimize(otsu_threshold(ctx, input, nullptr)); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(int16_t), true);
}
BENCHMARK(BM_otsu_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

void BM_threshold_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& values = ct_like(shape[0] * shape[1] * shape[2], 2);
  std::vector<uint8_t> output(values.size());
  for (auto _ : state) {
    threshold(ctx, make_view(values.data(), shape), make_view(output.data(), shape),
              {130.0, 3000.0, 1, 0});
  }
  report_bytes(state, double(values.size()) * 3, false);
}
BENCHMARK(BM_threshold_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
