// The CUDA histogram against the CPU's on fresh random inputs, edge-case shapes and every
// path of the kernel (bins in shared memory, lookup tables, global atomics): counts must be
// identical.
#include <vector>

#include "gpu/sweep.hpp"
#include "medkern/histogram.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

template <class T>
void check_histogram(const HistogramParams& params) {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (const Shape3& shape : test::kSweepShapes) {
    INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2] << " bins "
                 << params.bins);
    const auto values = test::random_of<T>(shape, seed);
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
