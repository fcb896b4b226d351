/* medkern.h from C99: calcium scoring. */
#include "capi_test.h"

static medkern_calcium_params calcium_params(double thickness) {
  medkern_calcium_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.connectivity = 8;
  params.slice_thickness_mm = thickness;
  params.threshold_hu = 130.0;
  params.min_area_mm2 = 1.0;
  params.normalize_thickness = 1;
  return params;
}

/* (2, 6, 8) at (3, 0.5, 0.5) mm, by hand: slice 0 a 2 x 3 block of 250 HU (1.5 mm2, weight
 * 2, labels 2 on 4 pixels and 3 on 2: LAD); slice 1 a 2 x 2 block of 450 HU above it (1 mm2,
 * weight 4, LAD) and one pixel of 900 HU (0.25 mm2: dropped). Agatston 1.5 * 2 + 1 * 4 = 7;
 * volume 10 pixels * 0.75 mm3 = 7.5 mm3; mass (calibration 1) (250 * 6 + 450 * 4) * 0.75 /
 * 1000 = 2.475 mg; one 3-D lesion. */
void test_calcium(medkern_context* context, const char* name) {
  int16_t hu[96];
  uint8_t labels[96];
  medkern_volume ct, lab;
  medkern_calcium_params params = calcium_params(3.0);
  medkern_calcium_result* result = NULL;
  int y, x;

  g_section = name;
  memset(hu, 0, sizeof hu);
  memset(labels, 0, sizeof labels);
  for (y = 1; y <= 2; ++y) {
    for (x = 1; x <= 3; ++x) {
      hu[y * 8 + x] = 250;
      labels[y * 8 + x] = x == 3 ? 3 : 2;
    }
    for (x = 2; x <= 3; ++x) {
      hu[48 + y * 8 + x] = 450;
      labels[48 + y * 8 + x] = 2;
    }
  }
  hu[48 + 4 * 8 + 6] = 900;
  labels[48 + 4 * 8 + 6] = 4;
  ct = make_volume(MEDKERN_DTYPE_INT16, hu, 2, 6, 8);
  lab = make_volume(MEDKERN_DTYPE_UINT8, labels, 2, 6, 8);
  ct.spacing[0] = 3.0;
  ct.spacing[1] = 0.5;
  ct.spacing[2] = 0.5;
  params.calibration_mg_per_cm3_per_hu = 1.0;
  CHECK_OK(medkern_calcium_score(context, &ct, &lab, &params, &result));
  CHECK(result != NULL);
  if (result != NULL) {
    CHECK(result->struct_size == sizeof(medkern_calcium_result));
    CHECK_NEAR(result->total.agatston, 7.0, 1e-12);
    CHECK_NEAR(result->total.volume_mm3, 7.5, 1e-12);
    CHECK_NEAR(result->total.mass_mg, 2.475, 1e-12);
    CHECK(result->total.lesions == 2);
    CHECK(result->has_mass != 0);
    CHECK(result->risk_category == MEDKERN_CALCIUM_RISK_1_10);
    CHECK(strcmp(medkern_calcium_risk_name(result->risk_category), "1-10") == 0);
    CHECK(result->lesions_3d == 1);
    CHECK(result->slice_step == 1);
    CHECK_NEAR(result->voxel_volume_mm3, 0.75, 1e-12);
    CHECK(result->num_labels == 1);
    if (result->num_labels == 1) {
      CHECK(result->labels[0].label == 2);
      CHECK_NEAR(result->labels[0].totals.agatston, 7.0, 1e-12);
    }
    CHECK(result->num_lesions == 2);
    if (result->num_lesions == 2) {
      const medkern_calcium_lesion* first = &result->lesions[0];
      CHECK(first->slice == 0 && first->voxels == 6 && first->label == 2);
      CHECK(first->max_hu == 250 && first->weight == 2 && first->lesion_3d == 1);
      CHECK_NEAR(first->area_mm2, 1.5, 1e-12);
      CHECK_NEAR(first->score, 3.0, 1e-12);
      CHECK_NEAR(first->mean_hu, 250.0, 1e-12);
      CHECK_NEAR(first->centroid_mm[0], 0.0, 1e-12);
      CHECK_NEAR(first->centroid_mm[1], 0.75, 1e-12);
      CHECK_NEAR(first->centroid_mm[2], 1.0, 1e-12);
      CHECK(result->lesions[1].weight == 4 && result->lesions[1].lesion_3d == 1);
    }
    medkern_calcium_result_free(result);
  }
  /* Without labels, calibration or normalisation, 1.5 mm thick: the 900 HU pixel is still
   * too small; the score is not scaled; mass is NaN. */
  params = calcium_params(1.5);
  params.normalize_thickness = 0;
  ct.spacing[0] = 1.5;
  result = NULL;
  CHECK_OK(medkern_calcium_score(context, &ct, NULL, &params, &result));
  if (result != NULL) {
    CHECK_NEAR(result->total.agatston, 7.0, 1e-12);
    CHECK(result->has_mass == 0);
    CHECK(result->total.mass_mg != result->total.mass_mg); /* NaN */
    CHECK(result->num_labels == 0 && result->labels == NULL);
    medkern_calcium_result_free(result);
  }
  /* Overlapping: 3 mm slices every 1.5 mm, only slice 0 is scored. */
  params = calcium_params(3.0);
  result = NULL;
  CHECK_OK(medkern_calcium_score(context, &ct, NULL, &params, &result));
  if (result != NULL) {
    CHECK(result->slice_step == 2);
    CHECK(result->num_lesions == 1);
    CHECK_NEAR(result->total.agatston, 3.0, 1e-12);
    medkern_calcium_result_free(result);
  }
}

