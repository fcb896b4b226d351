// Tuning harness for the filters' bandwidth-bound kernels: the two float32 Gaussian passes
// (kernels/gaussian.cuh) and the gradient rows (kernels/edges.cuh), each kernel alone on
// 512^3 float32 of random values, for the configuration the library launches on sm_90
// (GaussianPolicy::Sm90 and EdgesPolicy::Sm90 in kernels/tuning.cuh; marked "library" in the
// name) and shapes around it, so that one GPU run says which to keep, as CUB's tuning
// benchmarks do for its policies. The ops' own benchmarks (BM_gaussian_gpu, BM_gaussian_pass_gpu,
// BM_gradient_magnitude_gpu) are in ops_bench.cpp.
//
// Each kernel must move one read and one write of the volume: 8n = 1.07 GB, 254 us at
// 4.23 TB/s (the limit_us counter; scripts/gpu-check's summary gives the fraction reached).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench_timing.hpp"
#include "kernels/edges.cuh"
#include "kernels/gaussian.cuh"
#include "kernels/launch.cuh"

namespace {

using namespace medkern;
using namespace medkern::bench;
using namespace medkern::cuda;
using namespace medkern::cuda::kernels;

// The policies of the machines this runs on (H100, H200).
using Gaussian = GaussianPolicy::Sm90;
using Edges = EdgesPolicy::Sm90;

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
  constexpr int kThreads = Gaussian::kColumnThreads;
  const int64_t plane = kSide * kSide, runs = (kSide + Run - 1) / Run;
  const int64_t blocks = runs * ((plane + kThreads - 1) / kThreads);
  run_timed(state, v.context, [&] {
    smooth_columns32<float, R, Unroll, kThreads><<<unsigned(blocks), kThreads, 0, v.stream()>>>(
        v.input.data(), v.output.data(), kSide, plane, runs, Run, w);
  });
  report_bytes(state, 8.0 * double(v.input.numel()), true);
}

// y and x pass: strips of TileX output columns, runs of Run rows, RowsPerStep rows a step.
template <int R, int TileX, int Run, int RowsPerStep>
void BM_plane32(benchmark::State& state) {
  Volumes& v = volumes();
  PlaneWeights32 w{};
  const auto weights = one_sided_weights(R);
  for (int k = 0; k <= R; ++k) w.x[k] = w.y[k] = weights[k];
  w.rx = w.ry = R;
  const int64_t strips = (kSide + TileX - 1) / TileX, runs = (kSide + Run - 1) / Run;
  const dim3 grid(unsigned(strips * runs), capped_grid(kSide, kMaxGridY));
  run_timed(state, v.context, [&] {
    smooth_plane32<float, R, TileX, RowsPerStep>
        <<<grid, PlaneStrip32<R, TileX>::kThreads, 0, v.stream()>>>(
            v.input.data(), v.output.data(), kSide, kSide, kSide, runs, Run, w, true);
  });
  report_bytes(state, 8.0 * double(v.input.numel()), true);
}

// Sobel gradient magnitude: one-warp blocks of 32 columns x RowsPerLane rows, at least
// BlocksPerSm of them per SM (the register cap), runs of ZRun slices.
template <int RowsPerLane, int BlocksPerSm, int ZRun>
void BM_gradient(benchmark::State& state) {
  Volumes& v = volumes();
  const GradientSpec spec;  // Sobel magnitude, unit spacing
  const dim3 grid(unsigned(kSide / 32), unsigned((kSide + RowsPerLane - 1) / RowsPerLane),
                  unsigned(kSide / ZRun));
  run_timed(state, v.context, [&] {
    gradient_rows<float, GradientOutput::sobel_magnitude, RowsPerLane, BlocksPerSm>
        <<<grid, 32, 0, v.stream()>>>(v.input.data(), v.output.data(), kSide, kSide, kSide, ZRun,
                                      spec);
  });
  report_bytes(state, 8.0 * double(v.input.numel()), true);
}

// "kernel/part1/part2.../library" for the library's shape, from its policy's values.
std::string library_name(const std::string& kernel,
                         std::initializer_list<std::pair<const char*, int64_t>> parts) {
  std::string name = kernel;
  for (const auto& [part, value] : parts) name += "/" + std::string(part) + std::to_string(value);
  return name + "/library";
}

}  // namespace

