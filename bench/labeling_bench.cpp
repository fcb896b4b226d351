// Connected components of random balls (3-D and per slice) and of a label image.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/labeling.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
void BM_label_components_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int connectivity = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<uint8_t> mask = test::to_device(ctx, ball_mask(shape, 2000, 6), shape);
  Volume<int32_t> labels(ctx, shape);
  int64_t components = 0;
  run_timed(state, ctx, [&] { components = label_components(ctx, mask, labels, {connectivity}); });
  state.counters["components"] = double(components);
  report_bytes(state, double(mask.numel()) * (1 + sizeof(int32_t)), true);
}
BENCHMARK(BM_label_components_gpu)
    ->Args({512, 26})
    ->Args({512, 6})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_label_components_slices_gpu(benchmark::State& state) {
  const Shape3 shape{64, 512, 512};
  auto ctx = Context::cuda(0);
  Volume<uint8_t> mask = test::to_device(ctx, ball_mask(shape, 300, 7), shape);
  Volume<int32_t> labels(ctx, shape);
  run_timed(state, ctx, [&] { label_components(ctx, mask, labels, {8}); });
  report_bytes(state, double(mask.numel()) * (1 + sizeof(int32_t)), true);
}
BENCHMARK(BM_label_components_slices_gpu)->UseManualTime()->Unit(benchmark::kMillisecond);

// A label image of 2,000 labels in slabs (blob_labels): equal values connect.
void BM_label_components_regions_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int connectivity = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<int32_t> image = test::to_device(ctx, blob_labels(shape, 2000), shape);
  Volume<int32_t> labels(ctx, shape);
  int64_t components = 0;
  run_timed(state, ctx, [&] { components = label_components(ctx, image, labels, {connectivity}); });
  state.counters["components"] = double(components);
  report_bytes(state, double(image.numel()) * 2 * sizeof(int32_t), true);
}
BENCHMARK(BM_label_components_regions_gpu)
    ->Args({512, 26})
    ->Args({512, 6})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
#endif

void BM_label_components_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& mask = ball_mask(shape, 250, 6);
  std::vector<int32_t> labels(mask.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(label_components(ctx, make_view(mask.data(), shape),
                                              make_view(labels.data(), shape), {26}));
  }
  report_bytes(state, double(mask.size()) * 5, false);
}
BENCHMARK(BM_label_components_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
