// Calcium scoring on the CPU against answers worked out by hand: each rule on a hand-built
// case, and the synthetic phantom against closed forms of its geometry.
#include <cmath>
#include <map>
#include <vector>

#include "medkern/calcium.hpp"
#include "phantoms/calcium_phantom.hpp"
#include "support/catch.hpp"

using namespace medkern;

namespace {

// A small CT volume of water (0 HU) with a label volume, built pixel by pixel.
struct Case {
  Shape3 shape;
  Spacing3 spacing;
  std::vector<int16_t> hu;
  std::vector<uint8_t> labels;

  Case(const Shape3& s, const Spacing3& sp)
      : shape(s), spacing(sp), hu(s[0] * s[1] * s[2], 0), labels(s[0] * s[1] * s[2], 0) {}
  int64_t index(int64_t z, int64_t y, int64_t x) const { return (z * shape[1] + y) * shape[2] + x; }
  void set(int64_t z, int64_t y, int64_t x, int16_t value, uint8_t label = 0) {
    hu[index(z, y, x)] = value;
    labels[index(z, y, x)] = label;
  }
  // A y_count x x_count rectangle of `value` from (y, x) on slice z.
  void rect(int64_t z, int64_t y, int64_t x, int64_t y_count, int64_t x_count, int16_t value,
            uint8_t label = 0) {
    for (int64_t j = y; j < y + y_count; ++j)
      for (int64_t i = x; i < x + x_count; ++i) set(z, j, i, value, label);
  }
  CalciumResult score(CalciumParams params, bool with_labels = false) const {
    if (params.slice_thickness_mm == 0.0) params.slice_thickness_mm = spacing[0];
    const VolumeRef ct = make_view(hu.data(), shape, spacing);
    const VolumeRef lab = make_view(labels.data(), shape, spacing);
    return calcium_score(Context::cpu(), ct, with_labels ? &lab : nullptr, params);
  }
};

// Lattice points of a disc of radius R pixels (Gauss's circle problem), by hand:
// N(1) = 5, N(3) = 29, N(5) = 81.
constexpr int64_t kDiscPixels[6] = {1, 5, 13, 29, 49, 81};

}  // namespace

TEST_CASE("calcium: the minimum area keeps 1.1 mm2 and drops 0.9 mm2", "[calcium]") {
  // Pixels of 0.25 x 0.4 mm = 0.1 mm2: 9 pixels are 0.9 mm2, 11 are 1.1 mm2, 10 are 1.0.
  Case c({1, 20, 40}, {3.0, 0.25, 0.4});
  c.rect(0, 2, 2, 1, 9, 300);    // 0.9 mm2: dropped
  c.rect(0, 6, 2, 1, 11, 300);   // 1.1 mm2: kept
  c.rect(0, 10, 2, 1, 10, 300);  // 1.0 mm2: kept (the minimum is inclusive)
  const CalciumResult r = c.score({});
  REQUIRE(r.lesions.size() == 2);
  CHECK(r.lesions[0].voxels == 11);
  CHECK(r.lesions[0].area_mm2 == Approx(1.1));
  CHECK(r.lesions[1].voxels == 10);
  // Weight 3 (300 HU), thickness 3 mm: Agatston = (1.1 + 1.0) * 3.
  CHECK(r.total.agatston == Approx(6.3));
  CHECK(r.total.lesions == 2);
  CalciumParams none;
  none.min_area_mm2 = 0.0;
  CHECK(c.score(none).lesions.size() == 3);
}

