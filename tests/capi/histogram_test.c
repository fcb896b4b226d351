/* medkern.h from C99: histogram. */
#include "capi_test.h"

medkern_status histogram_both(medkern_context* context, const medkern_volume* input,
                              const medkern_volume* mask, const medkern_histogram_params* params,
                              const medkern_volume* counts) {
  const int on_host = counts != NULL && counts->device == MEDKERN_DEVICE_HOST &&
                      counts->data != NULL && counts->shape[0] > 0 && counts->shape[1] > 0 &&
                      counts->shape[2] > 0 &&
                      counts->shape[0] * counts->shape[1] * counts->shape[2] <= 65537;
  const size_t bytes =
      on_host ? (size_t)(counts->shape[0] * counts->shape[1] * counts->shape[2]) * 8 : 0;
  uint64_t* old_counts = NULL;
  medkern_status old_status, status;

  old_status = medkern_histogram(context, input, mask, params, counts);
  if (old_status == MEDKERN_OK && on_host) {
    old_counts = (uint64_t*)malloc(bytes);
    CHECK(old_counts != NULL);
    if (old_counts != NULL) memcpy(old_counts, counts->data, bytes);
    /* the new entry point must write them again */
    memset(counts->data, 0xEE, bytes);
  }
  status = medkern_histogram_counts(context, input, mask, counts, params);
  CHECK(status == old_status);
  if (old_counts != NULL) {
    CHECK(status != MEDKERN_OK || memcmp(old_counts, counts->data, bytes) == 0);
    free(old_counts);
  }
  return status;
}

void test_histogram_values(medkern_context* context, const char* name) {
  uint64_t counts[5];
  medkern_volume input, counts_view, mask_view;
  medkern_histogram_params params = histogram_params(5, 0.0, 10.0);
  int i;

  g_section = name;
  {
    /* numpy.histogram(range(10), bins=5, range=(0, 10)) == [2, 2, 2, 2, 2] */
    float f[10];
    int16_t s[10];
    uint16_t u[10];
    for (i = 0; i < 10; ++i) {
      f[i] = (float)i;
      s[i] = (int16_t)i;
      u[i] = (uint16_t)i;
    }
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, counts, 1, 1, 5);
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 2, 5);
    memset(counts, 0xFF, sizeof counts);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);
    input = make_volume(MEDKERN_DTYPE_INT16, s, 2, 1, 5);
    memset(counts, 0xFF, sizeof counts);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);
    input = make_volume(MEDKERN_DTYPE_UINT16, u, 1, 1, 10);
    memset(counts, 0xFF, sizeof counts);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);

    /* The mask keeps the even values: 0 2 4 6 8, one per bin. */
    {
      uint8_t mask[10];
      for (i = 0; i < 10; ++i) mask[i] = (uint8_t)(i % 2 == 0 ? 3 : 0);
      mask_view = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 1, 10);
      CHECK_OK(histogram_both(context, &input, &mask_view, &params, &counts_view));
      for (i = 0; i < 5; ++i) CHECK(counts[i] == 1);
    }

    /* The counts may have any shape with `bins` elements. */
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, counts, 5, 1, 1);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);
  }
  {
    /* np.histogram([-1, 0, 10, 10.5, nan, 5], bins=2, range=(0, 10)) == [1, 2]: the last
     * bin is closed, outside values and NaN are not counted. */
    float f[6];
    uint64_t two[2];
    f[0] = -1.0f;
    f[1] = 0.0f;
    f[2] = 10.0f;
    f[3] = 10.5f;
    f[4] = (float)NAN;
    f[5] = 5.0f;
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 6);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    params = histogram_params(2, 0.0, 10.0);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    CHECK(two[0] == 1 && two[1] == 2);
  }
  {
    /* lo == hi widens to (lo - 0.5, hi + 0.5): np.histogram([3, 3, 4], 1, (3, 3)) == [2] */
    int16_t s[3] = {3, 3, 4};
    uint64_t one[1];
    input = make_volume(MEDKERN_DTYPE_INT16, s, 1, 1, 3);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, one, 1, 1, 1);
    params = histogram_params(1, 3.0, 3.0);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    CHECK(one[0] == 2);
  }
  {
    /* A strided view: every other x of a 2x4 int16 image (the columns 0 and 2). */
    int16_t s[8] = {1, 100, 2, 100, 3, 100, 4, 100};
    uint64_t two[2];
    input = make_volume(MEDKERN_DTYPE_INT16, s, 1, 2, 2);
    input.strides[1] = 4;
    input.strides[2] = 2;
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    params = histogram_params(2, 0.0, 10.0);
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    CHECK(two[0] == 4 && two[1] == 0);
  }
  {
    /* A caller whose params end after `bins`: lo and hi take their defaults, 0 and 1. */
    float f[4] = {0.0f, 0.25f, 0.75f, 1.0f};
    uint64_t two[2];
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 4);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    params = histogram_params(2, 100.0, 200.0);
    params.struct_size = (uint32_t)(offsetof(medkern_histogram_params, bins) + sizeof(uint32_t));
    CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
    CHECK(two[0] == 2 && two[1] == 2);
  }
  {
    /* A caller with a newer, longer struct: the fields this library knows are used. */
    struct {
      medkern_histogram_params params;
      double future_field;
    } newer;
    float f[4] = {0.0f, 1.0f, 2.0f, 3.0f};
    uint64_t two[2];
    newer.params = histogram_params(2, 0.0, 4.0);
    newer.params.struct_size = sizeof newer;
    newer.future_field = 1.0;
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 4);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    CHECK_OK(histogram_both(context, &input, NULL, &newer.params, &counts_view));
    CHECK(two[0] == 2 && two[1] == 2);
  }
}

