/* medkern.h from C99: watershed and regional minima. */
#include "capi_test.h"

/* A 1 x 4 x 5 image of distinct elevations (a permutation of 0..19), so that the result is
 * scikit-image's voxel for voxel; markers 1, 2, 3 on three of its minima. The expected
 * labels are skimage.segmentation.watershed(elevation, markers, connectivity=c,
 * watershed_line=w, mask=m) (scikit-image 0.26); 6 | 18 | 26 are its 1 | 2 | 3, and on one
 * slice 26 acts as 18. */
static const float kElevation[20] = {16, 12, 18, 8, 3,  13, 15, 10, 6, 1,
                                     2,  11, 17, 0, 14, 9,  4,  7,  5, 19};
static const int32_t kMarkers[20] = {0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0};
static const int32_t kBasins6[20] = {3, 3, 2, 2, 2, 1, 2, 2, 2, 2, 1, 1, 2, 2, 2, 1, 2, 2, 2, 2};
static const int32_t kLines6[20] = {0, 3, 0, 2, 2, 1, 0, 2, 2, 2, 1, 0, 2, 2, 2, 0, 2, 2, 2, 2};
static const int32_t kBasins18[20] = {3, 3, 2, 2, 2, 1, 1, 2, 2, 2, 1, 1, 2, 2, 2, 1, 1, 2, 2, 2};
static const int32_t kLines18[20] = {3, 3, 0, 2, 2, 0, 0, 0, 2, 2, 1, 1, 0, 2, 2, 1, 1, 0, 2, 2};
/* mask: all but the column x = 2; connectivity 6 */
static const int32_t kMasked6[20] = {3, 3, 0, 2, 2, 1, 1, 0, 2, 2, 1, 1, 0, 2, 2, 1, 1, 0, 2, 2};

/* Runs the watershed of kElevation from kMarkers into `labels` with these params. */
static medkern_status flood(medkern_context* context, const medkern_volume* mask, int32_t* labels,
                            int32_t connectivity, int32_t watershed_line) {
  medkern_volume elevation, markers, out;
  medkern_watershed_params params;
  medkern_volume_init(&elevation, MEDKERN_DTYPE_FLOAT32, (void*)kElevation, 1, 4, 5);
  medkern_volume_init(&markers, MEDKERN_DTYPE_INT32, (void*)kMarkers, 1, 4, 5);
  medkern_volume_init(&out, MEDKERN_DTYPE_INT32, labels, 1, 4, 5);
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.connectivity = connectivity;
  params.watershed_line = watershed_line;
  return medkern_watershed(context, &elevation, &markers, mask, &out, &params);
}

