/* medkern.h from C99: connected components. */
#include "capi_test.h"

enum { kSparse = 6 * 7 * 8 };

/* NULL params are connectivity 26: the labels of connectivity 26 written out, not those of
 * 6, on a sparse pseudo-random mask. */
static void check_defaults(medkern_context* context) {
  uint8_t mask[kSparse];
  int32_t by_default[kSparse], by_hand[kSparse];
  medkern_volume m, l;
  medkern_label_components_params params;
  int64_t count_default = -1, count_hand = -1;
  int i;

  for (i = 0; i < kSparse; ++i) mask[i] = (uint8_t)(next_random() % 10 < 3);
  medkern_volume_init(&m, MEDKERN_DTYPE_UINT8, mask, 6, 7, 8);
  medkern_volume_init(&l, MEDKERN_DTYPE_INT32, by_default, 6, 7, 8);
  CHECK_OK(medkern_label_components(context, &m, &l, NULL, &count_default));
  params.struct_size = sizeof params;
  params.connectivity = 26;
  medkern_volume_init(&l, MEDKERN_DTYPE_INT32, by_hand, 6, 7, 8);
  CHECK_OK(medkern_label_components(context, &m, &l, &params, &count_hand));
  CHECK(count_default == count_hand);
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  params.connectivity = 6;
  CHECK_OK(medkern_label_components(context, &m, &l, &params, &count_hand));
  CHECK(count_hand > count_default);
}

