#include <cuda_runtime_api.h>
#include <atomic>
#include <thread>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/memory.hpp"
#include "memory/resources.hpp"
#include "support/catch.hpp"

using namespace medkern;

TEST_CASE("device pool: limit, exact statistics and tag release", "[gpu][memory]") {
  Pool pool(Device::cuda(0), std::make_unique<CudaAsyncResource>(0));
  auto ctx = Context::cuda(0);
  pool.set_limit(64 << 20);
  Allocation a = pool.allocate(48 << 20, ctx.stream(), 11);
  CHECK_THROWS_AS(pool.allocate(32 << 20, ctx.stream(), 11), Error);
  Allocation b = pool.allocate(8 << 20, ctx.stream(), 12);
  // The memory is real device memory: write to all of it.
  REQUIRE(cudaMemsetAsync(a.pointer, 1, a.bytes, static_cast<cudaStream_t>(ctx.stream())) ==
          cudaSuccess);
  PoolStats stats = pool.stats();
  CHECK(stats.bytes_in_use == (56u << 20));
  CHECK(stats.failures == 1);
  CHECK(stats.live_allocations == 2);
  CHECK(stats.bytes_reserved >= (56u << 20));
  CHECK(pool.release_tag(11) == (48u << 20));
  CHECK(pool.stats().bytes_in_use == (8u << 20));
  pool.deallocate(a, ctx.stream());  // already released: no effect
  pool.deallocate(b, ctx.stream());
  CHECK(pool.stats().bytes_in_use == 0);
  ctx.synchronize();
}

TEST_CASE("device pool: eight threads on their own streams", "[gpu][memory]") {
  Pool pool(Device::cuda(0), std::make_unique<CudaAsyncResource>(0));
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      cudaSetDevice(0);
      auto ctx = Context::cuda(0);
      for (int i = 0; i < 200; ++i) {
        Allocation a = pool.allocate(4096 * (1 + i % 13), ctx.stream(), uint64_t(t));
        if (cudaMemsetAsync(a.pointer, t, a.bytes, static_cast<cudaStream_t>(ctx.stream())) !=
            cudaSuccess)
          ++errors;
        pool.deallocate(a, ctx.stream());
      }
      ctx.synchronize();
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(errors == 0);
  const PoolStats stats = pool.stats();
  CHECK(stats.allocations == 1600);
  CHECK(stats.deallocations == 1600);
  CHECK(stats.bytes_in_use == 0);
}

// Tagged [oom]: compute-sanitizer reports the refused allocation as an API error, so the
// sanitizer runs leave this case out.
TEST_CASE("device out of memory is a status, not an abort", "[gpu][memory][oom]") {
  auto ctx = Context::cuda(0);
  try {
    Volume<float> impossible(ctx, {1 << 14, 1 << 14, 1 << 10});  // 1 TiB
    FAIL("a 1 TiB allocation succeeded");
  } catch (const Error& e) {
    CHECK(e.status() == Status::out_of_memory);
  }
  // The device still works afterwards.
  Volume<float> small(ctx, {4, 4, 4});
  CHECK(cudaMemsetAsync(small.data(), 0, 256, static_cast<cudaStream_t>(ctx.stream())) ==
        cudaSuccess);
  ctx.synchronize();
}
