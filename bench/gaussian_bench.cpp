// The Gaussian of a smooth CT-like float32 volume (the ct_like values as float32), both
// passes and each alone: it reads the volume once and writes float32.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/gaussian.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
void BM_gaussian_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const double sigma = double(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<float> input =
      test::to_device(ctx, ct_like_float(shape[0] * shape[1] * shape[2], 10), shape);
  Volume<float> output(ctx, shape);
  run_timed(state, ctx, [&] { gaussian(ctx, input, output, {{sigma, sigma, sigma}, 4.0}); });
  // The least: one read and one write (the two passes move twice that).
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(float), true);
}
BENCHMARK(BM_gaussian_gpu)
    ->Args({512, 1})
    ->Args({512, 2})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Each of the two passes alone (sigma 0 skips an axis): range(2) 0 is the z (column) pass,
// 1 the fused y and x (plane) pass. Each moves one read and one write.
void BM_gaussian_pass_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const double sigma = double(state.range(1));
  const bool z_pass = state.range(2) == 0;
  auto ctx = Context::cuda(0);
  Volume<float> input =
      test::to_device(ctx, ct_like_float(shape[0] * shape[1] * shape[2], 10), shape);
  Volume<float> output(ctx, shape);
  const std::array<double, 3> sigma_mm =
      z_pass ? std::array<double, 3>{sigma, 0.0, 0.0} : std::array<double, 3>{0.0, sigma, sigma};
  run_timed(state, ctx, [&] { gaussian(ctx, input, output, {sigma_mm, 4.0}); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(float), true);
}
BENCHMARK(BM_gaussian_pass_gpu)
    ->ArgsProduct({{512}, {1, 2}, {0, 1}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
#endif

void BM_gaussian_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const double sigma = double(state.range(1));
  auto ctx = Context::cpu();
  const auto& values = ct_like_float(shape[0] * shape[1] * shape[2], 10);
  std::vector<float> output(values.size());
  for (auto _ : state) {
    gaussian(ctx, make_view(values.data(), shape), make_view(output.data(), shape),
             {{sigma, sigma, sigma}, 4.0});
  }
  report_bytes(state, double(values.size()) * 8, false);
}
BENCHMARK(BM_gaussian_cpu)
    ->Args({256, 1})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
