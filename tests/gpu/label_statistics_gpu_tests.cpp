// The CUDA label statistics against the CPU's on fresh random inputs and edge-case shapes:
// integer statistics identical, float32 sums to 1e-9 relative.
#include <vector>

#include "device_buffer.hpp"
#include "gpu/sweep.hpp"
#include "label_statistics_backends.hpp"
#include "medkern/label_statistics.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

TEST_CASE("GPU label statistics equal CPU label statistics", "[gpu][label_statistics]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  // 300 labels fit a per-block table in shared memory, 5000 do not.
  for (const Shape3& shape : test::kSweepShapes) {
    for (int32_t max_label : {300, 5000}) {
      for (bool background : {false, true}) {
        INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                     << " background " << background << " max label " << max_label);
        const auto ct = test::random_ct(shape, seed);
        const auto fl = test::random_float(shape, seed, 0.01);
        const auto labels = test::random_labels(shape, seed + 3, max_label);
        VolumeView<const int16_t> ct_view = make_view(ct.data(), shape, {0.7, 0.5, 0.5});
        const auto lab = make_view(labels.data(), shape);
        const auto expected = label_statistics(cpu, ct_view, lab, {background});
        auto device_ct = test::to_device(gpu, ct, shape);
        auto device_labels = test::to_device(gpu, labels, shape);
        VolumeRef device_ct_ref = device_ct;
        device_ct_ref.spacing = {0.7, 0.5, 0.5};
        const auto actual = label_statistics(gpu, device_ct_ref, device_labels, {background});
        REQUIRE(actual.size() == expected.size());
        for (std::size_t i = 0; i < actual.size(); ++i) {
          CHECK(actual[i].label == expected[i].label);
          CHECK(actual[i].count == expected[i].count);
          CHECK(actual[i].sum == expected[i].sum);
          CHECK(actual[i].mean == expected[i].mean);
          CHECK(actual[i].std == expected[i].std);
          CHECK(actual[i].min == expected[i].min);
          CHECK(actual[i].max == expected[i].max);
          CHECK(actual[i].bbox_min == expected[i].bbox_min);
          CHECK(actual[i].bbox_max == expected[i].bbox_max);
          CHECK(actual[i].centroid_mm == expected[i].centroid_mm);
        }
        const auto expected_float = label_statistics(cpu, make_view(fl.data(), shape), lab);
        const auto actual_float = label_statistics(gpu, make_view(fl.data(), shape), lab);
        REQUIRE(actual_float.size() == expected_float.size());
        for (std::size_t i = 0; i < actual_float.size(); ++i) {
          CHECK(actual_float[i].count == expected_float[i].count);
          CHECK(actual_float[i].sum == Approx(expected_float[i].sum).epsilon(1e-9).margin(1e-9));
          CHECK(actual_float[i].std == Approx(expected_float[i].std).epsilon(1e-6).margin(1e-9));
          CHECK(actual_float[i].min == expected_float[i].min);
          CHECK(actual_float[i].max == expected_float[i].max);
        }
      }
    }
  }
}

// As the CPU test of the same name: labels beyond the max_label the kernel was told (as a
// writer racing the range check would leave them) land in the table's last entry, both with
// the per-block shared table (few labels) and without it.
TEST_CASE("GPU label statistics count labels outside the checked range apart",
          "[gpu][label_statistics]") {
  auto gpu = Context::cuda(0);
  const Shape3 shape{3, 33, 65};
  const auto values = test::random_ct(shape, test::fresh_seed());
  for (int64_t max_label : {int64_t{2}, int64_t{5000}}) {
    INFO("max label " << max_label);
    std::vector<int32_t> labels(values.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      labels[i] = i % 7 == 3 ? int32_t(max_label + 1 + i % 5) : i % 11 == 4 ? -int32_t(i) : 1;
    }
    const auto entries = static_cast<std::size_t>(label_table_entries(max_label));
    std::vector<LabelAccumulator> expected(entries);
    cpu::label_statistics(Context::cpu(), make_view(values.data(), shape),
                          make_view(labels.data(), shape), max_label, false, expected.data());
    auto device_values = test::to_device(gpu, values, shape);
    auto device_labels = test::to_device(gpu, labels, shape);
    DeviceBuffer<LabelAccumulator> table(gpu, entries);
    cuda::label_statistics(gpu, device_values, device_labels, max_label, false, table.data());
    const auto actual = make_host_vector(gpu, table);
    CHECK(actual.back().count == expected.back().count);
    CHECK(actual.back().count > 0);
    CHECK(actual[1].count == expected[1].count);
    CHECK(actual[1].sum_int == expected[1].sum_int);
  }
}
