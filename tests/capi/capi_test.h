/*
 * What the C99 tests of medkern.h share: the checks, small helpers, and the tests of each
 * family (tests/capi/<family>_test.c), run in order by main() in capi_test.c.
 */
#ifndef MEDKERN_CAPI_TEST_H
#define MEDKERN_CAPI_TEST_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medkern/medkern.h"

/* ---------------------------------------------------------------- checks */

extern int g_passed;
extern int g_failed;
extern const char* g_section;

void check_impl(int ok, const char* what, int line);
#define CHECK(cond) check_impl((cond) ? 1 : 0, #cond, __LINE__)

/* A call must return `expected`; a failure must leave a message, a success none. */
void check_status_impl(medkern_status got, medkern_status expected, const char* call, int line);
#define CHECK_STATUS(call, expected) check_status_impl((call), (expected), #call, __LINE__)
#define CHECK_OK(call) CHECK_STATUS(call, MEDKERN_OK)

/* The last error must mention `text` (e.g. the argument's name). */
void check_message_impl(const char* text, int line);
#define CHECK_MESSAGE(text) check_message_impl((text), __LINE__)

/* |a - b| <= tolerance * max(|b|, 1) */
int near(double a, double b, double tolerance);
#define CHECK_NEAR(a, b, tol) check_impl(near((a), (b), (tol)), #a " ~= " #b, __LINE__)

/* ---------------------------------------------------------------- helpers */

medkern_volume make_volume(medkern_dtype dtype, void* data, int64_t nz, int64_t ny, int64_t nx);
medkern_histogram_params histogram_params(uint32_t bins, double lo, double hi);
medkern_threshold_params threshold_params(double lo, double hi, uint8_t inside, uint8_t outside);
medkern_pool_stats pool_stats(int32_t device);
/* A portable generator, so that every run sees the same "random" volumes. */
uint64_t next_random(void);
/* `count` floats in [lo, hi), from next_random(). */
void fill_random(float* values, int count, float lo, float hi);

/* medkern_histogram_counts, after the 0.1 medkern_histogram on the same arguments: both must
 * return the same status and, on the host, the same counts. Returns the status of the first
 * (whose message medkern_last_error() then holds). */
medkern_status histogram_both(medkern_context* context, const medkern_volume* input,
                              const medkern_volume* mask, const medkern_histogram_params* params,
                              const medkern_volume* counts);
/* medkern_otsu with bins in its params, after the 0.1 medkern_otsu_threshold: the same status
 * and, on success, the same threshold in *threshold. Returns the status of medkern_otsu. */
medkern_status otsu_both(medkern_context* context, const medkern_volume* input,
                         const medkern_volume* mask, uint32_t bins, double* threshold);

/* ---------------------------------------------------------------- the tests, by family */

/* context_test.c */
void test_version_and_status(void);
int32_t test_devices(void);                           /* returns the device count */
medkern_context* test_contexts(int32_t device_count); /* returns a CPU context */
/* memory_test.c */
void test_volume_init(void);
void test_memory(medkern_context* cpu);
void test_release_tag_forgets(medkern_context* cpu);
void test_copy(medkern_context* context);
/* histogram_test.c */
void test_histogram_values(medkern_context* context, const char* name);
void test_histogram_errors(medkern_context* context);
/* threshold_test.c */
void test_threshold_values(medkern_context* context, const char* name);
void test_threshold_errors(medkern_context* context);
void test_otsu_values(medkern_context* context, const char* name);
void test_otsu_errors(medkern_context* context);
/* label_statistics_test.c */
void test_label_statistics_values(medkern_context* context, const char* name);
void test_label_statistics_errors(medkern_context* context);
/* labeling_test.c */
void test_label_components(medkern_context* context, const char* name);
/* region_growing_test.c */
void test_connected_threshold(medkern_context* context, const char* name);
void test_confidence_connected(medkern_context* context, const char* name);
/* watershed_test.c */
void test_watershed(medkern_context* context, const char* name);
void test_regional_minima(medkern_context* context, const char* name);
/* gaussian_test.c */
void test_gaussian(medkern_context* context, const char* name);
/* edges_test.c */
void test_edges(medkern_context* context, const char* name);
/* denoise_test.c */
void test_median(medkern_context* context, const char* name);
void test_anisotropic_diffusion(medkern_context* context, const char* name);
/* calcium_test.c */
void test_calcium(medkern_context* context, const char* name);
void test_calcium_errors(medkern_context* context);
/* perfusion_test.c */
void test_perfusion(medkern_context* context, const char* name);
void test_perfusion_errors(medkern_context* context);
void test_stroke_summary(medkern_context* context);
void test_select_aif(medkern_context* context);
void test_curve_parameters(void);
void test_kinetic_maps(medkern_context* context);
/* dicom_test.c */
void test_dicom(void);
/* cuda_test.c: the ops again on a CUDA context, against the CPU */
void test_cuda(medkern_context* cpu, int32_t device_count);

#endif /* MEDKERN_CAPI_TEST_H */
