// Connected threshold and confidence connected, grown from the centre of a CT-like body.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/region_growing.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

ConfidenceConnectedParams confidence_params(int connectivity) {
  ConfidenceConnectedParams params;  // ITK's defaults: multiplier 2.5, 4 iterations, radius 1
  params.connectivity = int(connectivity);
  return params;
}

// Bytes of one flood (as connected_threshold) and one estimate (input and region read).
void report_confidence(benchmark::State& state, int64_t voxels, int estimates, bool gpu) {
  const double flood = double(voxels) * (2 + 1 + 2 * 4);
  const double estimate = double(voxels) * (2 + 1);
  state.counters["estimates"] = estimates;
  report_bytes(state, flood * (1 + estimates) + estimate * estimates, gpu);
}

#if MEDKERN_WITH_CUDA
void BM_connected_threshold_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = test::to_device(ctx, body_ct(shape), shape);
  Volume<uint8_t> output(ctx, shape);
  const std::vector<Seed> seeds{{shape[0] / 2, shape[1] / 2, shape[2] / 2}};
  run_timed(state, ctx, [&] {
    connected_threshold(ctx, input, seeds, output, {-200.0, 300.0, 26});
  });
  // Input read, output written, and the labels written and read once: the least it moves.
  report_bytes(state, double(input.numel()) * (2 + 1 + 2 * 4), true);
}
BENCHMARK(BM_connected_threshold_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_confidence_connected_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = test::to_device(ctx, body_ct(shape), shape);
  Volume<uint8_t> output(ctx, shape);
  const std::vector<Seed> seeds{{shape[0] / 2, shape[1] / 2, shape[2] / 2}};
  const auto params = confidence_params(int(state.range(1)));
  ConfidenceConnectedStats stats;
  run_timed(state, ctx, [&] { stats = confidence_connected(ctx, input, seeds, output, params); });
  report_confidence(state, input.numel(), stats.iterations, true);
}
BENCHMARK(BM_confidence_connected_gpu)
    ->Args({512, 6})
    ->Args({512, 26})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
#endif

void BM_confidence_connected_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& values = body_ct(shape);
  std::vector<uint8_t> output(values.size());
  const std::vector<Seed> seeds{{shape[0] / 2, shape[1] / 2, shape[2] / 2}};
  const auto params = confidence_params(int(state.range(1)));
  ConfidenceConnectedStats stats;
  for (auto _ : state) {
    stats = confidence_connected(ctx, make_view(values.data(), shape), seeds,
                                 make_view(output.data(), shape), params);
  }
  report_confidence(state, int64_t(values.size()), stats.iterations, false);
}
BENCHMARK(BM_confidence_connected_cpu)
    ->Args({256, 6})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