void test_histogram_errors(medkern_context* context) {
  float f[10] = {0};
  uint64_t counts[5];
  uint8_t mask[10] = {0};
  int16_t s[10] = {0};
  medkern_volume input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  medkern_volume counts_view = make_volume(MEDKERN_DTYPE_UINT64, counts, 1, 1, 5);
  medkern_volume bad;
  medkern_histogram_params params = histogram_params(5, 0.0, 10.0);

  g_section = "histogram errors";
  CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));

  /* Each entry point names itself in its messages. */
  CHECK_STATUS(medkern_histogram(NULL, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_histogram: context is NULL");
  CHECK_STATUS(medkern_histogram(context, NULL, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_histogram: input is NULL");
  CHECK_STATUS(histogram_both(NULL, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_histogram_counts: context is NULL");
  CHECK_STATUS(histogram_both(context, NULL, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_histogram_counts: input is NULL");
  CHECK_STATUS(histogram_both(context, &input, NULL, NULL, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params is NULL");
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("counts is NULL");

  /* bins out of 1..65536 */
  params = histogram_params(0, 0.0, 10.0);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("bins");
  params = histogram_params(65537, 0.0, 10.0);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("bins");
  /* 65537 counts for 65537 bins: still refused, for the bins, not the shape */
  {
    uint64_t* many = (uint64_t*)calloc(65537, sizeof(uint64_t));
    medkern_volume many_view = make_volume(MEDKERN_DTYPE_UINT64, many, 1, 1, 65537);
    CHECK(many != NULL);
    CHECK_STATUS(histogram_both(context, &input, NULL, &params, &many_view),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    free(many);
  }
  /* counts with fewer elements than bins */
  params = histogram_params(6, 0.0, 10.0);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("counts");
  /* lo > hi, NaN and infinite ranges */
  params = histogram_params(5, 10.0, 0.0);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = histogram_params(5, NAN, 10.0);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("range");
  params = histogram_params(5, 0.0, NAN);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = histogram_params(5, 0.0, HUGE_VAL);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  /* versioned params */
  params = histogram_params(5, 0.0, 10.0);
  params.struct_size = 0;
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  CHECK_MESSAGE("medkern_histogram_params");
  params.struct_size = 4; /* struct_size itself only */
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = histogram_params(5, 0.0, 10.0);

  /* wrong dtypes */
  bad = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 1, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, counts, 1, 1, 5);
  CHECK_STATUS(histogram_both(context, &input, NULL, &params, &bad),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("counts");
  bad = make_volume(MEDKERN_DTYPE_INT16, s, 1, 1, 10);
  CHECK_STATUS(histogram_both(context, &input, &bad, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("mask");
  bad = make_volume(42, f, 1, 1, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("unknown dtype code 42");
  bad = make_volume(-1, f, 1, 1, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);

  /* mismatched shapes */
  bad = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 2, 5);
  CHECK_STATUS(histogram_both(context, &input, &bad, &params, &counts_view),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("mask");

  /* invalid views */
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, NULL, 1, 1, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 0, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, -1, 1, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, INT64_MAX, INT64_MAX, 10);
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view), MEDKERN_ERROR_OVERFLOW);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  bad.spacing[0] = 0.0;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("spacing");
  bad.spacing[0] = 1.0;
  bad.spacing[1] = -0.5;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad.spacing[1] = 1.0;
  bad.spacing[2] = NAN;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad.spacing[2] = HUGE_VAL;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  bad.struct_size = 0;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_volume");
  /* a device number that is neither the host nor a CUDA ordinal */
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  bad.device = -7;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("device");
  /* memory of a device this context cannot use */
  bad.device = 1000;
  CHECK_STATUS(histogram_both(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  /* counts must be contiguous */
  {
    uint64_t wide[10];
    bad = make_volume(MEDKERN_DTYPE_UINT64, wide, 1, 1, 5);
    bad.strides[2] = 2;
    CHECK_STATUS(histogram_both(context, &input, NULL, &params, &bad),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("contiguous");
  }
  /* a failure leaves no stale message behind the next success */
  CHECK_OK(histogram_both(context, &input, NULL, &params, &counts_view));
}