void test_label_components(medkern_context* context, const char* name) {
  /* A 2x2x2 checkerboard: foreground where z + y + x is even, (0,0,0), (0,1,1), (1,0,1),
   * (1,1,0). Any two of them differ in two coordinates: they touch along an edge, never a
   * face. So 6-connectivity gives 4 components, 18 and 26 give 1; per slice, 4 gives 4,
   * and 8 gives 2 (the diagonal pair of each slice). */
  uint8_t mask[8] = {1, 0, 0, 1, 0, 1, 1, 0};
  int32_t labels[8];
  const int32_t expected6[8] = {1, 0, 0, 2, 0, 3, 4, 0};
  const int32_t expected8[8] = {1, 0, 0, 1, 0, 2, 2, 0};
  const int32_t expected26[8] = {1, 0, 0, 1, 0, 1, 1, 0};
  /* A 1x3x3 image with two diagonal pixels, (0,0) and (1,1), and value 255 (any non-zero
   * value is foreground): 4 gives 2 components, 8 gives 1. */
  uint8_t diagonal[9] = {255, 0, 0, 0, 7, 0, 0, 0, 0};
  int32_t diagonal_labels[9];
  const int32_t expected_diag4[9] = {1, 0, 0, 0, 2, 0, 0, 0, 0};
  const int32_t expected_diag8[9] = {1, 0, 0, 0, 1, 0, 0, 0, 0};
  /* A U in a 1x3x3 image: the right arm starts on the first row but joins the left one
   * only at the bottom; it is still component 1, and the labels are written over. */
  uint8_t u_shape[9] = {1, 0, 1, 1, 0, 1, 1, 1, 1};
  uint8_t empty[9] = {0};
  /* A label image: touching regions of values 5 and 7 are two components under any
   * connectivity (equal values connect), where a mask of them would be one. */
  int32_t regions[9] = {5, 5, 0, 5, 7, 0, 0, 7, 7};
  int16_t regions16[9] = {5, 5, 0, 5, 7, 0, 0, 7, 7};
  const int32_t expected_regions[9] = {1, 1, 0, 1, 2, 0, 0, 2, 2};
  medkern_volume m, l, f, d, dl, strided;
  medkern_label_components_params params;
  int64_t count = -1;
  float wrong[8] = {0};
  int32_t wide[16];
  int16_t wrong_labels[8];
  int i;

  g_section = name;
  medkern_volume_init(&m, MEDKERN_DTYPE_UINT8, mask, 2, 2, 2);
  medkern_volume_init(&l, MEDKERN_DTYPE_INT32, labels, 2, 2, 2);
  params.struct_size = sizeof params;
  params.connectivity = 6;
  CHECK_OK(medkern_label_components(context, &m, &l, &params, &count));
  CHECK(count == 4);
  for (i = 0; i < 8; ++i) CHECK(labels[i] == expected6[i]);
  params.connectivity = 18;
  CHECK_OK(medkern_label_components(context, &m, &l, &params, &count));
  CHECK(count == 1);
  for (i = 0; i < 8; ++i) CHECK(labels[i] == expected26[i]);
  params.connectivity = 8;
  CHECK_OK(medkern_label_components(context, &m, &l, &params, &count));
  CHECK(count == 2);
  for (i = 0; i < 8; ++i) CHECK(labels[i] == expected8[i]);
  count = -1;
  CHECK_OK(medkern_label_components(context, &m, &l, NULL, &count)); /* 26 */
  CHECK(count == 1);
  for (i = 0; i < 8; ++i) CHECK(labels[i] == expected26[i]);
  params.connectivity = 4;
  CHECK_OK(medkern_label_components(context, &m, &l, &params, &count));
  CHECK(count == 4);
  for (i = 0; i < 8; ++i) CHECK(labels[i] == expected6[i]);

  medkern_volume_init(&d, MEDKERN_DTYPE_UINT8, diagonal, 1, 3, 3);
  medkern_volume_init(&dl, MEDKERN_DTYPE_INT32, diagonal_labels, 1, 3, 3);
  params.connectivity = 4;
  CHECK_OK(medkern_label_components(context, &d, &dl, &params, &count));
  CHECK(count == 2);
  for (i = 0; i < 9; ++i) CHECK(diagonal_labels[i] == expected_diag4[i]);
  params.connectivity = 6; /* on one slice, 6 is 4 */
  CHECK_OK(medkern_label_components(context, &d, &dl, &params, &count));
  CHECK(count == 2);
  params.connectivity = 8;
  CHECK_OK(medkern_label_components(context, &d, &dl, &params, &count));
  CHECK(count == 1);
  for (i = 0; i < 9; ++i) CHECK(diagonal_labels[i] == expected_diag8[i]);

  medkern_volume_init(&d, MEDKERN_DTYPE_UINT8, u_shape, 1, 3, 3);
  params.connectivity = 4;
  CHECK_OK(medkern_label_components(context, &d, &dl, &params, &count));
  CHECK(count == 1);
  for (i = 0; i < 9; ++i) CHECK(diagonal_labels[i] == (u_shape[i] ? 1 : 0));
  medkern_volume_init(&d, MEDKERN_DTYPE_UINT8, empty, 1, 3, 3);
  CHECK_OK(medkern_label_components(context, &d, &dl, NULL, &count));
  CHECK(count == 0);
  for (i = 0; i < 9; ++i) CHECK(diagonal_labels[i] == 0);

  medkern_volume_init(&d, MEDKERN_DTYPE_INT32, regions, 1, 3, 3);
  params.connectivity = 8;
  CHECK_OK(medkern_label_components(context, &d, &dl, &params, &count));
  CHECK(count == 2);
  for (i = 0; i < 9; ++i) CHECK(diagonal_labels[i] == expected_regions[i]);
  medkern_volume_init(&d, MEDKERN_DTYPE_INT16, regions16, 1, 3, 3);
  CHECK_OK(medkern_label_components(context, &d, &dl, NULL, &count));
  CHECK(count == 2);
  for (i = 0; i < 9; ++i) CHECK(diagonal_labels[i] == expected_regions[i]);

  /* Strided labels: every other int32 of a buffer; the ones between are left alone. */
  for (i = 0; i < 16; ++i) wide[i] = -7;
  strided = make_volume(MEDKERN_DTYPE_INT32, wide, 2, 2, 2);
  strided.strides[0] = 8;
  strided.strides[1] = 4;
  strided.strides[2] = 2;
  params.connectivity = 6;
  CHECK_OK(medkern_label_components(context, &m, &strided, &params, &count));
  CHECK_OK(medkern_context_synchronize(context));
  CHECK(count == 4);
  for (i = 0; i < 8; ++i) CHECK(wide[2 * i] == expected6[i] && wide[2 * i + 1] == -7);

  /* Bad arguments: a status and a message naming the argument; *count is left alone. */
  count = 99;
  params.connectivity = 5;
  CHECK_STATUS(medkern_label_components(context, &m, &l, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_label_components: connectivity: 5");
  CHECK(count == 99);
  params.connectivity = 0;
  CHECK_STATUS(medkern_label_components(context, &m, &l, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("connectivity");
  params.connectivity = 26;
  params.struct_size = 4;
  CHECK_STATUS(medkern_label_components(context, &m, &l, &params, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  params.struct_size = sizeof params;
  CHECK_STATUS(medkern_label_components(context, &m, &l, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("count is NULL");
  CHECK_STATUS(medkern_label_components(NULL, &m, &l, NULL, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context is NULL");
  CHECK_STATUS(medkern_label_components(context, NULL, &l, NULL, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("image is NULL");
  CHECK_STATUS(medkern_label_components(context, &m, NULL, NULL, &count),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("labels is NULL");
  medkern_volume_init(&f, MEDKERN_DTYPE_FLOAT32, wrong, 2, 2, 2);
  CHECK_STATUS(medkern_label_components(context, &f, &l, NULL, &count),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("image: dtype float32");
  medkern_volume_init(&f, MEDKERN_DTYPE_INT16, wrong_labels, 2, 2, 2);
  CHECK_STATUS(medkern_label_components(context, &m, &f, NULL, &count),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("labels: dtype int16");
  medkern_volume_init(&f, MEDKERN_DTYPE_UINT8, mask, 2, 2, 2);
  CHECK_STATUS(medkern_label_components(context, &m, &f, NULL, &count),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("labels");
  medkern_volume_init(&l, MEDKERN_DTYPE_INT32, labels, 1, 2, 4);
  CHECK_STATUS(medkern_label_components(context, &m, &l, NULL, &count),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("shape");
  CHECK(count == 99);
  check_defaults(context);
}
