#include <limits>
#include <vector>

#include "medkern/context.hpp"
#include "support/catch.hpp"

using namespace medkern;

TEST_CASE("views validate shape, spacing and size", "[volume]") {
  std::vector<float> data(8);
  VolumeRef ok = make_view(data.data(), {2, 2, 2});
  CHECK_NOTHROW(validate_volume(ok, "input"));
  VolumeRef zero = ok;
  zero.shape = {0, 2, 2};
  CHECK_THROWS_AS(validate_volume(zero, "input"), Error);
  VolumeRef bad_spacing = ok;
  bad_spacing.spacing = {1.0, -1.0, 1.0};
  CHECK_THROWS_AS(validate_volume(bad_spacing, "input"), Error);
  VolumeRef huge = ok;
  huge.shape = {int64_t(1) << 40, int64_t(1) << 20, 16};
  try {
    validate_volume(huge, "input");
    FAIL("no overflow reported");
  } catch (const Error& e) {
    CHECK(e.status() == Status::overflow);
  }
}

TEST_CASE("copy between strided host views", "[volume]") {
  std::vector<int16_t> src(24), dst(24, 0);
  for (int i = 0; i < 24; ++i) src[i] = int16_t(i);
  const auto ctx = Context::cpu();
  // Transpose y and x of a (2, 3, 4) volume into a (2, 4, 3) layout.
  VolumeView<int16_t> transposed{dst.data(), {2, 3, 4}, {12, 1, 3}, {1, 1, 1}};
  copy(ctx, make_view(src.data(), {2, 3, 4}), transposed);
  CHECK(dst[0 * 12 + 2 * 3 + 1] == src[0 * 12 + 1 * 4 + 2]);
  CHECK(dst[1 * 12 + 3 * 3 + 2] == src[1 * 12 + 2 * 4 + 3]);
}

TEST_CASE("a CUDA context on a CPU-only machine is a clear error", "[context]") {
  if (device_count() > 0) return;
  try {
    Context::cuda(0);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == Status::no_device);
  }
  CHECK(Context::automatic().device().is_host());
}
