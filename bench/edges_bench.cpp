// The gradient magnitude (Sobel, central differences) of a smooth CT-like float32 volume (the
// ct_like values as float32), read once and written as float32, and Canny of a CT-like body
// (int16 in, uint8 out).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/edges.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
void BM_gradient_magnitude_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> input =
      test::to_device(ctx, ct_like_float(shape[0] * shape[1] * shape[2], 11), shape);
  Volume<float> output(ctx, shape);
  GradientMagnitudeParams params;
  params.method = state.range(1) == 0 ? GradientMethod::sobel : GradientMethod::central;
  run_timed(state, ctx, [&] { gradient_magnitude(ctx, input, output, params); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(float), true);
}
BENCHMARK(BM_gradient_magnitude_gpu)
    ->Args({512, 0})
    ->Args({512, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_canny_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = test::to_device(ctx, body_ct(shape), shape);
  Volume<uint8_t> output(ctx, shape);
  CannyParams params;
  params.sigma_mm = {1.0, 1.0, 1.0};
  params.low = 100.0;
  params.high = 300.0;
  run_timed(state, ctx, [&] { canny(ctx, input, output, params); });
  // int16 in, uint8 out, and the float32 fields in between (edges.cu: about 63 bytes/voxel).
  report_bytes(state, double(input.numel()) * 63, true);
}
BENCHMARK(BM_canny_gpu)->Arg(256)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

void BM_gradient_magnitude_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& values = ct_like_float(shape[0] * shape[1] * shape[2], 11);
  std::vector<float> output(values.size());
  for (auto _ : state) {
    gradient_magnitude(ctx, make_view(values.data(), shape), make_view(output.data(), shape), {});
  }
  report_bytes(state, double(values.size()) * 8, false);
}
BENCHMARK(BM_gradient_magnitude_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_canny_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& values = body_ct(shape);
  std::vector<uint8_t> output(values.size());
  CannyParams params;
  params.sigma_mm = {1.0, 1.0, 1.0};
  params.low = 100.0;
  params.high = 300.0;
  for (auto _ : state) {
    canny(ctx, make_view(values.data(), shape), make_view(output.data(), shape), params);
  }
  report_bytes(state, double(values.size()) * 63, false);
}
BENCHMARK(BM_canny_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
