#include <atomic>
#include <thread>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/memory.hpp"
#include "memory/resources.hpp"
#include "support/catch.hpp"

using namespace medkern;

TEST_CASE("a pool honours its limit and counts the failure", "[memory]") {
  Pool pool(Device::host(), std::make_unique<HostResource>());
  pool.set_limit(1000);
  Allocation a = pool.allocate(600, nullptr, 1);
  try {
    pool.allocate(500, nullptr, 1);
    FAIL("allocation past the limit succeeded");
  } catch (const Error& e) {
    CHECK(e.status() == Status::out_of_memory);
    CHECK(std::string(e.what()).find("limit") != std::string::npos);
  }
  PoolStats stats = pool.stats();
  CHECK(stats.bytes_in_use == 600);
  CHECK(stats.failures == 1);
  CHECK(stats.limit_bytes == 1000);
  pool.deallocate(a, nullptr);
  Allocation b = pool.allocate(1000, nullptr, 1);  // exactly at the limit is allowed
  pool.deallocate(b, nullptr);
}

TEST_CASE("pool statistics are exact", "[memory]") {
  Pool pool(Device::host(), std::make_unique<HostResource>());
  Allocation a = pool.allocate(100, nullptr);
  Allocation b = pool.allocate(300, nullptr);
  pool.deallocate(a, nullptr);
  Allocation c = pool.allocate(50, nullptr);
  PoolStats stats = pool.stats();
  CHECK(stats.bytes_in_use == 350);
  CHECK(stats.peak_bytes_in_use == 400);
  CHECK(stats.allocations == 3);
  CHECK(stats.deallocations == 1);
  CHECK(stats.live_allocations == 2);
  CHECK(stats.bytes_reserved >= 350);
  pool.reset_peak();
  CHECK(pool.stats().peak_bytes_in_use == 350);
  pool.deallocate(b, nullptr);
  pool.deallocate(c, nullptr);
  CHECK(pool.stats().bytes_in_use == 0);
}

TEST_CASE("releasing a tag frees exactly its allocations, once", "[memory]") {
  Pool pool(Device::host(), std::make_unique<HostResource>());
  Allocation study_a1 = pool.allocate(100, nullptr, 7);
  Allocation study_a2 = pool.allocate(200, nullptr, 7);
  Allocation study_b = pool.allocate(50, nullptr, 8);
  CHECK(pool.bytes_with_tag(7) == 300);
  CHECK(pool.release_tag(7) == 300);
  CHECK(pool.stats().bytes_in_use == 50);
  CHECK(pool.release_tag(7) == 0);
  // Freeing a released allocation later is harmless and changes nothing.
  pool.deallocate(study_a1, nullptr);
  pool.deallocate(study_a2, nullptr);
  CHECK(pool.stats().bytes_in_use == 50);
  CHECK(pool.stats().deallocations == 2);
  pool.deallocate(study_b, nullptr);
  CHECK(pool.stats().bytes_in_use == 0);
}

TEST_CASE("eight threads allocating concurrently leave exact statistics", "[memory]") {
  Pool pool(Device::host(), std::make_unique<HostResource>());
  pool.set_limit(8 * 64 * 1024);
  constexpr int kThreads = 8, kRounds = 2000;
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Allocation> held;
      for (int i = 0; i < kRounds; ++i) {
        try {
          held.push_back(pool.allocate(64 + (i % 7) * 100, nullptr, uint64_t(t)));
        } catch (const Error&) {
          ++refused;
        }
        if (held.size() > 16) {
          pool.deallocate(held.front(), nullptr);
          held.erase(held.begin());
        }
      }
      for (const auto& a : held) pool.deallocate(a, nullptr);
    });
  }
  for (auto& thread : threads) thread.join();
  const PoolStats stats = pool.stats();
  CHECK(stats.bytes_in_use == 0);
  CHECK(stats.live_allocations == 0);
  CHECK(stats.allocations == stats.deallocations);
  CHECK(stats.allocations + uint64_t(refused.load()) == uint64_t(kThreads) * kRounds);
  CHECK(stats.failures == uint64_t(refused.load()));
  CHECK(stats.peak_bytes_in_use <= 8 * 64 * 1024);
}

TEST_CASE("a Volume allocates from its context's pool with the context's tag", "[memory]") {
  auto ctx = Context::cpu();
  ctx.set_tag(4242);
  Pool& pool = pool_for(Device::host());
  const auto before = pool.stats().bytes_in_use;
  {
    Volume<float> volume(ctx, {2, 3, 4});
    CHECK(pool.bytes_with_tag(4242) == 2 * 3 * 4 * sizeof(float));
    volume.data()[23] = 1.0f;
  }
  CHECK(pool.stats().bytes_in_use == before);
  CHECK(pool.bytes_with_tag(4242) == 0);
}
