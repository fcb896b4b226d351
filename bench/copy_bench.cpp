// Copy: the device-to-device copy that gives the bandwidth limit of every GPU figure.
#include <benchmark/benchmark.h>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/context.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

#if MEDKERN_WITH_CUDA
// The bandwidth ceiling itself: a device-to-device copy of a 512^3 float32 volume.
void BM_copy_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> src = test::to_device(ctx, ct_like_float(shape[0] * shape[1] * shape[2], 5), shape);
  Volume<float> dst(ctx, shape);
  run_timed(state, ctx, [&] { copy(ctx, src, dst); });
  report_bytes(state, 2.0 * double(src.numel()) * sizeof(float), true);
}
BENCHMARK(BM_copy_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

}  // namespace
