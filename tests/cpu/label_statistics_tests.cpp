#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "label_statistics_backends.hpp"
#include "medkern/label_statistics.hpp"
#include "support/catch.hpp"

using namespace medkern;

TEST_CASE("label statistics of a hand-made volume", "[label_statistics]") {
  // Shape (2, 2, 3); label 1 on four voxels with values 1, 2, 3, 6; label 3 on one voxel.
  std::vector<int16_t> values{1, 2, 0, 0, 0, 9, 0, 3, 0, 0, 6, 0};
  std::vector<int32_t> labels{1, 1, 0, 0, 0, 3, 0, 1, 0, 0, 1, 0};
  const auto ctx = Context::cpu();
  auto input = make_view(values.data(), {2, 2, 3}, {2.5, 1.0, 0.5});
  const auto stats = label_statistics(ctx, input, make_view(labels.data(), {2, 2, 3}));
  REQUIRE(stats.size() == 2);
  const LabelStats& one = stats[0];
  CHECK(one.label == 1);
  CHECK(one.count == 4);
  CHECK(one.sum == 12.0);
  CHECK(one.mean == 3.0);
  // Population variance of {1, 2, 3, 6}: (4 + 1 + 0 + 9) / 4 = 3.5.
  CHECK(one.std == Approx(std::sqrt(3.5)).epsilon(1e-15));
  CHECK(one.min == 1.0);
  CHECK(one.max == 6.0);
  CHECK(one.bbox_min == std::array<int64_t, 3>{0, 0, 0});
  CHECK(one.bbox_max == std::array<int64_t, 3>{1, 1, 1});
  // Voxels (0,0,0), (0,0,1), (1,0,1), (1,1,1): mean index (0.5, 0.25, 0.75) times spacing.
  CHECK(one.centroid_mm[0] == Approx(1.25));
  CHECK(one.centroid_mm[1] == Approx(0.25));
  CHECK(one.centroid_mm[2] == Approx(0.375));
  CHECK(stats[1].label == 3);
  CHECK(stats[1].count == 1);
  CHECK(stats[1].std == 0.0);
  CHECK(stats[1].bbox_min == std::array<int64_t, 3>{0, 1, 2});
}

TEST_CASE("label statistics reports the background only on request", "[label_statistics]") {
  std::vector<float> values{1.0f, 2.0f, 4.0f};
  std::vector<uint8_t> labels{0, 0, 2};
  const auto ctx = Context::cpu();
  const auto in = make_view(values.data(), {1, 1, 3});
  const auto lab = make_view(labels.data(), {1, 1, 3});
  CHECK(label_statistics(ctx, in, lab).size() == 1);
  const auto all = label_statistics(ctx, in, lab, {true});
  REQUIRE(all.size() == 2);
  CHECK(all[0].label == 0);
  CHECK(all[0].mean == 1.5);
  CHECK(all[1].max == 4.0);
}

TEST_CASE("label statistics rejects negative and huge labels", "[label_statistics]") {
  std::vector<int16_t> values(4, 0);
  std::vector<int32_t> negative{0, -1, 0, 0}, huge{0, 1 << 30, 0, 0};
  const auto ctx = Context::cpu();
  const auto in = make_view(values.data(), {1, 2, 2});
  CHECK_THROWS_AS(label_statistics(ctx, in, make_view(negative.data(), {1, 2, 2})), Error);
  CHECK_THROWS_AS(label_statistics(ctx, in, make_view(huge.data(), {1, 2, 2})), Error);
}

// Labels rewritten after the range check (by another thread) must not index past the table:
// the backend is handed labels beyond the max_label it was told, as a racing writer would
// leave them, and a sentinel after the table shows whether anything was written there.
TEST_CASE("label statistics count labels outside the checked range apart", "[label_statistics]") {
  std::vector<int16_t> values{5, 6, 7, 8, 9, 10, 11, 12};
  std::vector<int32_t> labels{1, 2, 7, 1, -3, 2, 1 << 20, 0};
  const int64_t max_label = 2;
  const auto entries = static_cast<std::size_t>(label_table_entries(max_label));
  for (int threads : {1, 4}) {
    INFO("threads " << threads);
    const auto ctx = Context::cpu(threads);
    std::vector<LabelAccumulator> table(entries + 8, empty_label_accumulator());
    cpu::label_statistics(ctx, make_view(values.data(), {2, 2, 2}),
                          make_view(labels.data(), {2, 2, 2}), max_label, false, table.data());
    CHECK(table[1].count == 2);
    CHECK(table[1].sum_int == 5 + 8);
    CHECK(table[2].count == 2);
    CHECK(table[2].sum_int == 6 + 10);
    CHECK(table[entries - 1].count == 3);  // 7, -3 and 2^20
    for (std::size_t i = entries; i < table.size(); ++i) CHECK(table[i].count == 0);
  }
}

// The same through the public function, with a thread that keeps rewriting the labels: the
// call either succeeds or reports the rewrite, and never writes past its table.
TEST_CASE("label statistics survive labels rewritten during the call", "[label_statistics]") {
  const Shape3 shape{8, 64, 64};
  std::vector<float> values(std::size_t(shape[0] * shape[1] * shape[2]), 1.0f);
  std::vector<int32_t> labels(values.size(), 1);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    volatile int32_t* target = labels.data();  // the racing caller's plain stores
    for (uint32_t round = 0; !stop.load(); ++round) {
      const int32_t value = round % 2 ? 1 : 1 << 30;
      for (std::size_t i = 0; i < labels.size(); i += 61) target[i] = value;
    }
  });
  const auto ctx = Context::cpu(4);
  int reported = 0;
  for (int call = 0; call < 200; ++call) {
    try {
      const auto stats =
          label_statistics(ctx, make_view(values.data(), shape), make_view(labels.data(), shape));
      for (const LabelStats& s : stats) CHECK(s.label >= 1);
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_argument);
      ++reported;
    }
  }
  stop = true;
  writer.join();
  INFO("calls that reported a rewrite: " << reported);
}
