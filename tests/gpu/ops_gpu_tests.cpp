// Every CUDA op against the CPU implementation on fresh random inputs and edge cases.
// Integer results must be identical; float sums of label statistics agree to 1e-9 relative.
#include <cuda_runtime_api.h>
#include <cmath>
#include <vector>

#include "gpu/device_buffer.hpp"
#include "medkern/medkern.hpp"
#include "support/catch.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

const std::vector<Shape3> kShapes = {{1, 1, 1},   {1, 1, 7},     {3, 5, 7},
                                     {1, 33, 65}, {17, 31, 129}, {64, 128, 128}};

template <class T>
std::vector<T> random_of(const Shape3& shape, uint64_t seed) {
  if constexpr (std::is_same_v<T, int16_t>) return test::random_ct(shape, seed);
  if constexpr (std::is_same_v<T, uint16_t>) return test::random_uint16(shape, seed);
  if constexpr (std::is_same_v<T, float>) return test::random_float(shape, seed, 0.01);
}

template <class T>
void check_histogram(const HistogramParams& params) {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : kShapes) {
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2] << " bins "
                 << params.bins);
    const auto values = random_of<T>(shape, seed);
    const auto mask = test::random_mask(shape, seed + 1);
    const auto host_view = make_view(values.data(), shape);
    const VolumeRef host_mask = make_view(mask.data(), shape);
    const auto expected = histogram(cpu, host_view, params);
    const auto expected_masked = histogram(cpu, host_view, params, &host_mask);
    // Host input on the CUDA context (staged through pinned memory).
    CHECK(histogram(gpu, host_view, params) == expected);
    // Device-resident input and mask, counts on the device.
    auto device_values = test::to_device(gpu, values, shape);
    auto device_mask = test::to_device(gpu, mask, shape);
    Volume<uint64_t> device_counts(gpu, {1, 1, int64_t(params.bins)});
    const VolumeRef mask_ref = device_mask;
    histogram(gpu, device_values, &mask_ref, device_counts, params);
    CHECK(test::to_host<uint64_t>(gpu, device_counts) == expected_masked);
  }
}

}  // namespace

TEST_CASE("GPU histogram equals CPU histogram", "[gpu][histogram]") {
  check_histogram<int16_t>({4096, -1024.0, 3072.0});
  check_histogram<int16_t>({37, -1000.5, 1000.25});
  check_histogram<uint16_t>({256, 0.0, 65535.0});
  check_histogram<float>({100, -300.0, 300.0});
  check_histogram<float>({1, -1.0, 1.0});
  // A range wider than the 16-bit type, and one that misses the data entirely.
  check_histogram<int16_t>({4096, -40000.0, 40000.0});
  check_histogram<uint16_t>({10, 70000.0, 80000.0});
  // Counts in shared memory, lookup table or edges too large for it.
  check_histogram<int16_t>({32768, -32768.0, 32768.0});
  check_histogram<float>({40000, -400.0, 400.0});
  // Too many bins for shared memory: the global-atomics path.
  check_histogram<int16_t>({65536, -32768.0, 32768.0});
  check_histogram<float>({65536, -400.0, 400.0});
}

TEST_CASE("GPU histogram of unaligned and strided device views", "[gpu][histogram]") {
  const uint64_t seed = test::fresh_seed();
  INFO("seed " << seed);
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  const Shape3 shape{9, 20, 41};
  const auto values = test::random_ct(shape, seed);
  auto device_values = test::to_device(gpu, values, shape);
  // Skip the first element: the data pointer is no longer 16-byte aligned.
  VolumeView<int16_t> unaligned{
      device_values.data() + 1, {1, 1, test::numel(shape) - 1}, {1, 1, 1}, {1, 1, 1}, gpu.device()};
  CHECK(histogram(gpu, unaligned, {64, -1100.0, 1500.0}) ==
        histogram(cpu, make_view(values.data() + 1, {1, 1, test::numel(shape) - 1}),
                  {64, -1100.0, 1500.0}));
  // Every other row, reversed x.
  VolumeView<int16_t> strided{
      device_values.data() + 40, {9, 10, 41}, {820, 82, -1}, {1, 1, 1}, gpu.device()};
  VolumeView<const int16_t> host_strided{values.data() + 40, {9, 10, 41}, {820, 82, -1}};
  CHECK(histogram(gpu, strided, {64, -1100.0, 1500.0}) ==
        histogram(cpu, host_strided, {64, -1100.0, 1500.0}));
}

template <class T>
void check_threshold(const ThresholdParams& params) {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : kShapes) {
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]);
    const auto values = random_of<T>(shape, seed);
    std::vector<uint8_t> expected(values.size(), 99), host_out(values.size(), 99);
    threshold(cpu, make_view(values.data(), shape), make_view(expected.data(), shape), params);
    threshold(gpu, make_view(values.data(), shape), make_view(host_out.data(), shape), params);
    CHECK(host_out == expected);
    auto device_values = test::to_device(gpu, values, shape);
    Volume<uint8_t> device_out(gpu, shape);
    cudaMemset(device_out.data(), 99, device_out.numel());
    threshold(gpu, device_values, device_out, params);
    CHECK(test::to_host<uint8_t>(gpu, device_out) == expected);
  }
}

TEST_CASE("GPU threshold equals CPU threshold", "[gpu][threshold]") {
  check_threshold<int16_t>({130.0, 3000.0, 1, 0});
  check_threshold<int16_t>({-500.5, 200.7, 255, 3});
  check_threshold<uint16_t>({1000.0, 40000.0, 1, 0});
  check_threshold<float>({0.3, 50.0, 1, 0});
  check_threshold<float>({-INFINITY, 0.0, 9, 2});
}

TEST_CASE("GPU Otsu equals CPU Otsu", "[gpu][otsu]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : kShapes) {
    if (test::numel(shape) < 2) continue;
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]);
    const auto ct = test::random_ct(shape, seed);
    const auto fl = test::random_float(shape, seed, 0.01);
    const auto mask = test::random_mask(shape, seed + 2, 0.7);
    const VolumeRef mask_ref = make_view(mask.data(), shape);
    CHECK(otsu_threshold(gpu, make_view(ct.data(), shape), nullptr) ==
          otsu_threshold(cpu, make_view(ct.data(), shape), nullptr));
    CHECK(otsu_threshold(gpu, make_view(fl.data(), shape), &mask_ref, {128}) ==
          otsu_threshold(cpu, make_view(fl.data(), shape), &mask_ref, {128}));
  }
}

TEST_CASE("GPU label statistics equal CPU label statistics", "[gpu][label_statistics]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  // 300 labels fit a per-block table in shared memory, 5000 do not.
  for (const Shape3& shape : kShapes) {
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

TEST_CASE("GPU ops reject data of another device and the wrong context", "[gpu][errors]") {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  Volume<int16_t> device_values(gpu, {2, 2, 2});
  try {
    histogram(cpu, device_values, {4, 0.0, 1.0});
    FAIL("a CPU context accepted device memory");
  } catch (const Error& e) {
    CHECK(e.status() == Status::invalid_argument);
    CHECK(std::string(e.what()).find("cuda:0") != std::string::npos);
  }
}
