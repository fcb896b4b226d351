// The median (radius 1 to 3) and anisotropic diffusion (5 iterations) of a CT-like volume.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/denoise.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

// Median: the input read and the output written once; diffusion: the cast (4 + 4 B) and per
// iteration the gradient average (4 B) and the step (4 + 4 B) per voxel (kernels/denoise.cu).
double diffusion_bytes(int64_t voxels, int iterations) {
  return double(voxels) * (8.0 + 12.0 * iterations);
}

#if MEDKERN_WITH_CUDA
void BM_median_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int r = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<float> input =
      test::to_device(ctx, ct_like_float(shape[0] * shape[1] * shape[2], 10), shape);
  Volume<float> output(ctx, shape);
  run_timed(state, ctx, [&] { median(ctx, input, output, {{r, r, r}}); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(float), true);
}
BENCHMARK(BM_median_gpu)
    ->Args({512, 1})
    ->Args({512, 2})
    ->Args({512, 3})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_median_int16_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = test::to_device(ctx, ct_like(shape[0] * shape[1] * shape[2], 10), shape);
  Volume<int16_t> output(ctx, shape);
  run_timed(state, ctx, [&] { median(ctx, input, output, {{1, 1, 1}}); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(int16_t), true);
}
BENCHMARK(BM_median_int16_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_anisotropic_diffusion_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int iterations = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<float> input =
      test::to_device(ctx, ct_like_float(shape[0] * shape[1] * shape[2], 11), shape);
  Volume<float> output(ctx, shape);
  run_timed(state, ctx, [&] {
    anisotropic_diffusion(ctx, input, output, {iterations, 0.0625, 3.0});
  });
  report_bytes(state, diffusion_bytes(input.numel(), iterations), true);
}
BENCHMARK(BM_anisotropic_diffusion_gpu)
    ->Args({512, 5})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
#endif

void BM_median_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int r = int(state.range(1));
  auto ctx = Context::cpu();
  const auto& values = ct_like_float(shape[0] * shape[1] * shape[2], 10);
  std::vector<float> output(values.size());
  for (auto _ : state) {
    median(ctx, make_view(values.data(), shape), make_view(output.data(), shape), {{r, r, r}});
  }
  report_bytes(state, 2.0 * double(values.size()) * sizeof(float), false);
}
BENCHMARK(BM_median_cpu)
    ->Args({256, 1})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_anisotropic_diffusion_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int iterations = int(state.range(1));
  auto ctx = Context::cpu();
  const auto& values = ct_like_float(shape[0] * shape[1] * shape[2], 11);
  std::vector<float> output(values.size());
  for (auto _ : state) {
    anisotropic_diffusion(ctx, make_view(values.data(), shape), make_view(output.data(), shape),
                          {iterations, 0.0625, 3.0});
  }
  report_bytes(state, diffusion_bytes(int64_t(values.size()), iterations), false);
}
BENCHMARK(BM_anisotropic_diffusion_cpu)
    ->Args({256, 5})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
