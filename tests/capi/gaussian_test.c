/* medkern.h from C99: Gaussian smoothing. */
#include "capi_test.h"

enum { kVolume = 5 * 6 * 7 };

void test_gaussian(medkern_context* context, const char* name) {
  /* An impulse in a row of 9, sigma 1 mm along x: the weights exp(-k^2 / 2) / 2.5066208
   * (k = -4..4), which sum to 1. */
  float impulse[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  float smooth[9], sum = 0.0f;
  float volume[kVolume], by_default[kVolume], by_hand[kVolume];
  uint8_t small[4];
  medkern_volume in, out, bad;
  medkern_gaussian_params gp;
  int i;

  g_section = name;
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, impulse, 1, 1, 9);
  medkern_volume_init(&out, MEDKERN_DTYPE_FLOAT32, smooth, 1, 1, 9);
  memset(&gp, 0, sizeof gp);
  gp.struct_size = sizeof gp;
  gp.sigma_mm[2] = 1.0;
  gp.truncate = 4.0;
  CHECK_OK(medkern_gaussian(context, &in, &out, &gp));
  for (i = 0; i < 9; ++i) sum += smooth[i];
  CHECK_NEAR(sum, 1.0, 1e-6);
  CHECK_NEAR(smooth[4], 1.0 / 2.5066208, 1e-6);
  CHECK_NEAR(smooth[3], exp(-0.5) / 2.5066208, 1e-6);
  CHECK(smooth[3] == smooth[5] && smooth[0] == smooth[8]);
  /* NULL params: 1 mm on every axis; the extents of 1 along z and y change nothing. */
  CHECK_OK(medkern_gaussian(context, &in, &out, NULL));
  CHECK_NEAR(smooth[4], 1.0 / 2.5066208, 1e-6);
  /* Spacing 2 mm: sigma 1 voxel is 2 mm. */
  in.spacing[2] = 2.0;
  gp.sigma_mm[2] = 2.0;
  CHECK_OK(medkern_gaussian(context, &in, &out, &gp));
  CHECK_NEAR(smooth[4], 1.0 / 2.5066208, 1e-6);
  in.spacing[2] = 1.0;
  gp.sigma_mm[2] = -1.0;
  CHECK_STATUS(medkern_gaussian(context, &in, &out, &gp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("sigma_mm");
  gp.sigma_mm[2] = 1.0;
  gp.truncate = NAN;
  CHECK_STATUS(medkern_gaussian(context, &in, &out, &gp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("truncate");
  gp.truncate = 4.0;
  CHECK_STATUS(medkern_gaussian(context, NULL, &out, &gp), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT8, small, 1, 1, 4);
  CHECK_STATUS(medkern_gaussian(context, &in, &bad, &gp), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_STATUS(medkern_gaussian(context, &bad, &out, &gp), MEDKERN_ERROR_UNSUPPORTED_DTYPE);

  /* NULL params are the documented defaults: sigma 1 mm on every axis, truncate 4; another
   * sigma gives other values, so the comparison can tell. */
  fill_random(volume, kVolume, -100.0f, 100.0f);
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, volume, 5, 6, 7);
  in.spacing[0] = 0.5;
  medkern_volume_init(&out, MEDKERN_DTYPE_FLOAT32, by_default, 5, 6, 7);
  CHECK_OK(medkern_gaussian(context, &in, &out, NULL));
  memset(&gp, 0, sizeof gp);
  gp.struct_size = sizeof gp;
  gp.sigma_mm[0] = gp.sigma_mm[1] = gp.sigma_mm[2] = 1.0;
  gp.truncate = 4.0;
  medkern_volume_init(&out, MEDKERN_DTYPE_FLOAT32, by_hand, 5, 6, 7);
  CHECK_OK(medkern_gaussian(context, &in, &out, &gp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  gp.sigma_mm[0] = 2.0;
  CHECK_OK(medkern_gaussian(context, &in, &out, &gp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) != 0);
}