TEST_CASE("calcium: density weights switch at 200, 300 and 400 HU of the maximum", "[calcium]") {
  // Four 2 x 2 lesions of 1 mm2 (0.5 mm pixels), each with one brighter pixel.
  Case c({1, 16, 40}, {3.0, 0.5, 0.5});
  const int16_t maxima[8] = {199, 200, 299, 300, 399, 400, 130, 1000};
  for (int k = 0; k < 8; ++k) {
    c.rect(0, 2, 2 + 4 * k, 2, 2, 130);
    c.set(0, 3, 3 + 4 * k, maxima[k]);
  }
  const CalciumResult r = c.score({});
  REQUIRE(r.lesions.size() == 8);
  const int32_t weights[8] = {1, 2, 2, 3, 3, 4, 1, 4};
  double total = 0.0;
  for (int k = 0; k < 8; ++k) {
    CHECK(r.lesions[k].max_hu == maxima[k]);
    CHECK(r.lesions[k].weight == weights[k]);
    CHECK(r.lesions[k].score == Approx(1.0 * weights[k]));
    CHECK(r.lesions[k].mean_hu == Approx((3 * 130 + maxima[k]) / 4.0));
    total += weights[k];
  }
  CHECK(r.total.agatston == Approx(total));
  CHECK(r.risk_category == RiskCategory::eleven_to_100);  // 20

  // 129 HU is below the threshold: nothing is calcium.
  Case below({1, 8, 8}, {3.0, 0.5, 0.5});
  below.rect(0, 2, 2, 2, 2, 129);
  CHECK(below.score({}).lesions.empty());
  CHECK(below.score({}).risk_category == RiskCategory::zero);
}

TEST_CASE("calcium: the density bands scale with the threshold", "[calcium]") {
  // Threshold 260 HU = 2 * 130: the bands are 400, 600 and 800 HU.
  Case c({1, 8, 30}, {3.0, 0.5, 0.5});
  const int16_t maxima[4] = {399, 400, 799, 800};
  for (int k = 0; k < 4; ++k) c.rect(0, 2, 2 + 6 * k, 2, 2, maxima[k]);
  CalciumParams p;
  p.threshold_hu = 260.0;
  const CalciumResult r = c.score(p);
  REQUIRE(r.lesions.size() == 4);
  CHECK(r.lesions[0].weight == 1);
  CHECK(r.lesions[1].weight == 2);
  CHECK(r.lesions[2].weight == 3);
  CHECK(r.lesions[3].weight == 4);
  // A threshold of 129.5 takes 130 HU and up (integers compared with the real threshold).
  Case d({1, 8, 8}, {3.0, 0.5, 0.5});
  d.rect(0, 2, 2, 2, 2, 130);
  p.threshold_hu = 129.5;
  CHECK(d.score(p).lesions.size() == 1);
  p.threshold_hu = 130.5;
  CHECK(d.score(p).lesions.empty());
}

TEST_CASE("calcium: connectivity 8 joins diagonal pixels, 4 does not", "[calcium]") {
  // Two 2 x 2 squares touching at one corner; each is 1 mm2 with 0.5 mm pixels.
  Case c({1, 10, 10}, {3.0, 0.5, 0.5});
  c.rect(0, 2, 2, 2, 2, 250);
  c.rect(0, 4, 4, 2, 2, 250);
  CalciumParams eight;
  const CalciumResult r8 = c.score(eight);
  REQUIRE(r8.lesions.size() == 1);
  CHECK(r8.lesions[0].voxels == 8);
  CHECK(r8.total.agatston == Approx(2.0 * 2));
  CalciumParams four;
  four.connectivity = 4;
  const CalciumResult r4 = c.score(four);
  REQUIRE(r4.lesions.size() == 2);
  CHECK(r4.total.agatston == Approx(2 * 1.0 * 2));
  // With 4-connectivity a lesion of single diagonal pixels falls apart below the minimum.
  Case d({1, 10, 10}, {3.0, 0.5, 0.5});
  for (int k = 0; k < 4; ++k) d.set(0, 2 + k, 2 + k, 500);
  CHECK(d.score(eight).lesions.size() == 1);
  CHECK(d.score(four).lesions.empty());
}

