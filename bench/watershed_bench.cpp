// The watershed from 100 markers and the regional minima, on the gradient of a smooth relief.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "bench_inputs.hpp"
#include "bench_timing.hpp"
#include "medkern/watershed.hpp"

using namespace medkern;
using namespace medkern::bench;

namespace {

// The watershed input: the gradient magnitude of a smooth random relief (random values on a
// grid of 16-voxel cells, trilinearly interpolated), float32, and `count` markers at random
// voxels labelled 1..count.
const std::vector<float>& smooth_gradient(const Shape3& shape, uint64_t seed) {
  return kept(std::make_tuple(shape, seed), [&] {
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
  });
}

const std::vector<int32_t>& random_markers(const Shape3& shape, int32_t count, uint64_t seed) {
  return kept(std::make_tuple(shape, count, seed), [&] {
    std::vector<int32_t> markers(shape[0] * shape[1] * shape[2], 0);
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 7;
    for (int32_t label = 1; label <= count; ++label) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      markers[state % markers.size()] = label;
    }
    return markers;
  });
}

#if MEDKERN_WITH_CUDA
void BM_watershed_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> elevation = test::to_device(ctx, smooth_gradient(shape, 3), shape);
  Volume<int32_t> markers = test::to_device(ctx, random_markers(shape, 100, 4), shape);
  Volume<int32_t> labels(ctx, shape);
  run_timed(state, ctx, [&] { watershed(ctx, elevation, markers, nullptr, labels, {6}); });
  report_bytes(state, double(elevation.numel()) * 12, true);
}
BENCHMARK(BM_watershed_gpu)->Arg(256)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_regional_minima_gpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cuda(0);
  Volume<float> elevation = test::to_device(ctx, smooth_gradient(shape, 3), shape);
  Volume<int32_t> labels(ctx, shape);
  run_timed(state, ctx, [&] { regional_minima(ctx, elevation, labels, {6}); });
  report_bytes(state, double(elevation.numel()) * 8, true);
}
BENCHMARK(BM_regional_minima_gpu)->Arg(256)->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

void BM_watershed_cpu(benchmark::State& state) {
  const Shape3 shape = cube(state.range(0));
  auto ctx = Context::cpu();
  const auto& elevation = smooth_gradient(shape, 3);
  const auto& markers = random_markers(shape, 100, 4);
  std::vector<int32_t> labels(markers.size());
  for (auto _ : state) {
    watershed(ctx, make_view(elevation.data(), shape), make_view(markers.data(), shape), nullptr,
              make_view(labels.data(), shape), {6});
  }
  report_bytes(state, double(labels.size()) * 12, false);
}
BENCHMARK(BM_watershed_cpu)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