void test_watershed(medkern_context* context, const char* name) {
  int32_t labels[20], markers_copy[20];
  int16_t elevation16[20];
  uint8_t mask_values[20], small[20];
  float wrong[20];
  medkern_volume elevation, markers, out, mask, bad;
  medkern_watershed_params params;
  int i;

  g_section = name;
  CHECK_OK(flood(context, NULL, labels, 6, 0));
  CHECK(memcmp(labels, kBasins6, sizeof labels) == 0);
  CHECK_OK(flood(context, NULL, labels, 6, 1));
  CHECK(memcmp(labels, kLines6, sizeof labels) == 0);
  CHECK_OK(flood(context, NULL, labels, 18, 0));
  CHECK(memcmp(labels, kBasins18, sizeof labels) == 0);
  CHECK_OK(flood(context, NULL, labels, 18, 1));
  CHECK(memcmp(labels, kLines18, sizeof labels) == 0);
  CHECK_OK(flood(context, NULL, labels, 26, 0));
  CHECK(memcmp(labels, kBasins18, sizeof labels) == 0);
  CHECK_OK(flood(context, NULL, labels, 26, 1));
  CHECK(memcmp(labels, kLines18, sizeof labels) == 0);

  for (i = 0; i < 20; ++i) mask_values[i] = (uint8_t)(i % 5 != 2);
  medkern_volume_init(&mask, MEDKERN_DTYPE_UINT8, mask_values, 1, 4, 5);
  CHECK_OK(flood(context, &mask, labels, 6, 0));
  CHECK(memcmp(labels, kMasked6, sizeof labels) == 0);

  /* NULL params: connectivity 6, no lines. int16 elevations of the same order flood alike,
   * and the labels may be written over the markers. */
  for (i = 0; i < 20; ++i) elevation16[i] = (int16_t)(kElevation[i] * 10 - 100);
  memcpy(markers_copy, kMarkers, sizeof markers_copy);
  medkern_volume_init(&elevation, MEDKERN_DTYPE_INT16, elevation16, 1, 4, 5);
  medkern_volume_init(&markers, MEDKERN_DTYPE_INT32, markers_copy, 1, 4, 5);
  CHECK_OK(medkern_watershed(context, &elevation, &markers, NULL, &markers, NULL));
  CHECK(memcmp(markers_copy, kBasins6, sizeof markers_copy) == 0);

  /* Errors: the status, and a message naming the argument. */
  medkern_volume_init(&markers, MEDKERN_DTYPE_INT32, (void*)kMarkers, 1, 4, 5);
  medkern_volume_init(&out, MEDKERN_DTYPE_INT32, labels, 1, 4, 5);
  CHECK_STATUS(medkern_watershed(NULL, &elevation, &markers, NULL, &out, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_watershed: context is NULL");
  CHECK_STATUS(medkern_watershed(context, NULL, &markers, NULL, &out, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("elevation is NULL");
  CHECK_STATUS(medkern_watershed(context, &elevation, NULL, NULL, &out, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("markers is NULL");
  CHECK_STATUS(medkern_watershed(context, &elevation, &markers, NULL, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("labels is NULL");
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.connectivity = 8;
  CHECK_STATUS(medkern_watershed(context, &elevation, &markers, NULL, &out, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("connectivity");
  params.connectivity = 6;
  params.struct_size = (uint32_t)offsetof(medkern_watershed_params, watershed_line);
  CHECK_STATUS(medkern_watershed(context, &elevation, &markers, NULL, &out, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_watershed_params");
  medkern_volume_init(&bad, MEDKERN_DTYPE_FLOAT32, wrong, 1, 4, 5);
  CHECK_STATUS(medkern_watershed(context, &elevation, &bad, NULL, &out, NULL),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("markers");
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT8, small, 1, 4, 5);
  CHECK_STATUS(medkern_watershed(context, &bad, &markers, NULL, &out, NULL),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("elevation");
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT8, small, 1, 5, 4);
  CHECK_STATUS(medkern_watershed(context, &elevation, &markers, &bad, &out, NULL),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("mask");
  CHECK_OK(medkern_watershed(context, &elevation, &markers, NULL, &out, NULL));
}

void test_regional_minima(medkern_context* context, const char* name) {
  /* scipy.ndimage.label(skimage.morphology.local_minima(elevation, connectivity=c),
   * generate_binary_structure(3, c)) for c = 1 (6) and 3 (26, and 18 on one slice); the
   * int16 image has a plateau of two 12s in its corner, a minimum as a whole. */
  static const int32_t kMinima6[20] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0, 4, 0, 0, 5, 0, 0, 0};
  static const int32_t kMinima26[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0};
  static const int32_t kPlateau6[20] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0, 4, 0, 0, 5, 0, 0, 0};
  int32_t labels[20], by_default[20];
  int16_t plateau[20];
  float wrong[20];
  medkern_volume volume, out, bad;
  medkern_regional_minima_params params;
  int64_t count = -1;
  int i;

  g_section = name;
  medkern_volume_init(&volume, MEDKERN_DTYPE_FLOAT32, (void*)kElevation, 1, 4, 5);
  medkern_volume_init(&out, MEDKERN_DTYPE_INT32, labels, 1, 4, 5);
  params.struct_size = sizeof params;
  params.connectivity = 6;
  CHECK_OK(medkern_regional_minima(context, &volume, &out, &params, &count));
  CHECK(count == 5);
  CHECK(memcmp(labels, kMinima6, sizeof labels) == 0);
  params.connectivity = 18;
  CHECK_OK(medkern_regional_minima(context, &volume, &out, &params, &count));
  CHECK(count == 2);
  CHECK(memcmp(labels, kMinima26, sizeof labels) == 0);
  params.connectivity = 26;
  CHECK_OK(medkern_regional_minima(context, &volume, &out, &params, &count));
  CHECK(count == 2);
  CHECK(memcmp(labels, kMinima26, sizeof labels) == 0);
  /* NULL params: connectivity 26 */
  medkern_volume_init(&out, MEDKERN_DTYPE_INT32, by_default, 1, 4, 5);
  count = -1;
  CHECK_OK(medkern_regional_minima(context, &volume, &out, NULL, &count));
  CHECK(count == 2);
  CHECK(memcmp(by_default, labels, sizeof labels) == 0);

  for (i = 0; i < 20; ++i) plateau[i] = (int16_t)kElevation[i];
  plateau[0] = 12;
  plateau[5] = 13;
  medkern_volume_init(&volume, MEDKERN_DTYPE_INT16, plateau, 1, 4, 5);
  medkern_volume_init(&out, MEDKERN_DTYPE_INT32, labels, 1, 4, 5);
  params.connectivity = 6;
  CHECK_OK(medkern_regional_minima(context, &volume, &out, &params, &count));
  CHECK(count == 5);
  CHECK(memcmp(labels, kPlateau6, sizeof labels) == 0);

  /* Errors: *count is left as it was. */
  count = 99;
  CHECK_STATUS(medkern_regional_minima(context, &volume, &out, &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("count is NULL");
  CHECK_STATUS(medkern_regional_minima(NULL, &volume, &out, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_regional_minima: context is NULL");
  CHECK_STATUS(medkern_regional_minima(context, NULL, &out, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("volume is NULL");
  params.connectivity = 4;
  CHECK_STATUS(medkern_regional_minima(context, &volume, &out, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("connectivity");
  params.connectivity = 6;
  params.struct_size = 4;
  CHECK_STATUS(medkern_regional_minima(context, &volume, &out, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_regional_minima_params");
  params.struct_size = sizeof params;
  medkern_volume_init(&bad, MEDKERN_DTYPE_FLOAT32, wrong, 1, 4, 5);
  CHECK_STATUS(medkern_regional_minima(context, &volume, &bad, &params, &count),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("labels");
  medkern_volume_init(&bad, MEDKERN_DTYPE_INT32, labels, 1, 5, 4);
  CHECK_STATUS(medkern_regional_minima(context, &volume, &bad, &params, &count),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK(count == 99);
}
