/* medkern.h from C99: label statistics. */
#include "capi_test.h"

/* input (2, 2, 3) = 10, 20, ..., 120; spacing (2.0, 0.5, 1.5) mm. Expected values from
 * scipy.ndimage (sum, mean, standard_deviation, minimum, maximum, center_of_mass). */
static const int32_t kLabels[12] = {1, 1, 0, 2, 0, 0, 0, 1, 0, 2, 2, 3};

typedef struct expected_stats {
  int32_t label;
  uint64_t count;
  double sum, mean, variance, min, max;
  int64_t bbox_min[3], bbox_max[3];
  double centroid_mm[3];
} expected_stats;

static const expected_stats kExpected[4] = {
    {0, 5, 300.0, 60.0, 400.0, 30.0, 90.0, {0, 0, 0}, {1, 1, 2}, {0.8, 0.2, 2.1}},
    {1,
     3,
     110.0,
     110.0 / 3.0,
     955.5555555555555,
     10.0,
     80.0,
     {0, 0, 0},
     {1, 0, 1},
     {2.0 / 3.0, 0.0, 1.0}},
    {2,
     3,
     250.0,
     250.0 / 3.0,
     955.5555555555555,
     40.0,
     110.0,
     {0, 1, 0},
     {1, 1, 1},
     {4.0 / 3.0, 0.5, 0.5}},
    {3, 1, 120.0, 120.0, 0.0, 120.0, 120.0, {1, 1, 2}, {1, 1, 2}, {2.0, 0.5, 3.0}},
};

static void check_label_stats(const medkern_label_stats* got, const expected_stats* want) {
  int axis;
  CHECK(got->label == want->label);
  CHECK(got->count == want->count);
  CHECK_NEAR(got->sum, want->sum, 1e-12);
  CHECK_NEAR(got->mean, want->mean, 1e-12);
  CHECK_NEAR(got->std * got->std, want->variance, 1e-9);
  CHECK(got->std >= 0.0);
  CHECK(got->min == want->min);
  CHECK(got->max == want->max);
  for (axis = 0; axis < 3; ++axis) {
    CHECK(got->bbox_min[axis] == want->bbox_min[axis]);
    CHECK(got->bbox_max[axis] == want->bbox_max[axis]);
    CHECK_NEAR(got->centroid_mm[axis], want->centroid_mm[axis], 1e-12);
  }
}