TEST_CASE("calcium: a lesion across a slice boundary is a lesion on each slice", "[calcium]") {
  // A 2 x 3 block on slices 1 and 2 (one 3-D lesion), and one at the image corner.
  Case c({4, 8, 8}, {3.0, 0.5, 0.5});
  c.rect(1, 2, 2, 2, 3, 320);
  c.rect(2, 3, 3, 2, 3, 420);  // overlaps the first at (3, 3), (3, 4)
  c.rect(3, 6, 6, 2, 2, 150);  // the corner of the image
  const CalciumResult r = c.score({});
  REQUIRE(r.lesions.size() == 3);
  CHECK(r.lesions[0].slice == 1);
  CHECK(r.lesions[1].slice == 2);
  CHECK(r.lesions[2].slice == 3);
  CHECK(r.lesions[0].lesion_3d == 1);
  CHECK(r.lesions[1].lesion_3d == 1);
  CHECK(r.lesions[2].lesion_3d == 2);
  CHECK(r.lesions_3d == 2);
  // 1.5 mm2 * 3 + 1.5 mm2 * 4 + 1 mm2 * 1.
  CHECK(r.total.agatston == Approx(4.5 + 6.0 + 1.0));
  // Centroids in mm: slice 1 at 3 mm; rows 2..3 -> 2.5 * 0.5, columns 2..4 -> 3 * 0.5.
  CHECK(r.lesions[0].centroid_mm[0] == Approx(3.0));
  CHECK(r.lesions[0].centroid_mm[1] == Approx(1.25));
  CHECK(r.lesions[0].centroid_mm[2] == Approx(1.5));
  // Shifted so that they do not overlap in (y, x): two 3-D lesions.
  Case d({2, 8, 12}, {3.0, 0.5, 0.5});
  d.rect(0, 2, 2, 2, 2, 300);
  d.rect(1, 4, 4, 2, 2, 300);  // diagonal neighbour only: no pixel directly above
  CHECK(d.score({}).lesions_3d == 2);
}

TEST_CASE("calcium: thickness 1.5 mm vs 3 mm, normalisation, volume and mass", "[calcium]") {
  // The same 4 x 4 lesion (4 mm2, 500 HU) on one slice of 3 mm and of 1.5 mm.
  for (double thickness : {3.0, 1.5}) {
    Case c({1, 8, 8}, {thickness, 0.5, 0.5});
    c.rect(0, 2, 2, 4, 4, 500);
    CalciumParams p;
    p.calibration_mg_per_cm3_per_hu = 0.8;
    const CalciumResult r = c.score(p);
    REQUIRE(r.lesions.size() == 1);
    CHECK(r.total.agatston == Approx(4.0 * 4 * thickness / 3.0));
    CHECK(r.total.volume_mm3 == Approx(16 * 0.25 * thickness));
    // mass = 0.8 mg/cm3/HU * 500 HU * volume mm3 / 1000.
    CHECK(r.total.mass_mg == Approx(0.8 * 500 * 16 * 0.25 * thickness / 1000.0));
    CHECK(r.has_mass);
    p.normalize_thickness = false;
    CHECK(c.score(p).total.agatston == Approx(16.0));
    p.calibration_mg_per_cm3_per_hu.reset();
    const CalciumResult no_mass = c.score(p);
    CHECK(!no_mass.has_mass);
    CHECK(std::isnan(no_mass.total.mass_mg));
    CHECK(std::isnan(no_mass.lesions[0].mass_mg));
  }
}

TEST_CASE("calcium: labels, majority votes and ties", "[calcium]") {
  Case c({1, 12, 30}, {3.0, 0.5, 0.5});
  c.rect(0, 1, 1, 2, 3, 300, 2);     // LAD, 6 pixels
  c.rect(0, 1, 4, 2, 1, 300, 3);     // LCX, 2 pixels of the same lesion: LAD wins 6 to 2
  c.rect(0, 5, 1, 2, 2, 300, 4);     // a tie, RCA 4 pixels ...
  c.rect(0, 5, 3, 2, 2, 300, 1);     // ... and LM 4 pixels: the smaller label (LM) wins
  c.rect(0, 9, 1, 2, 2, 300, 0);     // outside every label: not counted
  c.rect(0, 1, 20, 2, 2, 300, 200);  // a user-defined label
  const CalciumResult r = c.score({}, true);
  REQUIRE(r.lesions.size() == 3);
  CHECK(r.lesions[0].label == 2);
  CHECK(r.lesions[0].voxels == 8);
  CHECK(r.lesions[1].label == 200);
  CHECK(r.lesions[2].label == 1);
  CHECK(r.lesions[2].voxels == 8);
  REQUIRE(r.per_label.size() == 3);
  CHECK(r.per_label[0].label == 1);
  CHECK(r.per_label[0].totals.agatston == Approx(2.0 * 3));
  CHECK(r.per_label[1].label == 2);
  CHECK(r.per_label[1].totals.agatston == Approx(2.0 * 3));
  CHECK(r.per_label[2].label == 200);
  CHECK(r.per_label[2].totals.agatston == Approx(1.0 * 3));
  CHECK(r.total.agatston == Approx(5.0 * 3));
  // Without labels, everything counts and per_label is empty.
  const CalciumResult all = c.score({});
  CHECK(all.lesions.size() == 4);  // the unlabelled 2 x 2 counts too
  CHECK(all.per_label.empty());
}

