// Perfusion maps of a CT perfusion-sized series (40 frames of 320 x 256 x 256) on the GPU and
// a smaller one (40 x 16 x 128 x 128) on the CPU, each method; time-intensity curves of
// 1,000 labels. The series tiles a noisy digital reference object (every CBF, MTT and delay
// of perfusion_phantom's defaults), so the curves are real bolus passages, not noise.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/perfusion.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

constexpr int32_t kFrames = 40;

const PerfusionPhantom& tile_phantom() {
  return kept(0, [] {
    PerfusionPhantomParams params;
    params.frames = kFrames;
    params.block = 1;
    params.snr = 50.0;
    return perfusion_phantom(params);
  });
}

// The phantom's curves tiled over a (kFrames, nz, ny, nx) series of T (int16: rounded HU).
template <class T>
const std::vector<T>& tiled_series(const Shape3& frame) {
  return kept(frame, [&] {
    const PerfusionPhantom& tile = tile_phantom();
    const int64_t ty = tile.shape[2], tx = tile.shape[3];
    const int64_t voxels = frame[0] * frame[1] * frame[2];
    std::vector<T> series(std::size_t(kFrames * voxels));
    for (int64_t t = 0; t < kFrames; ++t) {
      const float* source = tile.series.data() + t * ty * tx;
      T* target = series.data() + t * voxels;
      for (int64_t z = 0; z < frame[0]; ++z) {
        for (int64_t y = 0; y < frame[1]; ++y) {
          const float* row = source + ((y + 3 * z) % ty) * tx;
          T* out = target + (z * frame[1] + y) * frame[2];
          for (int64_t x = 0; x < frame[2]; ++x) {
            const float value = row[x % tx];
            out[x] = std::is_same_v<T, float> ? T(value) : T(std::lround(value));
          }
        }
      }
    }
    return series;
  });
}

PerfusionParams params_of(int64_t method) {
  PerfusionParams params;
  params.method = DeconvolutionMethod(method);
  params.baseline_frames = 6;
  return params;
}

// Bytes the maps must move: the series once, six float32 maps and the uint8 valid map.
double perfusion_bytes(int64_t voxels, std::size_t value_bytes) {
  return double(voxels) * (double(kFrames) * double(value_bytes) + 6 * 4 + 1);
}

#if MEDKERN_WITH_CUDA
template <class T>
void perfusion_gpu(benchmark::State& state) {
  const Shape3 frame{320, 256, 256};
  const int64_t voxels = frame[0] * frame[1] * frame[2];
  auto ctx = Context::cuda(0);
  Volume<T> series =
      test::to_device(ctx, tiled_series<T>(frame), {kFrames * frame[0], frame[1], frame[2]});
  SeriesRef ref{series.view(), kFrames, voxels};
  ref.first.shape = frame;
  Volume<float> cbf(ctx, frame), cbv(ctx, frame), mtt(ctx, frame), tmax(ctx, frame),
      ttp(ctx, frame), arrival(ctx, frame);
  Volume<uint8_t> valid(ctx, frame);
  const PerfusionMapsRef maps{cbf, cbv, mtt, tmax, ttp, arrival, valid};
  const PerfusionPhantom& tile = tile_phantom();
  const PerfusionParams params = params_of(state.range(0));
  run_timed(state, ctx,
            [&] { perfusion_maps(ctx, ref, tile.times_s, tile.aif, nullptr, maps, params); });
  report_bytes(state, perfusion_bytes(voxels, sizeof(T)), true);
}

void BM_perfusion_maps_gpu(benchmark::State& state) {
  perfusion_gpu<float>(state);
}
// Arg: the method (0 ssvd, 1 csvd, 2 osvd, 3 tikhonov).
BENCHMARK(BM_perfusion_maps_gpu)
    ->ArgName("method")
    ->DenseRange(0, 3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_perfusion_maps_int16_gpu(benchmark::State& state) {
  perfusion_gpu<int16_t>(state);
}
BENCHMARK(BM_perfusion_maps_int16_gpu)
    ->ArgName("method")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_time_intensity_curves_gpu(benchmark::State& state) {
  const Shape3 frame{320, 256, 256};
  const int64_t voxels = frame[0] * frame[1] * frame[2];
  auto ctx = Context::cuda(0);
  Volume<float> series =
      test::to_device(ctx, tiled_series<float>(frame), {kFrames * frame[0], frame[1], frame[2]});
  SeriesRef ref{series.view(), kFrames, voxels};
  ref.first.shape = frame;
  Volume<int32_t> labels = test::to_device(ctx, blob_labels(frame, 1000), frame);
  run_timed(state, ctx, [&] { benchmark::DoNotOptimize(time_intensity_curves(ctx, ref, labels)); });
  report_bytes(state, double(voxels) * kFrames * (4 + 4), true);
}
BENCHMARK(BM_time_intensity_curves_gpu)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

void BM_perfusion_maps_cpu(benchmark::State& state) {
  const Shape3 frame{16, 128, 128};
  const int64_t voxels = frame[0] * frame[1] * frame[2];
  const auto ctx = Context::cpu();
  const std::vector<float>& series = tiled_series<float>(frame);
  const SeriesRef ref{make_view(series.data(), frame), kFrames, voxels};
  std::vector<float> cbf(voxels), cbv(voxels), mtt(voxels), tmax(voxels), ttp(voxels),
      arrival(voxels);
  std::vector<uint8_t> valid(voxels);
  const PerfusionMapsRef maps{make_view(cbf.data(), frame),  make_view(cbv.data(), frame),
                              make_view(mtt.data(), frame),  make_view(tmax.data(), frame),
                              make_view(ttp.data(), frame),  make_view(arrival.data(), frame),
                              make_view(valid.data(), frame)};
  const PerfusionPhantom& tile = tile_phantom();
  const PerfusionParams params = params_of(state.range(0));
  for (auto _ : state) {
    perfusion_maps(ctx, ref, tile.times_s, tile.aif, nullptr, maps, params);
  }
  report_bytes(state, perfusion_bytes(voxels, sizeof(float)), false);
}
BENCHMARK(BM_perfusion_maps_cpu)
    ->ArgName("method")
    ->DenseRange(0, 3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
