#include <atomic>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "medkern/calcium.hpp"
#include "medkern/context.hpp"
#include "medkern/denoise.hpp"
#include "medkern/edges.hpp"
#include "medkern/gaussian.hpp"
#include "medkern/histogram.hpp"
#include "medkern/label_statistics.hpp"
#include "medkern/memory.hpp"
#include "medkern/watershed.hpp"
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
  // Tag 0 is every untagged allocation's: refused by the pool itself, whichever front calls.
  CHECK_THROWS_AS(pool.release_tag(0), Error);
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

// The CPU ops take their scratch from the CPU pool before their parallel regions, so its
// limit stops them with out_of_memory (a failure inside an OpenMP region would end the
// process instead).
TEST_CASE("CPU ops obey the CPU pool's limit", "[memory]") {
  const Shape3 shape{4, 16, 16};
  std::vector<float> values(std::size_t(shape[0] * shape[1] * shape[2]));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = float(i % 37) * 0.5f;
  std::vector<float> result(values.size());
  std::vector<int32_t> labels(values.size());
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = int32_t(i % 5);
  const auto in = make_view(values.data(), shape);
  const auto out = make_view(result.data(), shape);
  const auto lab = make_view(labels.data(), shape);
  std::vector<uint8_t> edges(values.size());
  std::vector<int16_t> ct(values.size());
  for (std::size_t i = 0; i < ct.size(); ++i) ct[i] = int16_t(i % 7 == 0 ? 400 : 40);
  const auto hu = make_view(ct.data(), shape);
  std::vector<int32_t> minima_labels(values.size());
  const auto lab_out = make_view(minima_labels.data(), shape);
  const CannyParams canny_params{{1.0, 1.0, 1.0}, 1.0, 2.0, 3};
  const std::vector<std::pair<const char*, std::function<void(const Context&)>>> ops{
      {"histogram",
       [&](const Context& c) {
         histogram(c, in, {64, 0.0, 20.0});
       }},
      {"gaussian", [&](const Context& c) { gaussian(c, in, out, {}); }},
      {"gradient_magnitude", [&](const Context& c) { gradient_magnitude(c, in, out, {}); }},
      {"median", [&](const Context& c) { median(c, in, out, {}); }},
      {"median r2",
       [&](const Context& c) {
         median(c, in, out, {{2, 2, 2}});
       }},
      {"anisotropic_diffusion", [&](const Context& c) { anisotropic_diffusion(c, in, out, {}); }},
      {"canny",
       [&](const Context& c) { canny(c, in, make_view(edges.data(), shape), canny_params); }},
      {"label_statistics", [&](const Context& c) { label_statistics(c, in, lab); }},
      {"calcium_score",
       [&](const Context& c) {
         CalciumParams p;
         p.slice_thickness_mm = 3.0;
         calcium_score(c, hu, nullptr, p);
       }},
      {"regional_minima", [&](const Context& c) { regional_minima(c, in, lab_out, {}); }},
  };
  Pool& pool = pool_for(Device::host());
  struct LimitReset {
    Pool& pool;
    ~LimitReset() { pool.set_limit(0); }
  } reset{pool};
  for (const auto& [name, op] : ops) {
    INFO(name);
    const auto ctx = Context::cpu(4);
    pool.set_limit(1);
    try {
      op(ctx);
      FAIL("ran past a 1-byte limit");
    } catch (const Error& e) {
      CHECK(e.status() == Status::out_of_memory);
    }
    pool.set_limit(0);
    CHECK_NOTHROW(op(ctx));
  }
}
