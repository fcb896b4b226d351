// Google Benchmark binary for the ops of the foundation issue. GPU cases keep their data on
// the device and time each iteration with CUDA events on the context's stream; CPU cases
// time wall clock. Each case reports the bytes it must move and, on the GPU, the fraction of
// the device-to-device copy bandwidth measured on the H100 (kCopyBandwidth) that it reached.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "bench_timing.hpp"
#include "phantoms/calcium_phantom.hpp"
#include "medkern/medkern.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

using namespace medkern;
using namespace medkern::bench;

namespace {

// A fast deterministic generator: CT-like HU values (air, soft tissue, bone) with noise.
std::vector<int16_t> ct_like(int64_t count, uint64_t seed) {
  std::vector<int16_t> values(count);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& v : values) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const int tissue = int(state % 100);
    const int noise = int((state >> 8) % 81) + int((state >> 16) % 81) - 80;  // triangular
    const int centre = tissue < 30 ? -1000 : tissue < 80 ? 40 : tissue < 95 ? 300 : 900;
    v = int16_t(centre + noise);
  }
  return values;
}

std::vector<float> as_float(const std::vector<int16_t>& values) {
  return std::vector<float>(values.begin(), values.end());
}

// Label image: slabs of 8 rows carry labels 1..labels, the rest background.
std::vector<int32_t> blob_labels(const Shape3& shape, int32_t labels) {
  std::vector<int32_t> values(shape[0] * shape[1] * shape[2]);
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x) {
        const int64_t cell = (z / 16) * 1000 + (y / 16) * 37 + (x / 32);
        values[(z * shape[1] + y) * shape[2] + x] =
            (cell % 3 == 0) ? int32_t(cell % labels) + 1 : 0;
      }
  return values;
}

// The watershed input: the gradient magnitude of a smooth random relief (random values on a
// grid of 16-voxel cells, trilinearly interpolated), float32, and `count` markers at random
// voxels labelled 1..count.
std::vector<float> smooth_gradient(const Shape3& shape, uint64_t seed) {
  constexpr int64_t kCell = 16;
  const int64_t gz = shape[0] / kCell + 2, gy = shape[1] / kCell + 2, gx = shape[2] / kCell + 2;
  std::vector<float> grid(gz * gy * gx);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& g : grid) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    g = float(state % 10000) / 10000.0f;
  }
  auto relief = [&](int64_t z, int64_t y, int64_t x) {
    const float fz = float(z) / kCell, fy = float(y) / kCell, fx = float(x) / kCell;
    const int64_t iz = int64_t(fz), iy = int64_t(fy), ix = int64_t(fx);
    const float tz = fz - iz, ty = fy - iy, tx = fx - ix;
    float v = 0.0f;
    for (int c = 0; c < 8; ++c) {
      const int dz = c >> 2, dy = (c >> 1) & 1, dx = c & 1;
      const float w = (dz ? tz : 1 - tz) * (dy ? ty : 1 - ty) * (dx ? tx : 1 - tx);
      v += w * grid[((iz + dz) * gy + iy + dy) * gx + ix + dx];
    }
    return v;
  };
  std::vector<float> gradient(shape[0] * shape[1] * shape[2]);
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x) {
        const float gzv = relief(z + 1, y, x) - relief(z, y, x);
        const float gyv = relief(z, y + 1, x) - relief(z, y, x);
        const float gxv = relief(z, y, x + 1) - relief(z, y, x);
        gradient[(z * shape[1] + y) * shape[2] + x] = gzv * gzv + gyv * gyv + gxv * gxv;
      }
  return gradient;
}

std::vector<int32_t> random_markers(const Shape3& shape, int32_t count, uint64_t seed) {
  std::vector<int32_t> markers(shape[0] * shape[1] * shape[2], 0);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 7;
  for (int32_t label = 1; label <= count; ++label) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    markers[state % markers.size()] = label;
  }
  return markers;
}

Shape3 cube(int64_t n) {
  return {n, n, n};
}

