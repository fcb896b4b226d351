/*
 * The C ABI from plain C99, linked against libmedkern.so only: every function of medkern.h
 * with good and bad arguments. Each failure must come back as the documented status with a
 * non-empty medkern_last_error(); each success must clear it. Values are checked on small
 * cases computed by hand (and with numpy / scipy / scikit-image where noted). The 0.1 entry
 * points kept beside their newer forms must give the same results, and NULL params the
 * documented defaults.
 *
 * Runs on a CPU context; when a CUDA device is present the ops run again on a CUDA context,
 * with host and with device buffers, and must agree with the CPU.
 *
 * The last line of output is "N passed, N failed"; the exit status is non-zero on failure.
 * This file holds the shared checks and main(); the tests are in <family>_test.c.
 */
#include "capi_test.h"

int g_passed = 0;
int g_failed = 0;
const char* g_section = "";

void check_impl(int ok, const char* what, int line) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    printf("FAIL [%s] line %d: %s\n", g_section, line, what);
  }
}

void check_status_impl(medkern_status got, medkern_status expected, const char* call, int line) {
  const char* message = medkern_last_error();
  int ok = got == expected;
  if (ok && expected != MEDKERN_OK) ok = message != NULL && message[0] != '\0';
  if (ok && expected == MEDKERN_OK) ok = message != NULL && message[0] == '\0';
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    printf("FAIL [%s] line %d: %s\n    returned %s, expected %s; last error: \"%s\"\n", g_section,
           line, call, medkern_status_name(got), medkern_status_name(expected),
           message ? message : "(null)");
  }
}

void check_message_impl(const char* text, int line) {
  const char* message = medkern_last_error();
  int ok = message != NULL && strstr(message, text) != NULL;
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    printf("FAIL [%s] line %d: last error \"%s\" does not mention \"%s\"\n", g_section, line,
           message ? message : "(null)", text);
  }
}

int near(double a, double b, double tolerance) {
  double d = a - b;
  if (d < 0) d = -d;
  double scale = b < 0 ? -b : b;
  return d <= tolerance * (scale > 1.0 ? scale : 1.0);
}

medkern_volume make_volume(medkern_dtype dtype, void* data, int64_t nz, int64_t ny, int64_t nx) {
  medkern_volume volume;
  medkern_volume_init(&volume, dtype, data, nz, ny, nx);
  return volume;
}

medkern_histogram_params histogram_params(uint32_t bins, double lo, double hi) {
  medkern_histogram_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.bins = bins;
  params.lo = lo;
  params.hi = hi;
  return params;
}

medkern_threshold_params threshold_params(double lo, double hi, uint8_t inside, uint8_t outside) {
  medkern_threshold_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.lo = lo;
  params.hi = hi;
  params.inside = inside;
  params.outside = outside;
  return params;
}

medkern_pool_stats pool_stats(int32_t device) {
  medkern_pool_stats stats;
  memset(&stats, 0, sizeof stats);
  stats.struct_size = sizeof stats;
  CHECK_OK(medkern_pool_get_stats(device, &stats));
  return stats;
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

uint64_t next_random(void) {
  uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void fill_random(float* values, int count, float lo, float hi) {
  int i;
  for (i = 0; i < count; ++i) {
    values[i] = lo + (hi - lo) * (float)((double)(next_random() >> 11) / 9007199254740992.0);
  }
}

int main(void) {
  medkern_context* cpu;
  int32_t device_count;

  setvbuf(stdout, NULL, _IONBF, 0);
  printf("medkern %s (header %d.%d.%d)\n", medkern_version(), MEDKERN_VERSION_MAJOR,
         MEDKERN_VERSION_MINOR, MEDKERN_VERSION_PATCH);
  test_version_and_status();
  device_count = test_devices();
  test_volume_init();
  cpu = test_contexts(device_count);
  if (cpu == NULL) {
    printf("no CPU context: cannot go on\n%d passed, %d failed\n", g_passed, g_failed + 1);
    return 1;
  }
  test_memory(cpu);
  test_release_tag_forgets(cpu);
  test_copy(cpu);
  test_histogram_values(cpu, "histogram");
  test_histogram_errors(cpu);
  test_threshold_values(cpu, "threshold");
  test_threshold_errors(cpu);
  test_otsu_values(cpu, "otsu");
  test_otsu_errors(cpu);
  test_label_statistics_values(cpu, "label_statistics");
  test_label_statistics_errors(cpu);
  test_label_components(cpu, "label_components");
  test_connected_threshold(cpu, "connected_threshold");
  test_confidence_connected(cpu, "confidence_connected");
  test_watershed(cpu, "watershed");
  test_regional_minima(cpu, "regional_minima");
  test_gaussian(cpu, "gaussian");
  test_edges(cpu, "edges");
  test_median(cpu, "median");
  test_anisotropic_diffusion(cpu, "anisotropic_diffusion");
  test_calcium(cpu, "calcium");
  test_calcium_errors(cpu);
  test_perfusion(cpu, "perfusion");
  test_perfusion_errors(cpu);
  test_stroke_summary(cpu);
  test_select_aif(cpu);
  test_curve_parameters();
  test_kinetic_maps(cpu);
  test_cuda(cpu, device_count);
  test_dicom();
  medkern_context_destroy(cpu);

  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
