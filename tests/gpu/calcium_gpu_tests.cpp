// GPU calcium scoring against the CPU on fresh random data: the same lesions in the same
// order with the same values, and the same totals, bit for bit.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "medkern/calcium.hpp"
#include "phantoms/calcium_phantom.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

// Doubles equal bit for bit (NaN equal to NaN).
bool same(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void require_same_totals(const CalciumTotals& a, const CalciumTotals& b) {
  CHECK(same(a.agatston, b.agatston));
  CHECK(same(a.volume_mm3, b.volume_mm3));
  CHECK(same(a.mass_mg, b.mass_mg));
  CHECK(a.lesions == b.lesions);
}

void require_same(const CalciumResult& gpu, const CalciumResult& cpu) {
  require_same_totals(gpu.total, cpu.total);
  CHECK(gpu.lesions_3d == cpu.lesions_3d);
  CHECK(gpu.risk_category == cpu.risk_category);
  CHECK(gpu.slice_step == cpu.slice_step);
  REQUIRE(gpu.per_label.size() == cpu.per_label.size());
  for (std::size_t i = 0; i < cpu.per_label.size(); ++i) {
    CHECK(gpu.per_label[i].label == cpu.per_label[i].label);
    require_same_totals(gpu.per_label[i].totals, cpu.per_label[i].totals);
  }
  REQUIRE(gpu.lesions.size() == cpu.lesions.size());
  for (std::size_t i = 0; i < cpu.lesions.size(); ++i) {
    const CalciumLesion& g = gpu.lesions[i];
    const CalciumLesion& c = cpu.lesions[i];
    INFO("lesion " << i);
    CHECK(g.slice == c.slice);
    CHECK(g.label == c.label);
    CHECK(g.voxels == c.voxels);
    CHECK(g.max_hu == c.max_hu);
    CHECK(g.weight == c.weight);
    CHECK(g.lesion_3d == c.lesion_3d);
    CHECK(same(g.area_mm2, c.area_mm2));
    CHECK(same(g.mean_hu, c.mean_hu));
    CHECK(same(g.score, c.score));
    CHECK(same(g.volume_mm3, c.volume_mm3));
    CHECK(same(g.mass_mg, c.mass_mg));
    for (int axis = 0; axis < 3; ++axis) CHECK(same(g.centroid_mm[axis], c.centroid_mm[axis]));
  }
}

// CT-like values: soft tissue with noise (a few voxels reach 130 HU) and bright blobs of
// 130..1000 HU of random sizes, so that lesions of every size and weight occur.
std::vector<int16_t> calcium_ct(const Shape3& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(40.0, 35.0);
  std::vector<int16_t> ct(test::numel(shape));
  for (auto& v : ct) v = int16_t(std::lround(noise(rng)));
  const int64_t blobs = std::max<int64_t>(1, test::numel(shape) / 400);
  for (int64_t b = 0; b < blobs; ++b) {
    const int64_t cz = rng() % shape[0], cy = rng() % shape[1], cx = rng() % shape[2];
    const int64_t r = rng() % 4;
    const int16_t hu = int16_t(130 + rng() % 870);
    for (int64_t z = std::max<int64_t>(0, cz - r / 2); z <= std::min(shape[0] - 1, cz + r / 2); ++z)
      for (int64_t y = std::max<int64_t>(0, cy - r); y <= std::min(shape[1] - 1, cy + r); ++y)
        for (int64_t x = std::max<int64_t>(0, cx - r); x <= std::min(shape[2] - 1, cx + r); ++x)
          if ((y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r)
            ct[(z * shape[1] + y) * shape[2] + x] = int16_t(hu - int16_t(rng() % 60));
  }
  return ct;
}

// Labels in runs along x of random values 0..max_label (0 for about a third of them), so
// that lesions straddle labels and votes tie.
std::vector<uint8_t> calcium_labels(const Shape3& shape, uint64_t seed, int max_label) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> labels(test::numel(shape));
  uint8_t value = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (rng() % 6 == 0) value = rng() % 3 == 0 ? 0 : uint8_t(1 + rng() % max_label);
    labels[i] = value;
  }
  return labels;
}

CalciumResult score(const Context& ctx, const VolumeRef& ct, const VolumeRef* labels,
                    const CalciumParams& params) {
  return calcium_score(ctx, ct, labels, params);
}

}  // namespace