// About `balls` random balls of radius 8..23 voxels: the standard labelling input (512^3
// with 2,000 balls is about 30 % foreground).
std::vector<uint8_t> ball_mask(const Shape3& shape, int balls, uint64_t seed) {
  std::vector<uint8_t> mask(shape[0] * shape[1] * shape[2], 0);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 7;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int b = 0; b < balls; ++b) {
    const int64_t cz = next() % shape[0], cy = next() % shape[1], cx = next() % shape[2];
    const int64_t r = 8 + next() % 16;
    for (int64_t z = std::max<int64_t>(0, cz - r); z <= std::min(shape[0] - 1, cz + r); ++z)
      for (int64_t y = std::max<int64_t>(0, cy - r); y <= std::min(shape[1] - 1, cy + r); ++y)
        for (int64_t x = std::max<int64_t>(0, cx - r); x <= std::min(shape[2] - 1, cx + r); ++x)
          if ((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r)
            mask[(z * shape[1] + y) * shape[2] + x] = 1;
  }
  return mask;
}

#if MEDKERN_WITH_CUDA
template <class T>
Volume<T> upload(const Context& ctx, const std::vector<T>& host, const Shape3& shape) {
  Volume<T> device(ctx, shape);
  copy(ctx, make_view(host.data(), shape), device);
  return device;
}

template <class T>
void BM_histogram_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const uint32_t bins = uint32_t(state.range(1));
  auto ctx = Context::cuda(0);
  const auto values = ct_like(shape[0] * shape[1] * shape[2], 1);
  Volume<T> input = [&] {
    if constexpr (std::is_same_v<T, float>)
      return upload(ctx, as_float(values), shape);
    else
      return upload(ctx, values, shape);
  }();
  Volume<uint64_t> counts(ctx, {1, 1, bins});
  const HistogramParams params{bins, -1024.0, 3072.0};
  run_timed(state, ctx, [&] { histogram(ctx, input, nullptr, counts, params); });
  report_bytes(state, double(input.numel()) * sizeof(T), true);
}

template <class T>
void BM_threshold_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  const auto values = ct_like(shape[0] * shape[1] * shape[2], 2);
  Volume<T> input = [&] {
    if constexpr (std::is_same_v<T, float>)
      return upload(ctx, as_float(values), shape);
    else
      return upload(ctx, values, shape);
  }();
  Volume<uint8_t> output(ctx, shape);
  run_timed(state, ctx, [&] { threshold(ctx, input, output, {130.0, 3000.0, 1, 0}); });
  report_bytes(state, double(input.numel()) * (sizeof(T) + 1), true);
}

void BM_otsu_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = upload(ctx, ct_like(shape[0] * shape[1] * shape[2], 3), shape);
  run_timed(state, ctx, [&] { benchmark::DoNotOptimize(otsu_threshold(ctx, input, nullptr)); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(int16_t), true);
}

void BM_label_statistics_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = upload(ctx, ct_like(shape[0] * shape[1] * shape[2], 4), shape);
  Volume<int32_t> labels = upload(ctx, blob_labels(shape, 2000), shape);
  run_timed(state, ctx, [&] { benchmark::DoNotOptimize(label_statistics(ctx, input, labels)); });
  // The label image is read twice: once for its maximum, once to accumulate.
  report_bytes(state, double(input.numel()) * (sizeof(int16_t) + 2 * sizeof(int32_t)), true);
}

void BM_label_components_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int connectivity = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<uint8_t> mask = upload(ctx, ball_mask(shape, 2000, 6), shape);
  Volume<int32_t> labels(ctx, shape);
  int64_t components = 0;
  run_timed(state, ctx, [&] { components = label_components(ctx, mask, labels, {connectivity}); });
  state.counters["components"] = double(components);
  report_bytes(state, double(mask.numel()) * (1 + sizeof(int32_t)), true);
}

void BM_label_components_slices_gpu(benchmark::State& state) {
  const Shape3 shape{64, 512, 512};
  auto ctx = Context::cuda(0);
  Volume<uint8_t> mask = upload(ctx, ball_mask(shape, 300, 7), shape);
  Volume<int32_t> labels(ctx, shape);
  run_timed(state, ctx, [&] { label_components(ctx, mask, labels, {8}); });
  report_bytes(state, double(mask.numel()) * (1 + sizeof(int32_t)), true);
}

// A label image of 2,000 labels in slabs (blob_labels): equal values connect.
void BM_label_components_regions_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int connectivity = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<int32_t> image = upload(ctx, blob_labels(shape, 2000), shape);
  Volume<int32_t> labels(ctx, shape);
  int64_t components = 0;
  run_timed(state, ctx, [&] { components = label_components(ctx, image, labels, {connectivity}); });
  state.counters["components"] = double(components);
  report_bytes(state, double(image.numel()) * 2 * sizeof(int32_t), true);
}