TEST_CASE("calcium: a mask restricts where calcium is counted", "[calcium]") {
  Case c({1, 8, 12}, {3.0, 0.5, 0.5});
  c.rect(0, 2, 2, 4, 8, 400);
  // The mask covers the left half: the lesion is cut to 4 x 4 = 4 mm2.
  for (int64_t y = 0; y < 8; ++y)
    for (int64_t x = 0; x < 6; ++x) c.labels[c.index(0, y, x)] = 1;
  const CalciumResult r = c.score({}, true);
  REQUIRE(r.lesions.size() == 1);
  CHECK(r.lesions[0].voxels == 16);
  CHECK(r.total.agatston == Approx(4.0 * 4));
  CHECK(c.score({}).total.agatston == Approx(8.0 * 4));
}

TEST_CASE("calcium: overlapping slices are scored every k-th slice", "[calcium]") {
  // 3 mm slices reconstructed every 1.5 mm: slices 0, 2, 4 are scored (k = 2).
  Case c({5, 8, 8}, {1.5, 0.5, 0.5});
  for (int64_t z = 0; z < 5; ++z) c.rect(z, 2, 2, 2, 2, 250);
  CalciumParams p;
  p.slice_thickness_mm = 3.0;
  const CalciumResult r = c.score(p);
  CHECK(r.slice_step == 2);
  REQUIRE(r.lesions.size() == 3);
  CHECK(r.lesions[1].slice == 2);
  CHECK(r.lesions_3d == 1);  // consecutive scored slices overlap
  CHECK(r.total.agatston == Approx(3 * 1.0 * 2));
  CHECK(r.voxel_volume_mm3 == Approx(0.25 * 3.0));
  CHECK(r.total.volume_mm3 == Approx(3 * 4 * 0.75));
  // 3 mm every 1 mm: k = 3; 2.5 mm every 1.25 mm: k = 2; 3 mm every 0.6 mm: k = 5 (rounding).
  Case d({7, 4, 4}, {1.0, 0.5, 0.5});
  CHECK(d.score(p).slice_step == 3);
  Case e({7, 4, 4}, {0.6, 0.5, 0.5});
  CHECK(e.score(p).slice_step == 5);
  p.slice_thickness_mm = 0.5;  // thinner than the spacing: gaps, every slice is scored
  CHECK(e.score(p).slice_step == 1);
  // A z spacing a rounding error below the thickness (DICOM positions to 0.001 mm over 64
  // slices): contiguous, every slice is scored, not every other one.
  p.slice_thickness_mm = 3.0;
  Case f({7, 4, 4}, {2.99998, 0.5, 0.5});
  CHECK(f.score(p).slice_step == 1);
  Case g({7, 4, 4}, {1.49999, 0.5, 0.5});
  CHECK(g.score(p).slice_step == 2);
  Case h({7, 4, 4}, {2.9, 0.5, 0.5});  // a real overlap of 0.1 mm
  CHECK(h.score(p).slice_step == 2);
}

