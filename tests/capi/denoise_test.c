/* medkern.h from C99: noise reduction. */
#include "capi_test.h"

enum { kRandom = 5 * 6 * 7 };

/* NULL params are the documented defaults: the median with radius (1, 1, 1) and the
 * diffusion with 5 iterations, time step 0.0625 and conductance 1 written out, on
 * pseudo-random values, where other params give other values. */
static void check_defaults(medkern_context* context) {
  float values[kRandom], by_default[kRandom], by_hand[kRandom];
  medkern_volume in, out_default, out_hand;
  medkern_median_params mp;
  medkern_anisotropic_diffusion_params ap;

  fill_random(values, kRandom, -50.0f, 50.0f);
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, values, 5, 6, 7);
  medkern_volume_init(&out_default, MEDKERN_DTYPE_FLOAT32, by_default, 5, 6, 7);
  medkern_volume_init(&out_hand, MEDKERN_DTYPE_FLOAT32, by_hand, 5, 6, 7);

  memset(&mp, 0, sizeof mp);
  mp.struct_size = sizeof mp;
  mp.radius[0] = mp.radius[1] = mp.radius[2] = 1;
  CHECK_OK(medkern_median(context, &in, &out_default, NULL));
  CHECK_OK(medkern_median(context, &in, &out_hand, &mp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  mp.radius[0] = 0;
  CHECK_OK(medkern_median(context, &in, &out_hand, &mp));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) != 0);

  memset(&ap, 0, sizeof ap);
  ap.struct_size = sizeof ap;
  ap.iterations = 5;
  ap.time_step = 0.0625;
  ap.conductance = 1.0;
  CHECK_OK(medkern_anisotropic_diffusion(context, &in, &out_default, NULL));
  CHECK_OK(medkern_anisotropic_diffusion(context, &in, &out_hand, &ap));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  ap.iterations = 4;
  CHECK_OK(medkern_anisotropic_diffusion(context, &in, &out_hand, &ap));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) != 0);
}

