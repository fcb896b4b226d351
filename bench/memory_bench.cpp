// The device pool against plain cudaMalloc + cudaFree.
#include <benchmark/benchmark.h>

#include <cstddef>

#include "bench_timing.hpp"
#include "medkern/memory.hpp"
#if MEDKERN_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

using namespace medkern;

namespace {

#if MEDKERN_WITH_CUDA
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
BENCHMARK(BM_pool_allocate_free_gpu)->Arg(64)->Unit(benchmark::kMicrosecond);

void BM_cuda_malloc_free_gpu(benchmark::State& state) {
  const std::size_t bytes = std::size_t(state.range(0)) << 20;
  for (auto _ : state) {
    void* p = nullptr;
    cudaMalloc(&p, bytes);
    cudaFree(p);
  }
}
BENCHMARK(BM_cuda_malloc_free_gpu)->Arg(64)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