void test_label_statistics_values(medkern_context* context, const char* name) {
  int16_t values[12];
  float float_values[12];
  uint8_t labels8[12];
  medkern_volume input, labels;
  medkern_label_statistics_params params;
  medkern_label_statistics_result* result = NULL;
  int i;

  g_section = name;
  for (i = 0; i < 12; ++i) {
    values[i] = (int16_t)(10 * (i + 1));
    float_values[i] = (float)(10 * (i + 1));
    labels8[i] = (uint8_t)kLabels[i];
  }
  input = make_volume(MEDKERN_DTYPE_INT16, values, 2, 2, 3);
  input.spacing[0] = 2.0;
  input.spacing[1] = 0.5;
  input.spacing[2] = 1.5;
  labels = make_volume(MEDKERN_DTYPE_INT32, (void*)kLabels, 2, 2, 3);

  /* params NULL: no background */
  CHECK_OK(medkern_label_statistics(context, &input, &labels, NULL, &result));
  CHECK(result != NULL);
  if (result != NULL) {
    CHECK(result->struct_size == sizeof(medkern_label_statistics_result));
    CHECK(result->num_labels == 3);
    if (result->num_labels == 3) {
      for (i = 0; i < 3; ++i) check_label_stats(&result->labels[i], &kExpected[i + 1]);
    }
    {
      /* the same records as the documented default written out: include_background 0 */
      medkern_label_statistics_result* by_hand = NULL;
      memset(&params, 0, sizeof params);
      params.struct_size = sizeof params;
      params.include_background = 0;
      CHECK_OK(medkern_label_statistics(context, &input, &labels, &params, &by_hand));
      CHECK(by_hand != NULL && by_hand->num_labels == result->num_labels);
      if (by_hand != NULL && by_hand->num_labels == result->num_labels) {
        CHECK(memcmp(by_hand->labels, result->labels,
                     (size_t)result->num_labels * sizeof(medkern_label_stats)) == 0);
      }
      medkern_label_statistics_free(by_hand);
    }
    medkern_label_statistics_free(result);
    result = NULL;
  }

  /* with the background, float32 input and uint8 labels */
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.include_background = 1;
  input.dtype = MEDKERN_DTYPE_FLOAT32;
  input.data = float_values;
  labels = make_volume(MEDKERN_DTYPE_UINT8, labels8, 2, 2, 3);
  CHECK_OK(medkern_label_statistics(context, &input, &labels, &params, &result));
  CHECK(result != NULL);
  if (result != NULL) {
    CHECK(result->num_labels == 4);
    if (result->num_labels == 4) {
      for (i = 0; i < 4; ++i) check_label_stats(&result->labels[i], &kExpected[i]);
    }
    medkern_label_statistics_free(result);
    result = NULL;
  }

  /* all background: no labels, and an empty result is still freed the same way */
  {
    uint8_t zeros[12];
    medkern_volume background = make_volume(MEDKERN_DTYPE_UINT8, zeros, 2, 2, 3);
    memset(zeros, 0, sizeof zeros);
    CHECK_OK(medkern_label_statistics(context, &input, &background, NULL, &result));
    CHECK(result != NULL && result->num_labels == 0);
    medkern_label_statistics_free(result);
    result = NULL;
  }

  /* uint16 input, one label over a strided (every other x) view */
  {
    uint16_t u[8] = {1, 999, 3, 999, 5, 999, 7, 999};
    int32_t ones[4] = {4, 4, 4, 4};
    medkern_volume strided = make_volume(MEDKERN_DTYPE_UINT16, u, 1, 2, 2);
    medkern_volume four = make_volume(MEDKERN_DTYPE_INT32, ones, 1, 2, 2);
    strided.strides[1] = 4;
    strided.strides[2] = 2;
    CHECK_OK(medkern_label_statistics(context, &strided, &four, NULL, &result));
    CHECK(result != NULL && result->num_labels == 1);
    if (result != NULL && result->num_labels == 1) {
      CHECK(result->labels[0].label == 4);
      CHECK(result->labels[0].count == 4);
      CHECK(result->labels[0].sum == 16.0);
      CHECK(result->labels[0].mean == 4.0);
      CHECK_NEAR(result->labels[0].std * result->labels[0].std, 5.0, 1e-12);
      CHECK(result->labels[0].min == 1.0 && result->labels[0].max == 7.0);
      CHECK(result->labels[0].centroid_mm[1] == 0.5 && result->labels[0].centroid_mm[2] == 0.5);
    }
    medkern_label_statistics_free(result);
    result = NULL;
  }
}

void test_label_statistics_errors(medkern_context* context) {
  int16_t values[4] = {1, 2, 3, 4};
  int32_t labels_data[4] = {0, 1, 2, 3};
  int32_t negative[4] = {0, 1, -1, 2};
  int32_t huge[4] = {0, 1, 1 << 24, 2};
  int16_t wrong[4] = {0, 1, 1, 1};
  medkern_volume input = make_volume(MEDKERN_DTYPE_INT16, values, 1, 2, 2);
  medkern_volume labels = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 2, 2);
  medkern_volume bad;
  medkern_label_statistics_params params;
  medkern_label_statistics_result* result = NULL;

  g_section = "label_statistics errors";
  CHECK_STATUS(medkern_label_statistics(NULL, &input, &labels, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_label_statistics: context is NULL");
  CHECK_STATUS(medkern_label_statistics(context, NULL, &labels, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input is NULL");
  CHECK_STATUS(medkern_label_statistics(context, &input, NULL, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("labels is NULL");
  CHECK_STATUS(medkern_label_statistics(context, &input, &labels, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("result is NULL");

  result = (medkern_label_statistics_result*)&params; /* must be reset to NULL on failure */
  bad = make_volume(MEDKERN_DTYPE_INT32, negative, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("-1");
  CHECK(result == NULL);
  bad = make_volume(MEDKERN_DTYPE_INT32, huge, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_INT16, wrong, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("labels");
  bad = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &bad, &labels, NULL, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 1, 4);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  bad = make_volume(9, values, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &bad, &labels, NULL, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  bad = make_volume(MEDKERN_DTYPE_INT16, values, 1, 2, 2);
  bad.spacing[0] = 0.0;
  CHECK_STATUS(medkern_label_statistics(context, &bad, &labels, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("spacing");
  memset(&params, 0, sizeof params);
  CHECK_STATUS(medkern_label_statistics(context, &input, &labels, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_label_statistics_params");
  CHECK(result == NULL);

  g_section = "label_statistics_free";
  medkern_label_statistics_free(NULL); /* does nothing */
  CHECK(1);
}