TEST_CASE("GPU calcium scoring equals the CPU on random volumes", "[gpu][calcium]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  // Odd extents, one slice, thin slabs; spacings with and without overlapping slices.
  const std::vector<Shape3> shapes = {{9, 67, 131}, {1, 256, 255}, {33, 40, 41}, {5, 1, 300}};
  const std::vector<Spacing3> spacings = {{3.0, 0.5, 0.5}, {1.5, 0.4, 0.45}, {0.6, 0.7, 0.7}};
  for (const Shape3& shape : shapes) {
    for (const Spacing3& spacing : spacings) {
      for (int max_label : {1, 4, 20}) {  // one value; the four arteries; several vote passes
        INFO("seed " << seed << " shape " << shape[0] << "x" << shape[1] << "x" << shape[2]
                     << " spacing z " << spacing[0] << " labels 1.." << max_label);
        const auto ct = calcium_ct(shape, seed + shape[2]);
        const auto labels = calcium_labels(shape, seed + 7, max_label);
        const VolumeRef host_ct = make_view(ct.data(), shape, spacing);
        const VolumeRef host_labels = make_view(labels.data(), shape, spacing);
        Volume<int16_t> device_ct(gpu, shape, spacing);
        copy(gpu, host_ct, device_ct);
        Volume<uint8_t> device_labels = test::to_device(gpu, labels, shape);
        const VolumeRef device_labels_ref = device_labels;
        for (int connectivity : {8, 4}) {
          CalciumParams p;
          p.connectivity = connectivity;
          p.slice_thickness_mm = 3.0;
          p.calibration_mg_per_cm3_per_hu = 0.79;
          const CalciumResult expected = score(cpu, host_ct, &host_labels, p);
          require_same(score(gpu, device_ct, &device_labels_ref, p), expected);
          // Host inputs on a CUDA context are staged: the same again.
          require_same(score(gpu, host_ct, &host_labels, p), expected);
          p.calibration_mg_per_cm3_per_hu.reset();
          p.threshold_hu = 200.0;
          p.min_area_mm2 = 0.0;
          p.normalize_thickness = false;
          require_same(score(gpu, device_ct, nullptr, p), score(cpu, host_ct, nullptr, p));
        }
      }
    }
  }
}

TEST_CASE("GPU calcium scoring: edge cases equal the CPU", "[gpu][calcium]") {
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  CalciumParams p;
  p.slice_thickness_mm = 3.0;
  const Spacing3 spacing{3.0, 0.5, 0.5};
  SECTION("all background, one voxel, all calcium") {
    for (const Shape3& shape : {Shape3{1, 1, 1}, Shape3{4, 17, 19}}) {
      for (int16_t value : {int16_t(0), int16_t(129), int16_t(500)}) {
        std::vector<int16_t> ct(test::numel(shape), value);
        const VolumeRef host = make_view(ct.data(), shape, spacing);
        p.min_area_mm2 = 0.0;
        const CalciumResult expected = score(cpu, host, nullptr, p);
        CHECK(expected.lesions.size() == (value == 500 ? size_t(shape[0]) : 0u));
        require_same(score(gpu, host, nullptr, p), expected);
      }
    }
  }
  SECTION("strided views") {
    const Shape3 full{6, 40, 50};
    const auto ct = calcium_ct(full, test::fresh_seed());
    const auto labels = calcium_labels(full, 3, 5);
    // Every other column of every slice.
    VolumeView<const int16_t> ct_view{ct.data(), {6, 40, 25}, {40 * 50, 50, 2}, spacing};
    VolumeView<const uint8_t> label_view{labels.data(), {6, 40, 25}, {40 * 50, 50, 2}, spacing};
    const VolumeRef ct_ref = ct_view, label_ref = label_view;
    require_same(score(gpu, ct_ref, &label_ref, p), score(cpu, ct_ref, &label_ref, p));
  }
  SECTION("the phantom") {
    const Shape3 shape{64, 512, 512};
    const Spacing3 phantom_spacing{3.0, 0.5, 0.5};
    const auto phantom =
        phantoms::CalciumPhantom::standard(shape, phantom_spacing, 2, 20, test::fresh_seed());
    std::vector<int16_t> ct(test::numel(shape));
    std::vector<uint8_t> labels(ct.size());
    phantom.generate(ct.data(), labels.data());
    const VolumeRef ct_ref = make_view(ct.data(), shape, phantom_spacing);
    const VolumeRef label_ref = make_view(labels.data(), shape, phantom_spacing);
    p.calibration_mg_per_cm3_per_hu = 0.8;
    const CalciumResult expected = score(cpu, ct_ref, &label_ref, p);
    CHECK(expected.lesions.size() > 100);
    require_same(score(gpu, ct_ref, &label_ref, p), expected);
    require_same(score(gpu, ct_ref, nullptr, p), score(cpu, ct_ref, nullptr, p));
  }
}