// Radius 4 (sigma 1) and 8 (sigma 2); the library's shapes first, then shapes around them.
#define MEDKERN_COLUMNS(R, U, RUN, NAME)                     \
  BENCHMARK_TEMPLATE(BM_columns32, R, U, RUN)                \
      ->Name("columns32/r" #R "/unroll" #U "/run" #RUN NAME) \
      ->UseManualTime()                                      \
      ->Unit(benchmark::kMicrosecond)
#define MEDKERN_COLUMNS_LIBRARY(R)                                                                 \
  BENCHMARK_TEMPLATE(BM_columns32, R, Gaussian::kColumnUnroll32, Gaussian::kColumnRun)             \
      ->Name(library_name("columns32/r" #R,                                                        \
                          {{"unroll", Gaussian::kColumnUnroll32}, {"run", Gaussian::kColumnRun}})) \
      ->UseManualTime()                                                                            \
      ->Unit(benchmark::kMicrosecond)
#define MEDKERN_PLANE(R, TX, RUN, STEP, NAME)                            \
  BENCHMARK_TEMPLATE(BM_plane32, R, TX, RUN, STEP)                       \
      ->Name("plane32/r" #R "/strip" #TX "/run" #RUN "/step" #STEP NAME) \
      ->UseManualTime()                                                  \
      ->Unit(benchmark::kMicrosecond)
#define MEDKERN_PLANE_LIBRARY(R)                                                      \
  BENCHMARK_TEMPLATE(BM_plane32, R, Gaussian::kPlaneStrip32, Gaussian::kPlaneRun32,   \
                     Gaussian::kPlaneRowsPerStep32)                                   \
      ->Name(library_name("plane32/r" #R, {{"strip", Gaussian::kPlaneStrip32},        \
                                           {"run", Gaussian::kPlaneRun32},            \
                                           {"step", Gaussian::kPlaneRowsPerStep32}})) \
      ->UseManualTime()                                                               \
      ->Unit(benchmark::kMicrosecond)

MEDKERN_COLUMNS_LIBRARY(4);
MEDKERN_COLUMNS_LIBRARY(8);
MEDKERN_COLUMNS(8, 16, 64, "");
MEDKERN_COLUMNS(8, 8, 128, "");

MEDKERN_PLANE(4, 128, 64, 10, "");
MEDKERN_PLANE(4, 128, 64, 5, "");
MEDKERN_PLANE(4, 128, 64, 20, "");
MEDKERN_PLANE_LIBRARY(4);
MEDKERN_PLANE(8, 128, 64, 10, "");
MEDKERN_PLANE(8, 128, 64, 5, "");
MEDKERN_PLANE(8, 128, 64, 20, "");
MEDKERN_PLANE(8, 128, 32, 10, "");
MEDKERN_PLANE_LIBRARY(8);
MEDKERN_PLANE(8, 128, 128, 20, "");
MEDKERN_PLANE(8, 64, 64, 6, "");
MEDKERN_PLANE(8, 64, 64, 12, "");
MEDKERN_PLANE(8, 256, 64, 9, "");
#define MEDKERN_GRADIENT(ROWS, BLOCKS, RUN, NAME)                               \
  BENCHMARK_TEMPLATE(BM_gradient, ROWS, BLOCKS, RUN)                            \
      ->Name("gradient/rows" #ROWS "/blocks_per_sm" #BLOCKS "/z_run" #RUN NAME) \
      ->UseManualTime()                                                         \
      ->Unit(benchmark::kMicrosecond)

BENCHMARK_TEMPLATE(BM_gradient, Edges::kGradientRowsPerLane, Edges::kGradientBlocksPerSm,
                   Edges::kGradientZRun)
    ->Name(library_name("gradient", {{"rows", Edges::kGradientRowsPerLane},
                                     {"blocks_per_sm", Edges::kGradientBlocksPerSm},
                                     {"z_run", Edges::kGradientZRun}}))
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
MEDKERN_GRADIENT(4, 12, 64, "");
MEDKERN_GRADIENT(4, 20, 64, "");
MEDKERN_GRADIENT(4, 16, 32, "");
MEDKERN_GRADIENT(4, 16, 128, "");
MEDKERN_GRADIENT(2, 24, 64, "");
MEDKERN_GRADIENT(3, 20, 64, "");
MEDKERN_GRADIENT(6, 12, 64, "");
MEDKERN_GRADIENT(6, 10, 64, "");
MEDKERN_GRADIENT(8, 10, 64, "");
MEDKERN_GRADIENT(8, 8, 64, "");

BENCHMARK_MAIN();
