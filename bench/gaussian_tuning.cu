// Tuning harness for the two float32 Gaussian passes (kernels/gaussian.cuh): each pass's
// kernel alone on 512^3 float32 of random values, for the configuration the library launches
// (kernels/gaussian.cu, marked "library" in the name) and shapes around it, so that one GPU
// run says which to keep, as CUB's tuning benchmarks do for its policies. The op's own
// benchmarks (BM_gaussian_gpu, BM_gaussian_pass_gpu) are in ops_bench.cpp.
//
// Each pass must move one read and one write of the volume: 8n = 1.07 GB, 360 us at
// 2.98 TB/s (the limit_us counter; scripts/gpu-check's summary gives the fraction reached).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "bench_timing.hpp"
#include "kernels/gaussian.cuh"
#include "kernels/launch.cuh"

namespace {

using namespace medkern;
using namespace medkern::bench;
using namespace medkern::cuda;
using namespace medkern::cuda::kernels;

constexpr int64_t kSide = 512;
const Shape3 kShape{kSide, kSide, kSide};

// One input (normal values) and one output for every case, made once.
struct Volumes {
  Context context = Context::cuda(0);
  Volume<float> input{context, kShape};
  Volume<float> output{context, kShape};
  Volumes() {
    std::vector<float> host(input.numel());
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(100.0f, 40.0f);
    for (float& v : host) v = normal(rng);
    medkern::copy(context, make_view(host.data(), kShape), input);
  }
  cudaStream_t stream() const { return static_cast<cudaStream_t>(context.stream()); }
};

Volumes& volumes() {
  static Volumes v;
  return v;
}

// scipy's one-sided Gaussian weights for radius round(4 sigma), sigma = radius / 4.
std::vector<float> one_sided_weights(int radius) {
  const double sigma = radius / 4.0;
  std::vector<double> phi(radius + 1);
  double sum = 0.0;
  for (int k = 0; k <= radius; ++k) {
    phi[k] = std::exp(-0.5 * k * k / (sigma * sigma));
    sum += k == 0 ? phi[k] : 2.0 * phi[k];
  }
  std::vector<float> w(radius + 1);
  for (int k = 0; k <= radius; ++k) w[k] = float(phi[k] / sum);
  return w;
}

// z pass: Unroll loads in flight per thread, runs of Run slices.
template <int R, int Unroll, int Run>
void BM_columns32(benchmark::State& state) {
  Volumes& v = volumes();
  ColumnWeights32 w{};
  const auto weights = one_sided_weights(R);
  for (int k = 0; k <= R; ++k) w.w[k] = weights[k];
  constexpr int kThreads = 256;
  const int64_t plane = kSide * kSide, runs = (kSide + Run - 1) / Run;
  const int64_t blocks = runs * ((plane + kThreads - 1) / kThreads);
  run_timed(state, v.context, [&] {
    smooth_columns32<float, R, Unroll, kThreads><<<unsigned(blocks), kThreads, 0, v.stream()>>>(
        v.input.data(), v.output.data(), kSide, plane, runs, Run, w);
  });
  report_bytes(state, 8.0 * double(v.input.numel()), true);
}

// y and x pass: TileY x 32 outputs, 32 x Rows threads, y segments of Segment rows.
template <int R, int TileY, int Rows, int Segment>
void BM_plane32(benchmark::State& state) {
  Volumes& v = volumes();
  PlaneWeights32 w{};
  const auto weights = one_sided_weights(R);
  for (int k = 0; k <= R; ++k) w.x[k] = w.y[k] = weights[k];
  w.rx = w.ry = R;
  constexpr int kTileX = 32;
  const dim3 grid(unsigned(kSide / kTileX), capped_grid((kSide + TileY - 1) / TileY, kMaxGridY),
                  capped_grid(kSide, kMaxGridZ));
  run_timed(state, v.context, [&] {
    smooth_plane32<float, R, kTileX, TileY, Rows, Segment>
        <<<grid, dim3(kTileX, Rows), 0, v.stream()>>>(v.input.data(), v.output.data(), kSide, kSide,
                                                      kSide, w, true);
  });
  report_bytes(state, 8.0 * double(v.input.numel()), true);
}

}  // namespace

// Radius 4 (sigma 1) and 8 (sigma 2). Library: Unroll 8, Run 64; TileY 64, Rows 8, Segment 16.
#define MEDKERN_COLUMNS(R, U, RUN, NAME)                     \
  BENCHMARK_TEMPLATE(BM_columns32, R, U, RUN)                \
      ->Name("columns32/r" #R "/unroll" #U "/run" #RUN NAME) \
      ->UseManualTime()                                      \
      ->Unit(benchmark::kMicrosecond)
#define MEDKERN_PLANE(R, TY, ROWS, SEG, NAME)                                 \
  BENCHMARK_TEMPLATE(BM_plane32, R, TY, ROWS, SEG)                            \
      ->Name("plane32/r" #R "/tile_y" #TY "/rows" #ROWS "/segment" #SEG NAME) \
      ->UseManualTime()                                                       \
      ->Unit(benchmark::kMicrosecond)

MEDKERN_COLUMNS(4, 8, 64, "/library");
MEDKERN_COLUMNS(4, 4, 64, "");
MEDKERN_COLUMNS(4, 16, 64, "");
MEDKERN_COLUMNS(4, 8, 128, "");
MEDKERN_COLUMNS(8, 8, 64, "/library");
MEDKERN_COLUMNS(8, 4, 64, "");
MEDKERN_COLUMNS(8, 16, 64, "");
MEDKERN_COLUMNS(8, 8, 128, "");
MEDKERN_COLUMNS(8, 16, 128, "");

MEDKERN_PLANE(4, 64, 8, 16, "/library");
MEDKERN_PLANE(4, 32, 8, 8, "");
MEDKERN_PLANE(4, 64, 16, 16, "");
MEDKERN_PLANE(8, 64, 8, 16, "/library");
MEDKERN_PLANE(8, 64, 8, 8, "");
MEDKERN_PLANE(8, 32, 8, 8, "");
MEDKERN_PLANE(8, 32, 8, 16, "");
MEDKERN_PLANE(8, 64, 16, 16, "");
MEDKERN_PLANE(8, 128, 8, 16, "");
MEDKERN_PLANE(8, 128, 16, 16, "");

BENCHMARK_MAIN();