// A CT-like body: an elliptic cylinder of soft tissue (40 HU with noise) in air, bone balls
// inside; growing from the centre through [-200, 300] HU fills the soft tissue.
std::vector<int16_t> body_ct(const Shape3& shape) {
  auto values = ct_like(shape[0] * shape[1] * shape[2], 8);
  const auto bone = ball_mask(shape, 200, 9);
  for (int64_t z = 0; z < shape[0]; ++z)
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x) {
        const int64_t i = (z * shape[1] + y) * shape[2] + x;
        const double dy = (y - shape[1] / 2.0) / (0.4 * shape[1]);
        const double dx = (x - shape[2] / 2.0) / (0.45 * shape[2]);
        const int noise = values[i] % 40;
        values[i] = int16_t(dy * dy + dx * dx > 1.0 ? -1000 + noise
                            : bone[i]               ? 700 + noise
                                                    : 40 + noise);
      }
  return values;
}

void BM_connected_threshold_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = upload(ctx, body_ct(shape), shape);
  Volume<uint8_t> output(ctx, shape);
  const std::vector<Seed> seeds{{shape[0] / 2, shape[1] / 2, shape[2] / 2}};
  run_timed(state, ctx, [&] {
    connected_threshold(ctx, input, seeds, output, {-200.0, 300.0, 26});
  });
  // Input read, output written, and the labels written and read once: the least it moves.
  report_bytes(state, double(input.numel()) * (2 + 1 + 2 * 4), true);
}

void BM_watershed_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> elevation = upload(ctx, smooth_gradient(shape, 3), shape);
  Volume<int32_t> markers = upload(ctx, random_markers(shape, 100, 4), shape);
  Volume<int32_t> labels(ctx, shape);
  run_timed(state, ctx, [&] { watershed(ctx, elevation, markers, nullptr, labels, {6}); });
  report_bytes(state, double(elevation.numel()) * 12, true);
}

void BM_regional_minima_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> elevation = upload(ctx, smooth_gradient(shape, 3), shape);
  Volume<int32_t> labels(ctx, shape);
  run_timed(state, ctx, [&] { regional_minima(ctx, elevation, labels, {6}); });
  report_bytes(state, double(elevation.numel()) * 8, true);
}

void BM_pool_allocate_free_gpu(benchmark::State& state) {
  auto ctx = Context::cuda(0);
  Pool& pool = ctx.pool();
  const std::size_t bytes = std::size_t(state.range(0)) << 20;
  pool.deallocate(pool.allocate(bytes, ctx.stream()), ctx.stream());
  for (auto _ : state) {
    Allocation a = pool.allocate(bytes, ctx.stream());
    pool.deallocate(a, ctx.stream());
  }
  ctx.synchronize();
}

// The bandwidth ceiling itself: a device-to-device copy of a 512^3 float32 volume.
void BM_copy_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> src = upload(ctx, as_float(ct_like(shape[0] * shape[1] * shape[2], 5)), shape);
  Volume<float> dst(ctx, shape);
  run_timed(state, ctx, [&] { copy(ctx, src, dst); });
  report_bytes(state, 2.0 * double(src.numel()) * sizeof(float), true);
}

void BM_cuda_malloc_free(benchmark::State& state) {
  const std::size_t bytes = std::size_t(state.range(0)) << 20;
  for (auto _ : state) {
    void* p = nullptr;
    cudaMalloc(&p, bytes);
    cudaFree(p);
  }
}

BENCHMARK_TEMPLATE(BM_histogram_gpu, int16_t)
    ->Args({512, 4096})
    ->Args({512, 256})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_histogram_gpu, float)
    ->Args({512, 4096})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_threshold_gpu, int16_t)
    ->Arg(512)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_threshold_gpu, float)
    ->Arg(512)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_otsu_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_label_statistics_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_label_components_gpu)
    ->Args({512, 26})
    ->Args({512, 6})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_label_components_slices_gpu)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_label_components_regions_gpu)
    ->Args({512, 26})
    ->Args({512, 6})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_connected_threshold_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_watershed_gpu)->Arg(256)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_regional_minima_gpu)->Arg(256)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_copy_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_pool_allocate_free_gpu)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cuda_malloc_free)->Arg(64)->Unit(benchmark::kMicrosecond);