TEST_CASE("calcium: invalid arguments are errors naming them", "[calcium]") {
  Case c({2, 4, 4}, {3.0, 0.5, 0.5});
  const auto ctx = Context::cpu();
  const VolumeRef ct = make_view(c.hu.data(), c.shape, c.spacing);
  CalciumParams p;
  p.slice_thickness_mm = 3.0;
  auto fails = [&](const CalciumParams& params, const VolumeRef* labels, Status status,
                   const char* word) {
    try {
      calcium_score(ctx, ct, labels, params);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.status() == status);
      CHECK(std::string(e.what()).find(word) != std::string::npos);
    }
  };
  for (double bad : {0.0, -3.0, std::nan("")}) {
    CalciumParams q = p;
    q.slice_thickness_mm = bad;
    fails(q, nullptr, Status::invalid_argument, "slice_thickness_mm");
    q = p;
    q.threshold_hu = bad;
    fails(q, nullptr, Status::invalid_argument, "threshold_hu");
    q = p;
    q.calibration_mg_per_cm3_per_hu = bad;
    fails(q, nullptr, Status::invalid_argument, "calibration");
  }
  CalciumParams q = p;
  q.min_area_mm2 = -1.0;
  fails(q, nullptr, Status::invalid_argument, "min_area_mm2");
  q = p;
  q.connectivity = 26;
  fails(q, nullptr, Status::invalid_argument, "connectivity");
  std::vector<uint8_t> small(8, 1);
  const VolumeRef wrong_shape = make_view(small.data(), {2, 2, 2});
  fails(p, &wrong_shape, Status::shape_mismatch, "labels");
  std::vector<int32_t> wide(32, 1);
  const VolumeRef wrong_dtype = make_view(wide.data(), c.shape);
  fails(p, &wrong_dtype, Status::unsupported_dtype, "labels");
  std::vector<float> floats(32, 1.0f);
  try {
    calcium_score(ctx, make_view(floats.data(), c.shape), nullptr, p);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == Status::unsupported_dtype);
  }
  VolumeRef bad_spacing = ct;
  bad_spacing.spacing[1] = -0.5;
  CHECK_THROWS_AS(calcium_score(ctx, bad_spacing, nullptr, p), Error);
  VolumeRef null_data = ct;
  null_data.data = nullptr;
  CHECK_THROWS_AS(calcium_score(ctx, null_data, nullptr, p), Error);
}

TEST_CASE("calcium: risk categories", "[calcium]") {
  CHECK(risk_category_of(0.0) == RiskCategory::zero);
  CHECK(risk_category_of(0.2) == RiskCategory::one_to_ten);
  CHECK(risk_category_of(10.0) == RiskCategory::one_to_ten);
  CHECK(risk_category_of(10.5) == RiskCategory::eleven_to_100);
  CHECK(risk_category_of(100.0) == RiskCategory::eleven_to_100);
  CHECK(risk_category_of(400.0) == RiskCategory::hundred_one_to_400);
  CHECK(risk_category_of(400.01) == RiskCategory::above_400);
  CHECK(std::string(risk_category_name(RiskCategory::above_400)) == ">400");
  CHECK(std::string(risk_category_name(RiskCategory::hundred_one_to_400)) == "101-400");
}

