// Agatston scoring of the standard calcium CT.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/calcium.hpp"
#include "phantoms/calcium_phantom.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

// The standard calcium CT: 64 x 512 x 512, 3 mm slices, 0.5 mm pixels; the synthetic phantom
// with 2 x 2 blocks of inserts (48 cylinders, a few hundred 2-D lesions) and noise of 20 HU,
// scored with its artery labels and a calibration.
struct CalciumBenchInput {
  Shape3 shape{64, 512, 512};
  Spacing3 spacing{3.0, 0.5, 0.5};
  std::vector<int16_t> hu;
  std::vector<uint8_t> labels;
  CalciumParams params;
  CalciumBenchInput() : hu(64 * 512 * 512), labels(hu.size()) {
    phantoms::CalciumPhantom::standard(shape, spacing, 2, 20, 1).generate(hu.data(), labels.data());
    params.slice_thickness_mm = 3.0;
    params.calibration_mg_per_cm3_per_hu = 0.8;
  }
};

void report_calcium(benchmark::State& state, const CalciumResult& result, bool gpu) {
  state.counters["lesions"] = double(result.total.lesions);
  state.counters["agatston"] = result.total.agatston;
  // At the least the CT and the labels read once (kernels/calcium.cu gives the details).
  report_bytes(state, 64.0 * 512 * 512 * (sizeof(int16_t) + 1), gpu);
}

#if MEDKERN_WITH_CUDA
void BM_calcium_score_gpu(benchmark::State& state) {
  const CalciumBenchInput in;
  auto ctx = Context::cuda(0);
  Volume<int16_t> ct(ctx, in.shape, in.spacing);
  copy(ctx, make_view(in.hu.data(), in.shape, in.spacing), ct);
  Volume<uint8_t> labels = test::to_device(ctx, in.labels, in.shape);
  const VolumeRef label_ref = labels;
  CalciumResult result;
  run_timed(state, ctx, [&] { result = calcium_score(ctx, ct, &label_ref, in.params); });
  report_calcium(state, result, true);
}
BENCHMARK(BM_calcium_score_gpu)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

void BM_calcium_score_cpu(benchmark::State& state) {
  const CalciumBenchInput in;
  auto ctx = Context::cpu();
  const VolumeRef ct = make_view(in.hu.data(), in.shape, in.spacing);
  const VolumeRef labels = make_view(in.labels.data(), in.shape, in.spacing);
  CalciumResult result;
  for (auto _ : state) result = calcium_score(ctx, ct, &labels, in.params);
  report_calcium(state, result, false);
}
BENCHMARK(BM_calcium_score_cpu)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