#endif

void BM_histogram_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto values = ct_like(shape[0] * shape[1] * shape[2], 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        histogram(ctx, make_view(values.data(), shape), {4096, -1024.0, 3072.0}));
  }
  report_bytes(state, double(values.size()) * sizeof(int16_t), false);
}

void BM_threshold_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto values = ct_like(shape[0] * shape[1] * shape[2], 2);
  std::vector<uint8_t> output(values.size());
  for (auto _ : state) {
    threshold(ctx, make_view(values.data(), shape), make_view(output.data(), shape),
              {130.0, 3000.0, 1, 0});
  }
  report_bytes(state, double(values.size()) * 3, false);
}

void BM_label_statistics_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto values = ct_like(shape[0] * shape[1] * shape[2], 4);
  const auto labels = blob_labels(shape, 2000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        label_statistics(ctx, make_view(values.data(), shape), make_view(labels.data(), shape)));
  }
  report_bytes(state, double(values.size()) * 6, false);
}

void BM_label_components_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto mask = ball_mask(shape, 250, 6);
  std::vector<int32_t> labels(mask.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(label_components(ctx, make_view(mask.data(), shape),
                                              make_view(labels.data(), shape), {26}));
  }
  report_bytes(state, double(mask.size()) * 5, false);
}

void BM_watershed_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto elevation = smooth_gradient(shape, 3);
  const auto markers = random_markers(shape, 100, 4);
  std::vector<int32_t> labels(markers.size());
  for (auto _ : state) {
    watershed(ctx, make_view(elevation.data(), shape), make_view(markers.data(), shape), nullptr,
              make_view(labels.data(), shape), {6});
  }
  report_bytes(state, double(labels.size()) * 12, false);
}

BENCHMARK(BM_watershed_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_label_components_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_histogram_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_threshold_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_label_statistics_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// ------------------------------------------------------------------ confidence connected

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
void BM_confidence_connected_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<int16_t> input = upload(ctx, body_ct(shape), shape);
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
  const auto values = body_ct(shape);
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

// ------------------------------------------------------------------ noise reduction
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
  Volume<float> input = upload(ctx, as_float(ct_like(shape[0] * shape[1] * shape[2], 10)), shape);
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
  Volume<int16_t> input = upload(ctx, ct_like(shape[0] * shape[1] * shape[2], 10), shape);
  Volume<int16_t> output(ctx, shape);
  run_timed(state, ctx, [&] { median(ctx, input, output, {{1, 1, 1}}); });
  report_bytes(state, 2.0 * double(input.numel()) * sizeof(int16_t), true);
}
BENCHMARK(BM_median_int16_gpu)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_anisotropic_diffusion_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const int iterations = int(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<float> input = upload(ctx, as_float(ct_like(shape[0] * shape[1] * shape[2], 11)), shape);
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
  const auto values = as_float(ct_like(shape[0] * shape[1] * shape[2], 10));
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
  const auto values = as_float(ct_like(shape[0] * shape[1] * shape[2], 11));
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

// ------------------------------------------------------------------ gaussian, edges
// A smooth CT-like float32 volume (the ct_like values as float32): every filter reads it
// once and writes float32 (Canny: uint8).

#if MEDKERN_WITH_CUDA
void BM_gaussian_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const double sigma = double(state.range(1));
  auto ctx = Context::cuda(0);
  Volume<float> input = upload(ctx, as_float(ct_like(shape[0] * shape[1] * shape[2], 10)), shape);
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
  Volume<float> input = upload(ctx, as_float(ct_like(shape[0] * shape[1] * shape[2], 10)), shape);
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

void BM_gradient_magnitude_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> input = upload(ctx, as_float(ct_like(shape[0] * shape[1] * shape[2], 11)), shape);
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
  Volume<int16_t> input = upload(ctx, body_ct(shape), shape);
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

void BM_gaussian_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  const double sigma = double(state.range(1));
  auto ctx = Context::cpu();
  const auto values = as_float(ct_like(shape[0] * shape[1] * shape[2], 10));
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

void BM_gradient_magnitude_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto values = as_float(ct_like(shape[0] * shape[1] * shape[2], 11));
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
  const auto values = body_ct(shape);
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

// ---------------------------------------------------------------------------- calcium

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
  Volume<uint8_t> labels = upload(ctx, in.labels, in.shape);
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

BENCHMARK_MAIN();
