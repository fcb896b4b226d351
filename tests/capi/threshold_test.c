/* medkern.h from C99: threshold and Otsu. */
#include "capi_test.h"

medkern_status otsu_both(medkern_context* context, const medkern_volume* input,
                         const medkern_volume* mask, uint32_t bins, double* threshold) {
  medkern_otsu_params params;
  double old_threshold = threshold != NULL ? *threshold : 0.0;
  medkern_status old_status, status;

  old_status =
      medkern_otsu_threshold(context, input, mask, bins, threshold != NULL ? &old_threshold : NULL);
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.bins = bins;
  status = medkern_otsu(context, input, mask, &params, threshold);
  CHECK(status == old_status);
  if (threshold != NULL) CHECK(*threshold == old_threshold);
  return status;
}

void test_threshold_values(medkern_context* context, const char* name) {
  medkern_volume input, output;
  medkern_threshold_params params;
  uint8_t out[8];
  int i;

  g_section = name;
  {
    /* Inclusive bounds [0, 100], inside 255, outside 7. */
    int16_t hu[6] = {-1000, -1, 0, 40, 100, 101};
    const uint8_t expected[6] = {7, 7, 255, 255, 255, 7};
    input = make_volume(MEDKERN_DTYPE_INT16, hu, 1, 2, 3);
    output = make_volume(MEDKERN_DTYPE_UINT8, out, 1, 2, 3);
    params = threshold_params(0.0, 100.0, 255, 7);
    memset(out, 0xEE, sizeof out);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    for (i = 0; i < 6; ++i) CHECK(out[i] == expected[i]);
    CHECK(out[6] == 0xEE); /* nothing past the output */

    /* lo == hi selects exactly that value */
    params = threshold_params(40.0, 40.0, 1, 0);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    for (i = 0; i < 6; ++i) CHECK(out[i] == (i == 3 ? 1 : 0));
  }
  {
    /* uint16, and bounds between integers */
    uint16_t mr[4] = {0, 1, 2, 65535};
    input = make_volume(MEDKERN_DTYPE_UINT16, mr, 2, 2, 1);
    output = make_volume(MEDKERN_DTYPE_UINT8, out, 2, 2, 1);
    params = threshold_params(0.5, 65535.0, 1, 0);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    CHECK(out[0] == 0 && out[1] == 1 && out[2] == 1 && out[3] == 1);
  }
  {
    /* float32: NaN is outside; bounds compared in double (0.1f > 0.1) */
    float f[5];
    f[0] = 0.1f;
    f[1] = (float)NAN;
    f[2] = -0.0f;
    f[3] = 0.2f;
    f[4] = (float)HUGE_VAL;
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 5);
    output = make_volume(MEDKERN_DTYPE_UINT8, out, 1, 1, 5);
    params = threshold_params(0.0, 0.1, 9, 3);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    CHECK(out[0] == 3);
    CHECK(out[1] == 3);
    CHECK(out[2] == 9);
    CHECK(out[3] == 3);
    CHECK(out[4] == 3);
    params = threshold_params(-HUGE_VAL, HUGE_VAL, 1, 0);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    CHECK(out[0] == 1 && out[1] == 0 && out[2] == 1 && out[3] == 1 && out[4] == 1);
  }
  {
    /* A strided output: into every other byte. */
    int16_t v[3] = {1, 5, 9};
    uint8_t wide[6];
    memset(wide, 0xEE, sizeof wide);
    input = make_volume(MEDKERN_DTYPE_INT16, v, 1, 1, 3);
    output = make_volume(MEDKERN_DTYPE_UINT8, wide, 1, 1, 3);
    output.strides[2] = 2;
    params = threshold_params(4.0, 10.0, 1, 0);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    CHECK(wide[0] == 0 && wide[2] == 1 && wide[4] == 1);
    CHECK(wide[1] == 0xEE && wide[3] == 0xEE && wide[5] == 0xEE);
  }
  {
    /* A caller whose params end after `inside`: outside 0, lo = hi = 0. */
    int16_t v[3] = {-1, 0, 1};
    input = make_volume(MEDKERN_DTYPE_INT16, v, 1, 1, 3);
    output = make_volume(MEDKERN_DTYPE_UINT8, out, 1, 1, 3);
    params = threshold_params(-5.0, 5.0, 200, 100);
    params.struct_size = (uint32_t)(offsetof(medkern_threshold_params, inside) + 1);
    CHECK_OK(medkern_threshold(context, &input, &output, &params));
    CHECK(out[0] == 0 && out[1] == 200 && out[2] == 0);
  }
}

