/* Uses an installed medkern through medkern.h only: the version, and a histogram on the
 * CPU whose answer is known (numpy.histogram(range(10), 5, (0, 10)) == [2, 2, 2, 2, 2]).
 * Exits 0 and prints "medkern consumer: OK" when both are right. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <medkern/medkern.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static int fail(const char* what, medkern_status status) {
  fprintf(stderr, "medkern consumer: %s failed: %s: %s\n", what, medkern_status_name(status),
          medkern_last_error());
  return 1;
}

int main(void) {
  const char* header_version = STRINGIFY(MEDKERN_VERSION_MAJOR) "." STRINGIFY(
      MEDKERN_VERSION_MINOR) "." STRINGIFY(MEDKERN_VERSION_PATCH);
  medkern_context_options options;
  medkern_context* context = NULL;
  medkern_volume input, counts_view;
  medkern_histogram_params params;
  float values[10];
  uint64_t counts[5];
  medkern_status status;
  int i;

  printf("medkern library %s, header %s\n", medkern_version(), header_version);
  if (strcmp(medkern_version(), header_version) != 0) {
    fprintf(stderr, "medkern consumer: library version %s differs from header version %s\n",
            medkern_version(), header_version);
    return 1;
  }

  status = medkern_context_options_init(&options);
  if (status != MEDKERN_OK) return fail("medkern_context_options_init", status);
  options.device = MEDKERN_DEVICE_HOST;
  status = medkern_context_create(&options, &context);
  if (status != MEDKERN_OK) return fail("medkern_context_create", status);

  for (i = 0; i < 10; ++i) values[i] = (float)i;
  medkern_volume_init(&input, MEDKERN_DTYPE_FLOAT32, values, 1, 1, 10);
  medkern_volume_init(&counts_view, MEDKERN_DTYPE_UINT64, counts, 1, 1, 5);
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.bins = 5;
  params.lo = 0.0;
  params.hi = 10.0;
  status = medkern_histogram(context, &input, NULL, &params, &counts_view);
  medkern_context_destroy(context);
  if (status != MEDKERN_OK) return fail("medkern_histogram", status);
  for (i = 0; i < 5; ++i) {
    if (counts[i] != 2) {
      fprintf(stderr, "medkern consumer: counts[%d] = %llu, expected 2\n", i,
              (unsigned long long)counts[i]);
      return 1;
    }
  }
  printf("medkern consumer: OK\n");
  return 0;
}