void test_median(medkern_context* context, const char* name) {
  /* One row, radius (0, 0, 1): the median of each triple, the ends repeated. */
  int16_t row[7] = {5, -3, 9, 9, 1, 100, 2};
  int16_t out[7];
  float f[7] = {1.0f, NAN, NAN, 2.0f, 3.0f, -1.0f, 0.5f};
  float fo[7];
  uint16_t small[6];
  medkern_volume in, o, fi, fout, bad;
  medkern_median_params params;
  int16_t cube[27];
  int16_t cube_out[27];
  int i;

  g_section = name;
  medkern_volume_init(&in, MEDKERN_DTYPE_INT16, row, 1, 1, 7);
  medkern_volume_init(&o, MEDKERN_DTYPE_INT16, out, 1, 1, 7);
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.radius[2] = 1;
  CHECK_OK(medkern_median(context, &in, &o, &params));
  CHECK(out[0] == 5 && out[1] == 5 && out[2] == 9 && out[3] == 9 && out[4] == 9 && out[5] == 2 &&
        out[6] == 2);
  /* float32: NaN sorts above everything. */
  medkern_volume_init(&fi, MEDKERN_DTYPE_FLOAT32, f, 1, 1, 7);
  medkern_volume_init(&fout, MEDKERN_DTYPE_FLOAT32, fo, 1, 1, 7);
  CHECK_OK(medkern_median(context, &fi, &fout, &params));
  CHECK(fo[0] == 1.0f && isnan(fo[1]) && isnan(fo[2]) && fo[3] == 3.0f && fo[4] == 2.0f &&
        fo[5] == 0.5f && fo[6] == 0.5f);
  /* NULL params: radius 1 on every axis; a 3x3x3 volume of 0..26 has the median 13 at the
   * centre. */
  for (i = 0; i < 27; ++i) cube[i] = (int16_t)i;
  medkern_volume_init(&in, MEDKERN_DTYPE_INT16, cube, 3, 3, 3);
  medkern_volume_init(&o, MEDKERN_DTYPE_INT16, cube_out, 3, 3, 3);
  CHECK_OK(medkern_median(context, &in, &o, NULL));
  CHECK(cube_out[13] == 13);

  CHECK_STATUS(medkern_median(context, NULL, &o, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  CHECK_STATUS(medkern_median(context, &in, NULL, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("output");
  params.radius[2] = 4;
  CHECK_STATUS(medkern_median(context, &in, &o, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("radius");
  params.radius[2] = 0;
  CHECK_STATUS(medkern_median(context, &in, &o, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("radius");
  params.radius[0] = -1;
  CHECK_STATUS(medkern_median(context, &in, &o, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("radius");
  params.radius[0] = 1;
  CHECK_STATUS(medkern_median(context, &in, &in, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("overlaps");
  params.struct_size = 2;
  CHECK_STATUS(medkern_median(context, &in, &o, &params), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  params.struct_size = sizeof params;
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT16, small, 1, 1, 6);
  CHECK_STATUS(medkern_median(context, &in, &bad, &params), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  medkern_volume_init(&bad, MEDKERN_DTYPE_INT16, small, 1, 1, 6);
  CHECK_STATUS(medkern_median(context, &in, &bad, &params), MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_OK(medkern_median(context, &in, &o, &params));
}

void test_anisotropic_diffusion(medkern_context* context, const char* name) {
  /* A constant volume does not change; a step diffuses without changing the total. */
  int16_t step[64];
  float out[64];
  float nan_in[64];
  double before = 0.0, after = 0.0;
  medkern_volume in, o, bad;
  medkern_anisotropic_diffusion_params params;
  int i;

  g_section = name;
  for (i = 0; i < 64; ++i) step[i] = (int16_t)((i % 4) < 2 ? 0 : 100);
  medkern_volume_init(&in, MEDKERN_DTYPE_INT16, step, 4, 4, 4);
  medkern_volume_init(&o, MEDKERN_DTYPE_FLOAT32, out, 4, 4, 4);
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.iterations = 3;
  params.time_step = 0.0625;
  params.conductance = 2.0;
  CHECK_OK(medkern_anisotropic_diffusion(context, &in, &o, &params));
  for (i = 0; i < 64; ++i) {
    before += step[i];
    after += out[i];
  }
  CHECK_NEAR(after, before, 1e-2);
  CHECK(out[1] > 0.0f && out[1] < 50.0f && out[2] > 50.0f && out[2] < 100.0f);
  CHECK_OK(medkern_anisotropic_diffusion(context, &in, &o, NULL));

  CHECK_STATUS(medkern_anisotropic_diffusion(context, NULL, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  params.iterations = -1;
  CHECK_STATUS(medkern_anisotropic_diffusion(context, &in, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("iterations");
  params.iterations = 2;
  params.time_step = 0.1;
  CHECK_STATUS(medkern_anisotropic_diffusion(context, &in, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("0.0625");
  params.time_step = 0.05;
  params.conductance = 0.0;
  CHECK_STATUS(medkern_anisotropic_diffusion(context, &in, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("conductance");
  params.conductance = 1.0;
  for (i = 0; i < 64; ++i) nan_in[i] = (float)i;
  nan_in[10] = NAN;
  medkern_volume_init(&bad, MEDKERN_DTYPE_FLOAT32, nan_in, 4, 4, 4);
  CHECK_STATUS(medkern_anisotropic_diffusion(context, &bad, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("NaN");
  CHECK_STATUS(medkern_anisotropic_diffusion(context, &in, &in, &params),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  medkern_volume_init(&bad, MEDKERN_DTYPE_FLOAT32, out, 1, 4, 4);
  CHECK_STATUS(medkern_anisotropic_diffusion(context, &in, &bad, &params),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_OK(medkern_anisotropic_diffusion(context, &in, &o, &params));
  check_defaults(context);
}