TEST_CASE("calcium: the synthetic phantom against closed forms", "[calcium]") {
  // The standard block (phantoms/calcium_phantom.hpp), 0.5 mm pixels, 60 mm of z. Inserts of
  // diameter 1, 3, 5 mm are discs of radius 1, 3, 5 pixels: 5, 29, 81 pixels, 1.25, 7.25,
  // 20.25 mm2. Rows of 150, 250, 350, 600 HU weigh 1..4 and are labelled 1..4. Insert k =
  // 3 * row + column spans L_k = 12 + 6 (k % 4) mm: L_k / T slices of thickness T.
  // Agatston (normalised) of insert k = area * weight * (L_k / T) * (T / 3) = area * weight
  // * L_k / 3, whatever T:
  //   LM : 1.25*1*12/3 + 7.25*1*18/3 + 20.25*1*24/3 =   5 +  43.5 + 162 =  210.5
  //   LAD: 1.25*2*30/3 + 7.25*2*12/3 + 20.25*2*18/3 =  25 +  58   + 243 =  326
  //   LCX: 1.25*3*24/3 + 7.25*3*30/3 + 20.25*3*12/3 =  30 + 217.5 + 243 =  490.5
  //   RCA: 1.25*4*18/3 + 7.25*4*24/3 + 20.25*4*30/3 =  30 + 232   + 810 = 1072
  // Volume of insert k = pixels * 0.25 mm2 * L_k: row sums 631.5, 489, 490.5, 804 mm3
  // (total 2415); mass = c * HU * volume / 1000: 0.8 * (150*631.5 + 250*489 + 350*490.5 +
  // 600*804) / 1000 = 0.8 * 871.05 mg.
  const double agatston[4] = {210.5, 326.0, 490.5, 1072.0};
  const double volume[4] = {631.5, 489.0, 490.5, 804.0};
  const double hu[4] = {150, 250, 350, 600};
  CHECK(kDiscPixels[1] * 0.25 == 1.25);
  for (double thickness : {3.0, 1.5, 0.5}) {
    const Shape3 shape{int64_t(60.0 / thickness), 128, 128};
    const Spacing3 spacing{thickness, 0.5, 0.5};
    const auto phantom = phantoms::CalciumPhantom::standard(shape, spacing);
    std::vector<int16_t> ct(shape[0] * shape[1] * shape[2]);
    std::vector<uint8_t> labels(ct.size());
    phantom.generate(ct.data(), labels.data());
    CalciumParams p;
    p.slice_thickness_mm = thickness;
    p.calibration_mg_per_cm3_per_hu = 0.8;
    const VolumeRef ct_view = make_view(ct.data(), shape, spacing);
    const VolumeRef label_view = make_view(labels.data(), shape, spacing);
    const CalciumResult r = calcium_score(Context::cpu(), ct_view, &label_view, p);
    INFO("thickness " << thickness);
    CHECK(r.total.agatston == Approx(2099.0));
    CHECK(r.total.volume_mm3 == Approx(2415.0));
    CHECK(r.total.mass_mg == Approx(0.8 * 871.05));
    CHECK(r.total.lesions == int64_t(252.0 / thickness));  // sum of L_k / T
    CHECK(r.lesions_3d == 12);
    CHECK(r.risk_category == RiskCategory::above_400);
    REQUIRE(r.per_label.size() == 4);
    for (int row = 0; row < 4; ++row) {
      CHECK(r.per_label[row].label == row + 1);
      CHECK(r.per_label[row].totals.agatston == Approx(agatston[row]));
      CHECK(r.per_label[row].totals.volume_mm3 == Approx(volume[row]));
      CHECK(r.per_label[row].totals.mass_mg == Approx(0.8 * hu[row] * volume[row] / 1000.0));
    }
    std::map<int64_t, int> pixels;
    for (const CalciumLesion& lesion : r.lesions) ++pixels[lesion.voxels];
    CHECK(pixels.size() == 3);
    CHECK(pixels.count(kDiscPixels[1]) == 1);
    CHECK(pixels.count(kDiscPixels[3]) == 1);
    CHECK(pixels.count(kDiscPixels[5]) == 1);
    // Without labels the same (nothing else reaches 130 HU); the 1 mm inserts (1.25 mm2)
    // are dropped by a minimum area of 2 mm2: Agatston less 5 + 25 + 30 + 30.
    const CalciumResult unlabelled = calcium_score(Context::cpu(), ct_view, nullptr, p);
    CHECK(unlabelled.total.agatston == Approx(2099.0));
    p.min_area_mm2 = 2.0;
    CHECK(calcium_score(Context::cpu(), ct_view, nullptr, p).total.agatston ==
          Approx(2099.0 - 90.0));
  }
  // 3 mm slices reconstructed every 1.5 mm score like the 3 mm series.
  const Shape3 shape{40, 128, 128};
  const Spacing3 spacing{1.5, 0.5, 0.5};
  const auto phantom = phantoms::CalciumPhantom::standard(shape, spacing);
  std::vector<int16_t> ct(shape[0] * shape[1] * shape[2]);
  phantom.generate(ct.data(), nullptr);
  CalciumParams p;
  p.slice_thickness_mm = 3.0;
  const CalciumResult r =
      calcium_score(Context::cpu(), make_view(ct.data(), shape, spacing), nullptr, p);
  CHECK(r.slice_step == 2);
  CHECK(r.total.agatston == Approx(2099.0));
  CHECK(r.total.volume_mm3 == Approx(2415.0));
  CHECK(r.total.lesions == 84);
  CHECK(r.lesions_3d == 12);
}
