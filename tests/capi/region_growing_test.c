/* medkern.h from C99: region growing. */
#include "capi_test.h"

void test_connected_threshold(medkern_context* context, const char* name) {
  /* One row: 200 200 0 200 | a seed at x = 0 grows the first two voxels only. */
  int16_t values[4] = {200, 200, 0, 200};
  uint8_t out[4] = {9, 9, 9, 9};
  int64_t seed[3] = {0, 0, 0};
  int64_t outside[3] = {0, 0, 4};
  medkern_volume in, o;
  medkern_connected_threshold_params params;

  g_section = name;
  medkern_volume_init(&in, MEDKERN_DTYPE_INT16, values, 1, 1, 4);
  medkern_volume_init(&o, MEDKERN_DTYPE_UINT8, out, 1, 1, 4);
  params.struct_size = sizeof params;
  params.connectivity = 6;
  params.lo = 100.0;
  params.hi = 300.0;
  CHECK_OK(medkern_connected_threshold(context, &in, seed, 1, &o, &params));
  CHECK(out[0] == 1 && out[1] == 1 && out[2] == 0 && out[3] == 0);
  CHECK_STATUS(medkern_connected_threshold(context, &in, outside, 1, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE(medkern_last_error());
  CHECK_STATUS(medkern_connected_threshold(context, &in, NULL, 1, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_connected_threshold(context, &in, seed, 0, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_connected_threshold(context, &in, seed, 1, &o, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params.lo = 400.0;
  CHECK_STATUS(medkern_connected_threshold(context, &in, seed, 1, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
}

enum { kRandom = 6 * 7 * 8 };

/* NULL params are the documented defaults (multiplier 2.5, 4 iterations, radius 1,
 * connectivity 26): the region of those written out, on pseudo-random values, where a
 * multiplier of 1 grows another region. */
static void check_confidence_defaults(medkern_context* context) {
  float values[kRandom];
  uint8_t by_default[kRandom], by_hand[kRandom];
  int64_t seed[3] = {3, 3, 4};
  medkern_volume in, out;
  medkern_confidence_connected_params params;

  fill_random(values, kRandom, 0.0f, 100.0f);
  medkern_volume_init(&in, MEDKERN_DTYPE_FLOAT32, values, 6, 7, 8);
  medkern_volume_init(&out, MEDKERN_DTYPE_UINT8, by_default, 6, 7, 8);
  CHECK_OK(medkern_confidence_connected(context, &in, seed, 1, &out, NULL));
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.connectivity = 26;
  params.iterations = 4;
  params.initial_radius = 1;
  params.multiplier = 2.5;
  medkern_volume_init(&out, MEDKERN_DTYPE_UINT8, by_hand, 6, 7, 8);
  CHECK_OK(medkern_confidence_connected(context, &in, seed, 1, &out, &params));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) == 0);
  params.multiplier = 1.0;
  CHECK_OK(medkern_confidence_connected(context, &in, seed, 1, &out, &params));
  CHECK(memcmp(by_default, by_hand, sizeof by_hand) != 0);
}

void test_confidence_connected(medkern_context* context, const char* name) {
  /* One row, seeds 10 and 13, radius 0: mean 11.5, variance 4.5; multiplier 1 gives
   * [9.38, 13.62], truncated to int16 [9, 13]. */
  int16_t row[7] = {8, 9, 10, 11, 12, 13, 14};
  uint8_t out[7] = {9, 9, 9, 9, 9, 9, 9};
  int64_t seeds[6] = {0, 0, 2, 0, 0, 5};
  int64_t outside[3] = {0, 1, 0};
  /* A 3x3x3 plateau of 100 in a 5x5x5 volume of zeros. */
  int16_t cube[125];
  uint8_t grown[125];
  int64_t centre[3] = {2, 2, 2};
  uint8_t small[6];
  medkern_volume in, o, c, g, bad;
  medkern_confidence_connected_params params;
  int i, z, y, x, ok;

  g_section = name;
  medkern_volume_init(&in, MEDKERN_DTYPE_INT16, row, 1, 1, 7);
  medkern_volume_init(&o, MEDKERN_DTYPE_UINT8, out, 1, 1, 7);
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.connectivity = 6;
  params.iterations = 0;
  params.initial_radius = 0;
  params.multiplier = 1.0;
  CHECK_OK(medkern_confidence_connected(context, &in, seeds, 2, &o, &params));
  CHECK(out[0] == 0 && out[1] == 1 && out[2] == 1 && out[3] == 1 && out[4] == 1 && out[5] == 1 &&
        out[6] == 0);
  /* Three iterations reach the same band (a fixed point). */
  params.iterations = 3;
  CHECK_OK(medkern_confidence_connected(context, &in, seeds, 2, &o, &params));
  CHECK(out[0] == 0 && out[1] == 1 && out[5] == 1 && out[6] == 0);

  /* NULL params: the defaults (multiplier 2.5, 4 iterations, radius 1, connectivity 26). */
  for (i = 0; i < 125; ++i) cube[i] = 0;
  for (z = 1; z < 4; ++z)
    for (y = 1; y < 4; ++y)
      for (x = 1; x < 4; ++x) cube[(z * 5 + y) * 5 + x] = 100;
  medkern_volume_init(&c, MEDKERN_DTYPE_INT16, cube, 5, 5, 5);
  medkern_volume_init(&g, MEDKERN_DTYPE_UINT8, grown, 5, 5, 5);
  CHECK_OK(medkern_confidence_connected(context, &c, centre, 1, &g, NULL));
  ok = 1;
  for (i = 0; i < 125; ++i) ok &= grown[i] == (cube[i] == 100 ? 1 : 0);
  CHECK(ok);

  /* Errors: the status, and a message naming the argument. */
  CHECK_STATUS(medkern_confidence_connected(context, NULL, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, NULL, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("output");
  CHECK_STATUS(medkern_confidence_connected(context, &in, NULL, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("seeds");
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 0, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("seed_count");
  CHECK_STATUS(medkern_confidence_connected(context, &in, outside, 1, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("seeds[0]");
  params.multiplier = -1.0;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("multiplier");
  params.multiplier = NAN;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("multiplier");
  params.multiplier = 2.5;
  params.iterations = -1;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("iterations");
  params.iterations = 4;
  params.initial_radius = -1;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("initial_radius");
  params.initial_radius = 65;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("initial_radius");
  params.initial_radius = 1;
  params.connectivity = 5;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("connectivity");
  params.connectivity = 6;
  params.struct_size = 4;
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &o, &params),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  params.struct_size = sizeof params;
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT8, small, 1, 1, 6);
  CHECK_STATUS(medkern_confidence_connected(context, &bad, seeds, 1, &bad, &params),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  medkern_volume_init(&bad, MEDKERN_DTYPE_UINT8, small, 1, 1, 6);
  CHECK_STATUS(medkern_confidence_connected(context, &in, seeds, 2, &bad, &params),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  /* A call that succeeds after failures leaves no message. */
  CHECK_OK(medkern_confidence_connected(context, &in, seeds, 2, &o, &params));
  check_confidence_defaults(context);
}