void test_threshold_errors(medkern_context* context) {
  int16_t v[6] = {0};
  uint8_t out[6];
  int16_t wrong[6];
  medkern_volume input = make_volume(MEDKERN_DTYPE_INT16, v, 1, 2, 3);
  medkern_volume output = make_volume(MEDKERN_DTYPE_UINT8, out, 1, 2, 3);
  medkern_volume bad;
  medkern_threshold_params params = threshold_params(0.0, 1.0, 1, 0);

  g_section = "threshold errors";
  CHECK_OK(medkern_threshold(context, &input, &output, &params));
  CHECK_STATUS(medkern_threshold(NULL, &input, &output, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_threshold: context is NULL");
  CHECK_STATUS(medkern_threshold(context, NULL, &output, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input is NULL");
  CHECK_STATUS(medkern_threshold(context, &input, NULL, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("output is NULL");
  CHECK_STATUS(medkern_threshold(context, &input, &output, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params is NULL");

  params = threshold_params(5.0, 1.0, 1, 0); /* lo > hi */
  CHECK_STATUS(medkern_threshold(context, &input, &output, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("lo");
  params = threshold_params(NAN, 1.0, 1, 0);
  CHECK_STATUS(medkern_threshold(context, &input, &output, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = threshold_params(0.0, NAN, 1, 0);
  CHECK_STATUS(medkern_threshold(context, &input, &output, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = threshold_params(0.0, 1.0, 1, 0);
  params.struct_size = 0;
  CHECK_STATUS(medkern_threshold(context, &input, &output, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_threshold_params");
  params = threshold_params(0.0, 1.0, 1, 0);

  bad = make_volume(MEDKERN_DTYPE_INT16, wrong, 1, 2, 3);
  CHECK_STATUS(medkern_threshold(context, &input, &bad, &params), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("output");
  bad = make_volume(MEDKERN_DTYPE_UINT8, out, 1, 2, 3);
  CHECK_STATUS(medkern_threshold(context, &bad, &output, &params), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_INT32, wrong, 1, 1, 3);
  CHECK_STATUS(medkern_threshold(context, &bad, &output, &params), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  bad = make_volume(1000, v, 1, 2, 3);
  CHECK_STATUS(medkern_threshold(context, &bad, &output, &params), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  bad = make_volume(MEDKERN_DTYPE_UINT8, out, 1, 3, 2);
  CHECK_STATUS(medkern_threshold(context, &input, &bad, &params), MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("output");
  bad = make_volume(MEDKERN_DTYPE_UINT8, NULL, 1, 2, 3);
  CHECK_STATUS(medkern_threshold(context, &input, &bad, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_INT16, v, 1, 2, 3);
  bad.spacing[2] = -1.0;
  CHECK_STATUS(medkern_threshold(context, &bad, &output, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("spacing");
}

/* NULL params are 256 bins: on float32 [0]*30 + [1]*70, threshold_otsu(nbins=256) ==
 * 0.001953125 where nbins=4 gives 0.125. */
static void check_otsu_defaults(medkern_context* context) {
  float f[100];
  double by_default = -1.0;
  medkern_volume input;
  int i;

  for (i = 0; i < 100; ++i) f[i] = i < 30 ? 0.0f : 1.0f;
  input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 100);
  CHECK_OK(medkern_otsu(context, &input, NULL, NULL, &by_default));
  CHECK(by_default == 0.001953125);
}

void test_otsu_values(medkern_context* context, const char* name) {
  double threshold = -1.0;
  medkern_volume input, mask_view;
  int i;

  g_section = name;
  {
    /* skimage.filters.threshold_otsu([100]*50 + [200]*50) == 100 */
    int16_t v[100];
    for (i = 0; i < 100; ++i) v[i] = (int16_t)(i < 50 ? 100 : 200);
    input = make_volume(MEDKERN_DTYPE_INT16, v, 4, 5, 5);
    CHECK_OK(otsu_both(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 100.0);
    /* integer inputs ignore `bins`, whatever it is */
    threshold = -1.0;
    CHECK_OK(otsu_both(context, &input, NULL, 0, &threshold));
    CHECK(threshold == 100.0);
  }
  {
    /* threshold_otsu(int16 [-100]*3 + [5]*4 + [50]*5) == -100; with the -100s masked
     * out, [5]*4 + [50]*5 gives 5. */
    int16_t v[12] = {-100, -100, -100, 5, 5, 5, 5, 50, 50, 50, 50, 50};
    uint8_t mask[12] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    input = make_volume(MEDKERN_DTYPE_INT16, v, 1, 3, 4);
    CHECK_OK(otsu_both(context, &input, NULL, 256, &threshold));
    CHECK(threshold == -100.0);
    mask_view = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 3, 4);
    CHECK_OK(otsu_both(context, &input, &mask_view, 256, &threshold));
    CHECK(threshold == 5.0);
    /* a mask that leaves one value: that value */
    for (i = 0; i < 12; ++i) mask[i] = (uint8_t)(v[i] == 50);
    CHECK_OK(otsu_both(context, &input, &mask_view, 256, &threshold));
    CHECK(threshold == 50.0);
  }
  {
    /* uint16 two-level */
    uint16_t v[10] = {1000, 1000, 1000, 1000, 1000, 3000, 3000, 3000, 3000, 3000};
    input = make_volume(MEDKERN_DTYPE_UINT16, v, 1, 1, 10);
    CHECK_OK(otsu_both(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 1000.0);
  }
  {
    /* float32: threshold_otsu(float32 [0]*50 + [1]*50, nbins=256) == 0.001953125
     * (the centre of the first bin), and nbins=4 with [0]*30 + [1]*70 gives 0.125. NaN
     * voxels are ignored. */
    float f[101];
    for (i = 0; i < 100; ++i) f[i] = i < 50 ? 0.0f : 1.0f;
    f[100] = (float)NAN;
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 101);
    CHECK_OK(otsu_both(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 0.001953125);
    for (i = 0; i < 100; ++i) f[i] = i < 30 ? 0.0f : 1.0f;
    CHECK_OK(otsu_both(context, &input, NULL, 4, &threshold));
    CHECK(threshold == 0.125);
  }
  {
    /* a constant input returns its value */
    float f[6] = {2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f};
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 2, 3);
    CHECK_OK(otsu_both(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 2.5);
  }
  check_otsu_defaults(context);
}

void test_otsu_errors(medkern_context* context) {
  float f[4] = {0.0f, 1.0f, 2.0f, 3.0f};
  uint8_t zeros[4] = {0, 0, 0, 0};
  int16_t wrong_mask[4] = {1, 1, 1, 1};
  double threshold = 0.0;
  medkern_volume input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 4);
  medkern_volume bad;

  g_section = "otsu errors";
  CHECK_OK(otsu_both(context, &input, NULL, 256, &threshold));
  /* Each entry point names itself in its messages. */
  CHECK_STATUS(medkern_otsu_threshold(NULL, &input, NULL, 256, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_otsu_threshold: context is NULL");
  CHECK_STATUS(otsu_both(NULL, &input, NULL, 256, &threshold), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_otsu: context is NULL");
  CHECK_STATUS(otsu_both(context, NULL, NULL, 256, &threshold), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input is NULL");
  CHECK_STATUS(otsu_both(context, &input, NULL, 256, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("threshold is NULL");
  CHECK_STATUS(otsu_both(context, &input, NULL, 0, &threshold), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("bins");
  CHECK_STATUS(otsu_both(context, &input, NULL, 1, &threshold), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(otsu_both(context, &input, NULL, 65537, &threshold), MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_UINT8, zeros, 1, 1, 4);
  CHECK_STATUS(otsu_both(context, &input, &bad, 256, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT); /* everything masked out */
  CHECK_STATUS(otsu_both(context, &bad, NULL, 256, &threshold), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  bad = make_volume(MEDKERN_DTYPE_INT16, wrong_mask, 1, 1, 4);
  CHECK_STATUS(otsu_both(context, &input, &bad, 256, &threshold), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("mask");
  bad = make_volume(MEDKERN_DTYPE_UINT8, zeros, 1, 2, 2);
  CHECK_STATUS(otsu_both(context, &input, &bad, 256, &threshold), MEDKERN_ERROR_SHAPE_MISMATCH);
  bad = make_volume(0, f, 1, 1, 4);
  CHECK_STATUS(otsu_both(context, &bad, NULL, 256, &threshold), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  {
    float nans[2];
    nans[0] = (float)NAN;
    nans[1] = (float)NAN;
    bad = make_volume(MEDKERN_DTYPE_FLOAT32, nans, 1, 1, 2);
    CHECK_STATUS(otsu_both(context, &bad, NULL, 256, &threshold), MEDKERN_ERROR_INVALID_ARGUMENT);
  }

  {
    /* medkern_otsu: a struct_size short of `bins`, or NULL for 256 bins */
    medkern_otsu_params params;
    params.struct_size = 4;
    params.bins = 256;
    CHECK_STATUS(medkern_otsu(context, &input, NULL, &params, &threshold),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("medkern_otsu_params");
  }
}
