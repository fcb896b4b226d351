/* medkern.h from C99: edges (Sobel, gradient magnitude, Canny). */
#include "capi_test.h"

enum { kVolume = 4 * 5 * 6 };

/* NULL params of Sobel and the gradient magnitude are their documented defaults: the same
 * values as the struct written by hand, and other values than a struct that differs. */
static void check_defaults(medkern_context* context) {
  float volume[kVolume], by_default[kVolume], by_hand[kVolume];
  medkern_volume in, out_default, out_hand;
  medkern_sobel_params sp;
  medkern_gradient_magnitude_params mp;

  fill_random(volume, kVolume, 0.0f, 50.0f);
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, volume, 4, 5, 6);
  in.spacing[0] = 2.0;
  in.spacing[2] = 0.5;
  medkern_volume_init(&out_default, MEDKERN_DTYPE_FLOAT32, by_default, 4, 5, 6);
  medkern_volume_init(&out_hand, MEDKERN_DTYPE_FLOAT32, by_hand, 4, 5, 6);

  memset(&sp, 0, sizeof sp);
  sp.struct_size = sizeof sp;
  sp.axis = 2;
  sp.ndim = 3;
  CHECK_OK(medkern_sobel(context, &in, &out_default, NULL));
  CHECK_OK(medkern_sobel(context, &in, &out_hand, &sp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  sp.axis = 1;
  CHECK_OK(medkern_sobel(context, &in, &out_hand, &sp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) != 0);

  memset(&mp, 0, sizeof mp);
  mp.struct_size = sizeof mp;
  mp.method = MEDKERN_GRADIENT_SOBEL;
  mp.use_spacing = 1;
  mp.ndim = 3;
  CHECK_OK(medkern_gradient_magnitude(context, &in, &out_default, NULL));
  CHECK_OK(medkern_gradient_magnitude(context, &in, &out_hand, &mp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  mp.use_spacing = 0;
  CHECK_OK(medkern_gradient_magnitude(context, &in, &out_hand, &mp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) != 0);
}

void test_edges(medkern_context* context, const char* name) {
  float step[4] = {0, 0, 1, 1}, derivative[4];
  float ramp[5] = {0, 3, 6, 9, 12}, magnitude[5];
  float image[64];
  uint8_t edges[64];
  medkern_volume in, out, bad;
  medkern_sobel_params sp;
  medkern_gradient_magnitude_params mp;
  medkern_canny_params cp;
  int i, ok;

  g_section = name;
  /* Sobel of a step [0, 0, 1, 1]: [-1, 0, 1] gives [0, 1, 1, 0]; in 3-D the smoothing along
   * z and y of a constant multiplies by 4 * 4. */
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, step, 1, 1, 4);
  medkern_volume_init(&out, MEDKERN_DTYPE_FLOAT32, derivative, 1, 1, 4);
  memset(&sp, 0, sizeof sp);
  sp.struct_size = sizeof sp;
  sp.axis = 2;
  sp.ndim = 1;
  CHECK_OK(medkern_sobel(context, &in, &out, &sp));
  CHECK(derivative[0] == 0 && derivative[1] == 1 && derivative[2] == 1 && derivative[3] == 0);
  CHECK_OK(medkern_sobel(context, &in, &out, NULL));
  CHECK(derivative[0] == 0 && derivative[1] == 16 && derivative[2] == 16 && derivative[3] == 0);
  sp.axis = 1; /* not among the last ndim = 1 axes */
  CHECK_STATUS(medkern_sobel(context, &in, &out, &sp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("axis");
  sp.axis = 2;
  sp.ndim = 4;
  CHECK_STATUS(medkern_sobel(context, &in, &out, &sp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("ndim");

  /* Central differences of a ramp of slope 3 at spacing 2 mm: 1.5 inside, 0.75 at the two
   * ends (edge voxels repeated). */
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, ramp, 1, 1, 5);
  medkern_volume_init(&out, MEDKERN_DTYPE_FLOAT32, magnitude, 1, 1, 5);
  in.spacing[2] = 2.0;
  memset(&mp, 0, sizeof mp);
  mp.struct_size = sizeof mp;
  mp.method = MEDKERN_GRADIENT_CENTRAL;
  mp.use_spacing = 1;
  mp.ndim = 3;
  CHECK_OK(medkern_gradient_magnitude(context, &in, &out, &mp));
  CHECK(magnitude[0] == 0.75f && magnitude[1] == 1.5f && magnitude[2] == 1.5f &&
        magnitude[4] == 0.75f);
  /* Sobel without spacing, 1-D: |[-1, 0, 1]| = 6 inside, 3 at the ends. */
  mp.method = MEDKERN_GRADIENT_SOBEL;
  mp.use_spacing = 0;
  mp.ndim = 1;
  CHECK_OK(medkern_gradient_magnitude(context, &in, &out, &mp));
  CHECK(magnitude[0] == 3.0f && magnitude[2] == 6.0f && magnitude[4] == 3.0f);
  mp.method = 7;
  CHECK_STATUS(medkern_gradient_magnitude(context, &in, &out, &mp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE(
      "medkern_gradient_magnitude: params->method: 7 is neither MEDKERN_GRADIENT_SOBEL (0) nor "
      "MEDKERN_GRADIENT_CENTRAL (1)");
  mp.method = -1;
  CHECK_STATUS(medkern_gradient_magnitude(context, &in, &out, &mp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params->method: -1");
  in.spacing[2] = 1.0;

  /* Canny of a vertical step (columns 0..3 at 0, 4..7 at 100) in an 8 x 8 image, no
   * smoothing: ITK's zero crossing lies on column 3, the last before the step. */
  for (i = 0; i < 64; ++i) image[i] = (i % 8) < 4 ? 0.0f : 100.0f;
  memset(edges, 9, sizeof edges);
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, image, 1, 8, 8);
  medkern_volume_init(&out, MEDKERN_DTYPE_UINT8, edges, 1, 8, 8);
  memset(&cp, 0, sizeof cp);
  cp.struct_size = sizeof cp;
  cp.ndim = 2;
  cp.low = 10.0;
  cp.high = 20.0;
  CHECK_OK(medkern_canny(context, &in, &out, &cp));
  ok = 1;
  for (i = 0; i < 64; ++i) ok &= edges[i] == ((i % 8) == 3 ? 1 : 0);
  CHECK(ok);
  CHECK_STATUS(medkern_canny(context, &in, &out, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params");
  cp.low = 30.0;
  CHECK_STATUS(medkern_canny(context, &in, &out, &cp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("low");
  cp.low = 10.0;
  cp.high = INFINITY;
  CHECK_STATUS(medkern_canny(context, &in, &out, &cp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("high");
  cp.high = 20.0;
  cp.ndim = 1;
  CHECK_STATUS(medkern_canny(context, &in, &out, &cp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("ndim");
  cp.ndim = 2;
  medkern_volume_init(&bad, MEDKERN_DTYPE_FLOAT32, image, 1, 4, 8);
  CHECK_STATUS(medkern_canny(context, &in, &bad, &cp), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT8, edges, 1, 4, 8);
  CHECK_STATUS(medkern_canny(context, &in, &bad, &cp), MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_OK(medkern_canny(context, &in, &out, &cp));

  check_defaults(context);
}