void test_calcium_errors(medkern_context* context) {
  int16_t hu[8];
  uint8_t labels[8];
  int32_t wide[8];
  medkern_volume ct, lab, bad;
  medkern_calcium_params params = calcium_params(3.0);
  medkern_calcium_result* result = NULL;

  g_section = "calcium errors";
  memset(hu, 0, sizeof hu);
  memset(labels, 1, sizeof labels);
  memset(wide, 0, sizeof wide);
  ct = make_volume(MEDKERN_DTYPE_INT16, hu, 2, 2, 2);
  lab = make_volume(MEDKERN_DTYPE_UINT8, labels, 2, 2, 2);
  CHECK_STATUS(medkern_calcium_score(NULL, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context is NULL");
  CHECK_STATUS(medkern_calcium_score(context, NULL, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("ct is NULL");
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params is NULL");
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  result = (medkern_calcium_result*)&params; /* must be reset to NULL on failure */
  params.slice_thickness_mm = 0.0;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("slice_thickness_mm");
  CHECK(result == NULL);
  params.slice_thickness_mm = -3.0;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = calcium_params(3.0);
  params.threshold_hu = NAN;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("threshold_hu");
  params = calcium_params(3.0);
  params.min_area_mm2 = NAN;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("min_area_mm2");
  params = calcium_params(3.0);
  params.calibration_mg_per_cm3_per_hu = -1.0;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("calibration");
  params = calcium_params(3.0);
  params.connectivity = 6;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("connectivity");
  params = calcium_params(3.0);
  params.struct_size = 8; /* before the required thickness */
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_calcium_params");
  params = calcium_params(3.0);
  bad = make_volume(MEDKERN_DTYPE_UINT8, labels, 2, 2, 1);
  CHECK_STATUS(medkern_calcium_score(context, &ct, &bad, &params, &result),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("labels");
  bad = make_volume(MEDKERN_DTYPE_INT32, wide, 2, 2, 2);
  CHECK_STATUS(medkern_calcium_score(context, &ct, &bad, &params, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_STATUS(medkern_calcium_score(context, &bad, NULL, &params, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("ct");
  bad = ct;
  bad.spacing[1] = 0.0;
  CHECK_STATUS(medkern_calcium_score(context, &bad, NULL, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = ct;
  bad.data = NULL;
  CHECK_STATUS(medkern_calcium_score(context, &bad, NULL, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK(strcmp(medkern_calcium_risk_name(MEDKERN_CALCIUM_RISK_0), "0") == 0);
  CHECK(strcmp(medkern_calcium_risk_name(MEDKERN_CALCIUM_RISK_OVER_400), ">400") == 0);
  CHECK(strcmp(medkern_calcium_risk_name(99), "unknown") == 0);
  medkern_calcium_result_free(NULL);
}
