/*
 * The C ABI from plain C99, linked against libmedkern.so only: every function of medkern.h
 * with good and bad arguments. Each failure must come back as the documented status with a
 * non-empty medkern_last_error(); each success must clear it. Values are checked on small
 * cases computed by hand (and with numpy / scipy / scikit-image where noted).
 *
 * Runs on a CPU context; when a CUDA device is present the ops run again on a CUDA context,
 * with host and with device buffers, and must agree with the CPU.
 *
 * The last line of output is "N passed, N failed"; the exit status is non-zero on failure.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medkern/medkern.h"

static int g_passed = 0;
static int g_failed = 0;
static const char* g_section = "";

static void check_impl(int ok, const char* what, int line) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    printf("FAIL [%s] line %d: %s\n", g_section, line, what);
  }
}

#define CHECK(cond) check_impl((cond) ? 1 : 0, #cond, __LINE__)

/* A call must return `expected`; a failure must leave a message, a success none. */
static void check_status_impl(medkern_status got, medkern_status expected, const char* call,
                              int line) {
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

#define CHECK_STATUS(call, expected) check_status_impl((call), (expected), #call, __LINE__)
#define CHECK_OK(call) CHECK_STATUS(call, MEDKERN_OK)

/* The last error must mention `text` (e.g. the argument's name). */
static void check_message_impl(const char* text, int line) {
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

#define CHECK_MESSAGE(text) check_message_impl((text), __LINE__)

static int near(double a, double b, double tolerance) {
  double d = a - b;
  if (d < 0) d = -d;
  double scale = b < 0 ? -b : b;
  return d <= tolerance * (scale > 1.0 ? scale : 1.0);
}

#define CHECK_NEAR(a, b, tol) check_impl(near((a), (b), (tol)), #a " ~= " #b, __LINE__)

static medkern_volume make_volume(medkern_dtype dtype, void* data, int64_t nz, int64_t ny,
                                  int64_t nx) {
  medkern_volume volume;
  medkern_volume_init(&volume, dtype, data, nz, ny, nx);
  return volume;
}

static medkern_histogram_params histogram_params(uint32_t bins, double lo, double hi) {
  medkern_histogram_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.bins = bins;
  params.lo = lo;
  params.hi = hi;
  return params;
}

static medkern_threshold_params threshold_params(double lo, double hi, uint8_t inside,
                                                 uint8_t outside) {
  medkern_threshold_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.lo = lo;
  params.hi = hi;
  params.inside = inside;
  params.outside = outside;
  return params;
}

static medkern_pool_stats pool_stats(int32_t device) {
  medkern_pool_stats stats;
  memset(&stats, 0, sizeof stats);
  stats.struct_size = sizeof stats;
  CHECK_OK(medkern_pool_get_stats(device, &stats));
  return stats;
}

/* A portable generator, so that every run sees the same "random" volumes. */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void) {
  uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- status, version */

static void test_version_and_status(void) {
  char expected[64];
  g_section = "version";
  sprintf(expected, "%d.%d.%d", MEDKERN_VERSION_MAJOR, MEDKERN_VERSION_MINOR,
          MEDKERN_VERSION_PATCH);
  CHECK(medkern_version() != NULL);
  CHECK(strcmp(medkern_version(), expected) == 0);
  CHECK(strcmp(medkern_version(), "0.2.0") == 0);

  g_section = "status_name";
  CHECK(strcmp(medkern_status_name(MEDKERN_OK), "MEDKERN_OK") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_INVALID_ARGUMENT),
               "MEDKERN_ERROR_INVALID_ARGUMENT") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_UNSUPPORTED_DTYPE),
               "MEDKERN_ERROR_UNSUPPORTED_DTYPE") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_SHAPE_MISMATCH), "MEDKERN_ERROR_SHAPE_MISMATCH") ==
        0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_OUT_OF_MEMORY), "MEDKERN_ERROR_OUT_OF_MEMORY") ==
        0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_NO_DEVICE), "MEDKERN_ERROR_NO_DEVICE") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_CUDA), "MEDKERN_ERROR_CUDA") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_OVERFLOW), "MEDKERN_ERROR_OVERFLOW") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_INTERNAL), "MEDKERN_ERROR_INTERNAL") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_NOT_SUPPORTED), "MEDKERN_ERROR_NOT_SUPPORTED") ==
        0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_IO), "MEDKERN_ERROR_IO") == 0);
  CHECK(strcmp(medkern_status_name(MEDKERN_ERROR_INVALID_DATA), "MEDKERN_ERROR_INVALID_DATA") == 0);
  /* An unknown code still gets a static, non-empty name. */
  CHECK(medkern_status_name(12345) != NULL && medkern_status_name(12345)[0] != '\0');
  CHECK(medkern_status_name(-1) != NULL && medkern_status_name(-1)[0] != '\0');

  g_section = "last_error";
  CHECK(medkern_last_error() != NULL);
  CHECK_STATUS(medkern_device_count(NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_device_count");
  CHECK_MESSAGE("count");
  /* The names of statuses and the version leave the message for the caller to print. */
  medkern_status_name(MEDKERN_OK);
  medkern_version();
  CHECK(medkern_last_error()[0] != '\0');
  {
    int32_t count = -1;
    /* A successful call clears the message (CHECK_OK verifies it is ""). */
    CHECK_OK(medkern_device_count(&count));
    CHECK(count >= 0);
  }
}

/* ---------------------------------------------------------------- devices */

static int32_t test_devices(void) {
  int32_t count = -1;
  int32_t driver = -1, runtime = -1;
  medkern_device_info info;

  g_section = "devices";
  CHECK_OK(medkern_device_count(&count));
  CHECK(count >= 0);

  CHECK_STATUS(medkern_cuda_versions(NULL, &runtime), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("driver_version");
  CHECK_STATUS(medkern_cuda_versions(&driver, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("runtime_version");
  CHECK_OK(medkern_cuda_versions(&driver, &runtime));
  CHECK(driver >= 0 && runtime >= 0);
  if (count > 0) CHECK(driver > 0 && runtime > 0);

  CHECK_STATUS(medkern_device_get_info(0, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("info");
  memset(&info, 0, sizeof info);
  info.struct_size = 0;
  CHECK_STATUS(medkern_device_get_info(0, &info), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  CHECK_MESSAGE("medkern_device_info");
  info.struct_size = sizeof info;
  CHECK_STATUS(medkern_device_get_info(-1, &info), MEDKERN_ERROR_NO_DEVICE);
  CHECK_STATUS(medkern_device_get_info(count, &info), MEDKERN_ERROR_NO_DEVICE);
  CHECK_STATUS(medkern_device_get_info(1000000, &info), MEDKERN_ERROR_NO_DEVICE);

  if (count > 0) {
    int32_t i;
    for (i = 0; i < count; ++i) {
      memset(&info, 0, sizeof info);
      info.struct_size = sizeof info;
      CHECK_OK(medkern_device_get_info(i, &info));
      CHECK(info.struct_size == sizeof info);
      CHECK(info.ordinal == i);
      CHECK(info.name[0] != '\0');
      CHECK(memchr(info.name, '\0', sizeof info.name) != NULL);
      CHECK(info.compute_capability_major >= 3);
      CHECK(info.multiprocessors > 0);
      CHECK(info.total_memory_bytes > 0);
      CHECK(info.free_memory_bytes <= info.total_memory_bytes);
      printf("device %d: %s, compute capability %d.%d, %d SMs\n", (int)i, info.name,
             (int)info.compute_capability_major, (int)info.compute_capability_minor,
             (int)info.multiprocessors);
    }
    {
      /* A caller whose header knew only the ordinal: nothing past it is written. */
      medkern_device_info old;
      memset(&old, 0xAB, sizeof old);
      old.struct_size = (uint32_t)(offsetof(medkern_device_info, ordinal) + sizeof(int32_t));
      CHECK_OK(medkern_device_get_info(0, &old));
      CHECK(old.ordinal == 0);
      CHECK(old.struct_size == offsetof(medkern_device_info, ordinal) + sizeof(int32_t));
      CHECK((unsigned char)old.name[0] == 0xAB);
    }
  }
  return count;
}

/* ---------------------------------------------------------------- volumes and contexts */

static void test_volume_init(void) {
  medkern_volume volume;
  float data[24];
  g_section = "volume_init";
  CHECK_STATUS(medkern_volume_init(NULL, MEDKERN_DTYPE_FLOAT32, data, 2, 3, 4),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("volume");
  memset(&volume, 0xFF, sizeof volume);
  CHECK_OK(medkern_volume_init(&volume, MEDKERN_DTYPE_FLOAT32, data, 2, 3, 4));
  CHECK(volume.struct_size == sizeof volume);
  CHECK(volume.dtype == MEDKERN_DTYPE_FLOAT32);
  CHECK(volume.data == data);
  CHECK(volume.shape[0] == 2 && volume.shape[1] == 3 && volume.shape[2] == 4);
  CHECK(volume.strides[0] == 12 && volume.strides[1] == 4 && volume.strides[2] == 1);
  CHECK(volume.spacing[0] == 1.0 && volume.spacing[1] == 1.0 && volume.spacing[2] == 1.0);
  CHECK(volume.device == MEDKERN_DEVICE_HOST);
  /* Never fails on a non-null volume, even with values the ops will refuse. */
  CHECK_OK(medkern_volume_init(&volume, 99, NULL, 0, -1, INT64_MAX));
}

static medkern_context* test_contexts(int32_t device_count) {
  medkern_context_options options;
  medkern_context* context = NULL;
  medkern_context* cpu = NULL;
  int32_t device = 12345;

  g_section = "context_options_init";
  CHECK_STATUS(medkern_context_options_init(NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("options");
  memset(&options, 0x7F, sizeof options);
  CHECK_OK(medkern_context_options_init(&options));
  CHECK(options.struct_size == sizeof options);
  CHECK(options.device == MEDKERN_DEVICE_AUTO);
  CHECK(options.priority == 0);
  CHECK(options.num_threads == 0);
  CHECK(options.tag == 0);

  g_section = "context_create";
  CHECK_STATUS(medkern_context_create(&options, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context");

  /* NULL options: the defaults, i.e. the first GPU or else the CPU. */
  CHECK_OK(medkern_context_create(NULL, &context));
  CHECK(context != NULL);
  CHECK_OK(medkern_context_device(context, &device));
  CHECK(device == (device_count > 0 ? 0 : MEDKERN_DEVICE_HOST));
  medkern_context_destroy(context);
  context = NULL;

  CHECK_OK(medkern_context_create(&options, &context));
  CHECK_OK(medkern_context_device(context, &device));
  CHECK(device == (device_count > 0 ? 0 : MEDKERN_DEVICE_HOST));
  medkern_context_destroy(context);
  context = NULL;

  options.struct_size = 0;
  context = (medkern_context*)&options; /* must be reset to NULL on failure */
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  CHECK_MESSAGE("medkern_context_options");
  CHECK(context == NULL);

  medkern_context_options_init(&options);
  options.device = -5;
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("device");
  options.device = device_count; /* one past the last GPU */
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_NO_DEVICE);
  CHECK(context == NULL);
  options.device = MEDKERN_DEVICE_HOST;
  options.num_threads = -1;
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("num_threads");

  /* A caller whose header knew only struct_size and device: the rest is defaulted. */
  medkern_context_options_init(&options);
  options.device = MEDKERN_DEVICE_HOST;
  options.num_threads = -99; /* beyond the size given: must not be read */
  options.struct_size = (uint32_t)(offsetof(medkern_context_options, device) + sizeof(int32_t));
  CHECK_OK(medkern_context_create(&options, &context));
  CHECK_OK(medkern_context_device(context, &device));
  CHECK(device == MEDKERN_DEVICE_HOST);
  medkern_context_destroy(context);
  context = NULL;

  medkern_context_options_init(&options);
  options.device = MEDKERN_DEVICE_HOST;
  options.num_threads = 2;
  CHECK_OK(medkern_context_create(&options, &cpu));
  CHECK(cpu != NULL);

  g_section = "context_device";
  CHECK_STATUS(medkern_context_device(NULL, &device), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context");
  CHECK_STATUS(medkern_context_device(cpu, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("device");
  CHECK_OK(medkern_context_device(cpu, &device));
  CHECK(device == MEDKERN_DEVICE_HOST);

  g_section = "context_synchronize";
  CHECK_STATUS(medkern_context_synchronize(NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_OK(medkern_context_synchronize(cpu));

  g_section = "context_set_tag";
  CHECK_STATUS(medkern_context_set_tag(NULL, 3), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_OK(medkern_context_set_tag(cpu, 0));

  g_section = "context_destroy";
  medkern_context_destroy(NULL); /* does nothing */
  CHECK(1);
  return cpu;
}

/* ---------------------------------------------------------------- memory */

static void test_memory(medkern_context* cpu) {
  medkern_volume a, b, user;
  medkern_pool_stats before, after;
  uint64_t released = 12345;
  float user_data[4];

  g_section = "pool_get_stats";
  CHECK_STATUS(medkern_pool_get_stats(MEDKERN_DEVICE_HOST, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("stats");
  memset(&before, 0, sizeof before);
  CHECK_STATUS(medkern_pool_get_stats(MEDKERN_DEVICE_HOST, &before),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_pool_stats");
  before.struct_size = sizeof before;
  CHECK_STATUS(medkern_pool_get_stats(-7, &before), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("device");
  CHECK_STATUS(medkern_pool_get_stats(1000000, &before), MEDKERN_ERROR_NO_DEVICE);
  before = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(before.device == MEDKERN_DEVICE_HOST);
  CHECK(before.limit_bytes == 0);

  g_section = "volume_allocate";
  CHECK_STATUS(medkern_volume_allocate(NULL, MEDKERN_DTYPE_FLOAT32, 2, 3, 4, &a),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context");
  CHECK_STATUS(medkern_volume_allocate(cpu, MEDKERN_DTYPE_FLOAT32, 2, 3, 4, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("volume");
  CHECK_STATUS(medkern_volume_allocate(cpu, 99, 2, 3, 4, &a), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("99");
  CHECK_STATUS(medkern_volume_allocate(cpu, 0, 2, 3, 4, &a), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_STATUS(medkern_volume_allocate(cpu, MEDKERN_DTYPE_FLOAT32, 0, 3, 4, &a),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_volume_allocate(cpu, MEDKERN_DTYPE_FLOAT32, 2, -3, 4, &a),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_volume_allocate(cpu, MEDKERN_DTYPE_FLOAT32, INT64_MAX, INT64_MAX, 4, &a),
               MEDKERN_ERROR_OVERFLOW);
  CHECK_STATUS(medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT64, 1, 1, INT64_MAX / 4, &a),
               MEDKERN_ERROR_OVERFLOW);
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.allocations == before.allocations);

  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_FLOAT32, 2, 3, 4, &a));
  CHECK(a.struct_size == sizeof a);
  CHECK(a.dtype == MEDKERN_DTYPE_FLOAT32);
  CHECK(a.data != NULL);
  CHECK(a.shape[0] == 2 && a.shape[1] == 3 && a.shape[2] == 4);
  CHECK(a.strides[0] == 12 && a.strides[1] == 4 && a.strides[2] == 1);
  CHECK(a.spacing[0] == 1.0 && a.spacing[1] == 1.0 && a.spacing[2] == 1.0);
  CHECK(a.device == MEDKERN_DEVICE_HOST);
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.bytes_in_use == before.bytes_in_use + 24 * sizeof(float));
  CHECK(after.allocations == before.allocations + 1);
  CHECK(after.live_allocations == before.live_allocations + 1);
  CHECK(after.peak_bytes_in_use >= after.bytes_in_use);
  CHECK(after.bytes_reserved >= after.bytes_in_use);
  {
    /* The memory is usable on the host. */
    float* values = (float*)a.data;
    int i;
    for (i = 0; i < 24; ++i) values[i] = (float)i;
    CHECK(values[23] == 23.0f);
  }

  g_section = "pool_reset_peak";
  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT8, 1, 1, 1000, &b));
  CHECK_OK(medkern_volume_free(cpu, &b));
  CHECK(b.data == NULL);
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.peak_bytes_in_use >= after.bytes_in_use + 1000);
  CHECK_STATUS(medkern_pool_reset_peak(-3), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_pool_reset_peak(1000000), MEDKERN_ERROR_NO_DEVICE);
  CHECK_OK(medkern_pool_reset_peak(MEDKERN_DEVICE_HOST));
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.peak_bytes_in_use == after.bytes_in_use);

  g_section = "volume_free";
  CHECK_STATUS(medkern_volume_free(NULL, &a), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context");
  CHECK_STATUS(medkern_volume_free(cpu, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("volume");
  user = make_volume(MEDKERN_DTYPE_FLOAT32, user_data, 1, 1, 4);
  CHECK_STATUS(medkern_volume_free(cpu, &user), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK(user.data == user_data);
  b = a; /* a copy of the view, freed through the original below */
  CHECK_OK(medkern_volume_free(cpu, &a));
  CHECK(a.data == NULL);
  CHECK_OK(medkern_volume_free(cpu, &a)); /* NULL data: nothing to do */
  CHECK_STATUS(medkern_volume_free(cpu, &b), MEDKERN_ERROR_INVALID_ARGUMENT); /* double free */
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.bytes_in_use == before.bytes_in_use);
  CHECK(after.live_allocations == before.live_allocations);
  CHECK(after.deallocations == before.deallocations + 2);

  g_section = "pool_set_limit";
  CHECK_STATUS(medkern_pool_set_limit(-4, 0), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_pool_set_limit(1000000, 0), MEDKERN_ERROR_NO_DEVICE);
  before = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK_OK(medkern_pool_set_limit(MEDKERN_DEVICE_HOST, before.bytes_in_use + 1000));
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.limit_bytes == before.bytes_in_use + 1000);
  CHECK_STATUS(medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT8, 1, 1, 1001, &a),
               MEDKERN_ERROR_OUT_OF_MEMORY);
  CHECK_MESSAGE("limit");
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.failures == before.failures + 1);
  CHECK(after.bytes_in_use == before.bytes_in_use);
  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT8, 1, 1, 1000, &a)); /* at the cap */
  CHECK_OK(medkern_volume_free(cpu, &a));
  CHECK_OK(medkern_pool_set_limit(MEDKERN_DEVICE_HOST, 0));
  CHECK(pool_stats(MEDKERN_DEVICE_HOST).limit_bytes == 0);
  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT8, 1, 1, 1001, &a));
  CHECK_OK(medkern_volume_free(cpu, &a));

  g_section = "pool_release_tag";
  before = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK_OK(medkern_context_set_tag(cpu, 42));
  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_INT16, 1, 10, 10, &a));
  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_INT32, 1, 1, 50, &b));
  CHECK_OK(medkern_context_set_tag(cpu, 0));
  CHECK_OK(medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT8, 1, 1, 30, &user)); /* tag 0 */
  CHECK_STATUS(medkern_pool_release_tag(MEDKERN_DEVICE_HOST, 0, &released),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("tag");
  CHECK_STATUS(medkern_pool_release_tag(-9, 42, &released), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_pool_release_tag(1000000, 42, &released), MEDKERN_ERROR_NO_DEVICE);
  CHECK_OK(medkern_pool_release_tag(MEDKERN_DEVICE_HOST, 42, &released));
  CHECK(released == 200 + 200);
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.bytes_in_use == before.bytes_in_use + 30);
  CHECK(after.live_allocations == before.live_allocations + 1);
  CHECK(after.deallocations == before.deallocations + 2);
  released = 12345;
  CHECK_OK(medkern_pool_release_tag(MEDKERN_DEVICE_HOST, 42, &released));
  CHECK(released == 0);
  CHECK_OK(medkern_pool_release_tag(MEDKERN_DEVICE_HOST, 43, NULL));
  /* Freeing volumes of a released tag afterwards is harmless. */
  CHECK_OK(medkern_volume_free(cpu, &a));
  CHECK_OK(medkern_volume_free(cpu, &b));
  CHECK_OK(medkern_volume_free(cpu, &user));
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.bytes_in_use == before.bytes_in_use);
  CHECK(after.deallocations == before.deallocations + 3);

  g_section = "pool_trim";
  CHECK_STATUS(medkern_pool_trim(-2), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_pool_trim(1000000), MEDKERN_ERROR_NO_DEVICE);
  CHECK_OK(medkern_pool_trim(MEDKERN_DEVICE_HOST));
  after = pool_stats(MEDKERN_DEVICE_HOST);
  CHECK(after.bytes_reserved >= after.bytes_in_use);

  {
    /* A caller whose medkern_pool_stats ends after `device`: nothing else is written. */
    medkern_pool_stats old;
    memset(&old, 0xCD, sizeof old);
    old.struct_size = (uint32_t)(offsetof(medkern_pool_stats, device) + sizeof(int32_t));
    CHECK_OK(medkern_pool_get_stats(MEDKERN_DEVICE_HOST, &old));
    CHECK(old.device == MEDKERN_DEVICE_HOST);
    CHECK(old.bytes_in_use == 0xCDCDCDCDCDCDCDCDull);
  }
}

static void test_copy(medkern_context* context) {
  int16_t src_data[12], dst_data[12], back[12];
  float float_data[12];
  medkern_volume src, dst, other;
  int i;

  g_section = "volume_copy";
  for (i = 0; i < 12; ++i) {
    src_data[i] = (int16_t)(i * 10 - 50);
    dst_data[i] = 0;
  }
  src = make_volume(MEDKERN_DTYPE_INT16, src_data, 2, 2, 3);
  /* dst walks x backwards: dst(z, y, x) lives at dst_data[z*6 + y*3 + 2 - x]. */
  dst = make_volume(MEDKERN_DTYPE_INT16, dst_data + 2, 2, 2, 3);
  dst.strides[2] = -1;
  CHECK_OK(medkern_volume_copy(context, &src, &dst));
  for (i = 0; i < 12; ++i) {
    int row = i / 3, x = i % 3;
    CHECK(dst_data[row * 3 + 2 - x] == src_data[i]);
  }
  {
    medkern_volume contiguous = make_volume(MEDKERN_DTYPE_INT16, back, 2, 2, 3);
    CHECK_OK(medkern_volume_copy(context, &dst, &contiguous));
    CHECK(memcmp(back, src_data, sizeof back) == 0);
  }

  CHECK_STATUS(medkern_volume_copy(NULL, &src, &dst), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_volume_copy(context, NULL, &dst), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("src");
  CHECK_STATUS(medkern_volume_copy(context, &src, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("dst");
  other = make_volume(MEDKERN_DTYPE_FLOAT32, float_data, 2, 2, 3);
  CHECK_STATUS(medkern_volume_copy(context, &src, &other), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  other = make_volume(MEDKERN_DTYPE_INT16, dst_data, 3, 2, 2);
  CHECK_STATUS(medkern_volume_copy(context, &src, &other), MEDKERN_ERROR_SHAPE_MISMATCH);
  other = make_volume(MEDKERN_DTYPE_INT16, NULL, 2, 2, 3);
  CHECK_STATUS(medkern_volume_copy(context, &src, &other), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("dst");
  other = make_volume(77, dst_data, 2, 2, 3);
  CHECK_STATUS(medkern_volume_copy(context, &src, &other), MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("77");
  other = make_volume(MEDKERN_DTYPE_INT16, dst_data, 2, 2, 3);
  other.struct_size = 0;
  CHECK_STATUS(medkern_volume_copy(context, &src, &other), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  CHECK_MESSAGE("medkern_volume");
}

/* ---------------------------------------------------------------- histogram */

static void test_histogram_values(medkern_context* context, const char* name) {
  uint64_t counts[5];
  medkern_volume input, counts_view, mask_view;
  medkern_histogram_params params = histogram_params(5, 0.0, 10.0);
  int i;

  g_section = name;
  {
    /* numpy.histogram(range(10), bins=5, range=(0, 10)) == [2, 2, 2, 2, 2] */
    float f[10];
    int16_t s[10];
    uint16_t u[10];
    for (i = 0; i < 10; ++i) {
      f[i] = (float)i;
      s[i] = (int16_t)i;
      u[i] = (uint16_t)i;
    }
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, counts, 1, 1, 5);
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 2, 5);
    memset(counts, 0xFF, sizeof counts);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);
    input = make_volume(MEDKERN_DTYPE_INT16, s, 2, 1, 5);
    memset(counts, 0xFF, sizeof counts);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);
    input = make_volume(MEDKERN_DTYPE_UINT16, u, 1, 1, 10);
    memset(counts, 0xFF, sizeof counts);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);

    /* The mask keeps the even values: 0 2 4 6 8, one per bin. */
    {
      uint8_t mask[10];
      for (i = 0; i < 10; ++i) mask[i] = (uint8_t)(i % 2 == 0 ? 3 : 0);
      mask_view = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 1, 10);
      CHECK_OK(medkern_histogram(context, &input, &mask_view, &params, &counts_view));
      for (i = 0; i < 5; ++i) CHECK(counts[i] == 1);
    }

    /* The counts may have any shape with `bins` elements. */
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, counts, 5, 1, 1);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    for (i = 0; i < 5; ++i) CHECK(counts[i] == 2);
  }
  {
    /* np.histogram([-1, 0, 10, 10.5, nan, 5], bins=2, range=(0, 10)) == [1, 2]: the last
     * bin is closed, outside values and NaN are not counted. */
    float f[6];
    uint64_t two[2];
    f[0] = -1.0f;
    f[1] = 0.0f;
    f[2] = 10.0f;
    f[3] = 10.5f;
    f[4] = (float)NAN;
    f[5] = 5.0f;
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 6);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    params = histogram_params(2, 0.0, 10.0);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    CHECK(two[0] == 1 && two[1] == 2);
  }
  {
    /* lo == hi widens to (lo - 0.5, hi + 0.5): np.histogram([3, 3, 4], 1, (3, 3)) == [2] */
    int16_t s[3] = {3, 3, 4};
    uint64_t one[1];
    input = make_volume(MEDKERN_DTYPE_INT16, s, 1, 1, 3);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, one, 1, 1, 1);
    params = histogram_params(1, 3.0, 3.0);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    CHECK(one[0] == 2);
  }
  {
    /* A strided view: every other x of a 2x4 int16 image (the columns 0 and 2). */
    int16_t s[8] = {1, 100, 2, 100, 3, 100, 4, 100};
    uint64_t two[2];
    input = make_volume(MEDKERN_DTYPE_INT16, s, 1, 2, 2);
    input.strides[1] = 4;
    input.strides[2] = 2;
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    params = histogram_params(2, 0.0, 10.0);
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    CHECK(two[0] == 4 && two[1] == 0);
  }
  {
    /* A caller whose params end after `bins`: lo and hi take their defaults, 0 and 1. */
    float f[4] = {0.0f, 0.25f, 0.75f, 1.0f};
    uint64_t two[2];
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 4);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    params = histogram_params(2, 100.0, 200.0);
    params.struct_size = (uint32_t)(offsetof(medkern_histogram_params, bins) + sizeof(uint32_t));
    CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
    CHECK(two[0] == 2 && two[1] == 2);
  }
  {
    /* A caller with a newer, longer struct: the fields this library knows are used. */
    struct {
      medkern_histogram_params params;
      double future_field;
    } newer;
    float f[4] = {0.0f, 1.0f, 2.0f, 3.0f};
    uint64_t two[2];
    newer.params = histogram_params(2, 0.0, 4.0);
    newer.params.struct_size = sizeof newer;
    newer.future_field = 1.0;
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 4);
    counts_view = make_volume(MEDKERN_DTYPE_UINT64, two, 1, 1, 2);
    CHECK_OK(medkern_histogram(context, &input, NULL, &newer.params, &counts_view));
    CHECK(two[0] == 2 && two[1] == 2);
  }
}

static void test_histogram_errors(medkern_context* context) {
  float f[10] = {0};
  uint64_t counts[5];
  uint8_t mask[10] = {0};
  int16_t s[10] = {0};
  medkern_volume input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  medkern_volume counts_view = make_volume(MEDKERN_DTYPE_UINT64, counts, 1, 1, 5);
  medkern_volume bad;
  medkern_histogram_params params = histogram_params(5, 0.0, 10.0);

  g_section = "histogram errors";
  CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));

  CHECK_STATUS(medkern_histogram(NULL, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_histogram: context is NULL");
  CHECK_STATUS(medkern_histogram(context, NULL, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_histogram: input is NULL");
  CHECK_STATUS(medkern_histogram(context, &input, NULL, NULL, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params is NULL");
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("counts is NULL");

  /* bins out of 1..65536 */
  params = histogram_params(0, 0.0, 10.0);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("bins");
  params = histogram_params(65537, 0.0, 10.0);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("bins");
  /* 65537 counts for 65537 bins: still refused, for the bins, not the shape */
  {
    uint64_t* many = (uint64_t*)calloc(65537, sizeof(uint64_t));
    medkern_volume many_view = make_volume(MEDKERN_DTYPE_UINT64, many, 1, 1, 65537);
    CHECK(many != NULL);
    CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &many_view),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    free(many);
  }
  /* counts with fewer elements than bins */
  params = histogram_params(6, 0.0, 10.0);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("counts");
  /* lo > hi, NaN and infinite ranges */
  params = histogram_params(5, 10.0, 0.0);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = histogram_params(5, NAN, 10.0);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("range");
  params = histogram_params(5, 0.0, NAN);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = histogram_params(5, 0.0, HUGE_VAL);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  /* versioned params */
  params = histogram_params(5, 0.0, 10.0);
  params.struct_size = 0;
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  CHECK_MESSAGE("medkern_histogram_params");
  params.struct_size = 4; /* struct_size itself only */
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = histogram_params(5, 0.0, 10.0);

  /* wrong dtypes */
  bad = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 1, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, counts, 1, 1, 5);
  CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &bad),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("counts");
  bad = make_volume(MEDKERN_DTYPE_INT16, s, 1, 1, 10);
  CHECK_STATUS(medkern_histogram(context, &input, &bad, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("mask");
  bad = make_volume(42, f, 1, 1, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("unknown dtype code 42");
  bad = make_volume(-1, f, 1, 1, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);

  /* mismatched shapes */
  bad = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 2, 5);
  CHECK_STATUS(medkern_histogram(context, &input, &bad, &params, &counts_view),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("mask");

  /* invalid views */
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, NULL, 1, 1, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 0, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, -1, 1, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, INT64_MAX, INT64_MAX, 10);
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_OVERFLOW);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  bad.spacing[0] = 0.0;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("spacing");
  bad.spacing[0] = 1.0;
  bad.spacing[1] = -0.5;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad.spacing[1] = 1.0;
  bad.spacing[2] = NAN;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad.spacing[2] = HUGE_VAL;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  bad.struct_size = 0;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_volume");
  /* a device number that is neither the host nor a CUDA ordinal */
  bad = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 10);
  bad.device = -7;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("device");
  /* memory of a device this context cannot use */
  bad.device = 1000;
  CHECK_STATUS(medkern_histogram(context, &bad, NULL, &params, &counts_view),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input");
  /* counts must be contiguous */
  {
    uint64_t wide[10];
    bad = make_volume(MEDKERN_DTYPE_UINT64, wide, 1, 1, 5);
    bad.strides[2] = 2;
    CHECK_STATUS(medkern_histogram(context, &input, NULL, &params, &bad),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("contiguous");
  }
  /* a failure leaves no stale message behind the next success */
  CHECK_OK(medkern_histogram(context, &input, NULL, &params, &counts_view));
}

/* ---------------------------------------------------------------- threshold */

static void test_threshold_values(medkern_context* context, const char* name) {
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

static void test_threshold_errors(medkern_context* context) {
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

/* ---------------------------------------------------------------- Otsu */

static void test_otsu_values(medkern_context* context, const char* name) {
  double threshold = -1.0;
  medkern_volume input, mask_view;
  int i;

  g_section = name;
  {
    /* skimage.filters.threshold_otsu([100]*50 + [200]*50) == 100 */
    int16_t v[100];
    for (i = 0; i < 100; ++i) v[i] = (int16_t)(i < 50 ? 100 : 200);
    input = make_volume(MEDKERN_DTYPE_INT16, v, 4, 5, 5);
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 100.0);
    /* integer inputs ignore `bins`, whatever it is */
    threshold = -1.0;
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 0, &threshold));
    CHECK(threshold == 100.0);
  }
  {
    /* threshold_otsu(int16 [-100]*3 + [5]*4 + [50]*5) == -100; with the -100s masked
     * out, [5]*4 + [50]*5 gives 5. */
    int16_t v[12] = {-100, -100, -100, 5, 5, 5, 5, 50, 50, 50, 50, 50};
    uint8_t mask[12] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    input = make_volume(MEDKERN_DTYPE_INT16, v, 1, 3, 4);
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 256, &threshold));
    CHECK(threshold == -100.0);
    mask_view = make_volume(MEDKERN_DTYPE_UINT8, mask, 1, 3, 4);
    CHECK_OK(medkern_otsu_threshold(context, &input, &mask_view, 256, &threshold));
    CHECK(threshold == 5.0);
    /* a mask that leaves one value: that value */
    for (i = 0; i < 12; ++i) mask[i] = (uint8_t)(v[i] == 50);
    CHECK_OK(medkern_otsu_threshold(context, &input, &mask_view, 256, &threshold));
    CHECK(threshold == 50.0);
  }
  {
    /* uint16 two-level */
    uint16_t v[10] = {1000, 1000, 1000, 1000, 1000, 3000, 3000, 3000, 3000, 3000};
    input = make_volume(MEDKERN_DTYPE_UINT16, v, 1, 1, 10);
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 256, &threshold));
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
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 0.001953125);
    for (i = 0; i < 100; ++i) f[i] = i < 30 ? 0.0f : 1.0f;
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 4, &threshold));
    CHECK(threshold == 0.125);
  }
  {
    /* a constant input returns its value */
    float f[6] = {2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f};
    input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 2, 3);
    CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 256, &threshold));
    CHECK(threshold == 2.5);
  }
}

static void test_otsu_errors(medkern_context* context) {
  float f[4] = {0.0f, 1.0f, 2.0f, 3.0f};
  uint8_t zeros[4] = {0, 0, 0, 0};
  int16_t wrong_mask[4] = {1, 1, 1, 1};
  double threshold = 0.0;
  medkern_volume input = make_volume(MEDKERN_DTYPE_FLOAT32, f, 1, 1, 4);
  medkern_volume bad;

  g_section = "otsu errors";
  CHECK_OK(medkern_otsu_threshold(context, &input, NULL, 256, &threshold));
  CHECK_STATUS(medkern_otsu_threshold(NULL, &input, NULL, 256, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_otsu_threshold: context is NULL");
  CHECK_STATUS(medkern_otsu_threshold(context, NULL, NULL, 256, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input is NULL");
  CHECK_STATUS(medkern_otsu_threshold(context, &input, NULL, 256, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("threshold is NULL");
  CHECK_STATUS(medkern_otsu_threshold(context, &input, NULL, 0, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("bins");
  CHECK_STATUS(medkern_otsu_threshold(context, &input, NULL, 1, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_otsu_threshold(context, &input, NULL, 65537, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_UINT8, zeros, 1, 1, 4);
  CHECK_STATUS(medkern_otsu_threshold(context, &input, &bad, 256, &threshold),
               MEDKERN_ERROR_INVALID_ARGUMENT); /* everything masked out */
  CHECK_STATUS(medkern_otsu_threshold(context, &bad, NULL, 256, &threshold),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  bad = make_volume(MEDKERN_DTYPE_INT16, wrong_mask, 1, 1, 4);
  CHECK_STATUS(medkern_otsu_threshold(context, &input, &bad, 256, &threshold),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("mask");
  bad = make_volume(MEDKERN_DTYPE_UINT8, zeros, 1, 2, 2);
  CHECK_STATUS(medkern_otsu_threshold(context, &input, &bad, 256, &threshold),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  bad = make_volume(0, f, 1, 1, 4);
  CHECK_STATUS(medkern_otsu_threshold(context, &bad, NULL, 256, &threshold),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  {
    float nans[2];
    nans[0] = (float)NAN;
    nans[1] = (float)NAN;
    bad = make_volume(MEDKERN_DTYPE_FLOAT32, nans, 1, 1, 2);
    CHECK_STATUS(medkern_otsu_threshold(context, &bad, NULL, 256, &threshold),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
  }
}

/* ---------------------------------------------------------------- label statistics */

/* input (2, 2, 3) = 10, 20, ..., 120; spacing (2.0, 0.5, 1.5) mm. Expected values from
 * scipy.ndimage (sum, mean, standard_deviation, minimum, maximum, center_of_mass). */
static const int32_t kLabels[12] = {1, 1, 0, 2, 0, 0, 0, 1, 0, 2, 2, 3};

typedef struct expected_stats {
  int32_t label;
  uint64_t count;
  double sum, mean, variance, min, max;
  int64_t bbox_min[3], bbox_max[3];
  double centroid_mm[3];
} expected_stats;

static const expected_stats kExpected[4] = {
    {0, 5, 300.0, 60.0, 400.0, 30.0, 90.0, {0, 0, 0}, {1, 1, 2}, {0.8, 0.2, 2.1}},
    {1,
     3,
     110.0,
     110.0 / 3.0,
     955.5555555555555,
     10.0,
     80.0,
     {0, 0, 0},
     {1, 0, 1},
     {2.0 / 3.0, 0.0, 1.0}},
    {2,
     3,
     250.0,
     250.0 / 3.0,
     955.5555555555555,
     40.0,
     110.0,
     {0, 1, 0},
     {1, 1, 1},
     {4.0 / 3.0, 0.5, 0.5}},
    {3, 1, 120.0, 120.0, 0.0, 120.0, 120.0, {1, 1, 2}, {1, 1, 2}, {2.0, 0.5, 3.0}},
};

static void check_label_stats(const medkern_label_stats* got, const expected_stats* want) {
  int axis;
  CHECK(got->label == want->label);
  CHECK(got->count == want->count);
  CHECK_NEAR(got->sum, want->sum, 1e-12);
  CHECK_NEAR(got->mean, want->mean, 1e-12);
  CHECK_NEAR(got->std * got->std, want->variance, 1e-9);
  CHECK(got->std >= 0.0);
  CHECK(got->min == want->min);
  CHECK(got->max == want->max);
  for (axis = 0; axis < 3; ++axis) {
    CHECK(got->bbox_min[axis] == want->bbox_min[axis]);
    CHECK(got->bbox_max[axis] == want->bbox_max[axis]);
    CHECK_NEAR(got->centroid_mm[axis], want->centroid_mm[axis], 1e-12);
  }
}

static void test_label_statistics_values(medkern_context* context, const char* name) {
  int16_t values[12];
  float float_values[12];
  uint8_t labels8[12];
  medkern_volume input, labels;
  medkern_label_statistics_params params;
  medkern_label_statistics_result* result = NULL;
  int i;

  g_section = name;
  for (i = 0; i < 12; ++i) {
    values[i] = (int16_t)(10 * (i + 1));
    float_values[i] = (float)(10 * (i + 1));
    labels8[i] = (uint8_t)kLabels[i];
  }
  input = make_volume(MEDKERN_DTYPE_INT16, values, 2, 2, 3);
  input.spacing[0] = 2.0;
  input.spacing[1] = 0.5;
  input.spacing[2] = 1.5;
  labels = make_volume(MEDKERN_DTYPE_INT32, (void*)kLabels, 2, 2, 3);

  /* params NULL: no background */
  CHECK_OK(medkern_label_statistics(context, &input, &labels, NULL, &result));
  CHECK(result != NULL);
  if (result != NULL) {
    CHECK(result->struct_size == sizeof(medkern_label_statistics_result));
    CHECK(result->num_labels == 3);
    if (result->num_labels == 3) {
      for (i = 0; i < 3; ++i) check_label_stats(&result->labels[i], &kExpected[i + 1]);
    }
    medkern_label_statistics_free(result);
    result = NULL;
  }

  /* with the background, float32 input and uint8 labels */
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.include_background = 1;
  input.dtype = MEDKERN_DTYPE_FLOAT32;
  input.data = float_values;
  labels = make_volume(MEDKERN_DTYPE_UINT8, labels8, 2, 2, 3);
  CHECK_OK(medkern_label_statistics(context, &input, &labels, &params, &result));
  CHECK(result != NULL);
  if (result != NULL) {
    CHECK(result->num_labels == 4);
    if (result->num_labels == 4) {
      for (i = 0; i < 4; ++i) check_label_stats(&result->labels[i], &kExpected[i]);
    }
    medkern_label_statistics_free(result);
    result = NULL;
  }

  /* all background: no labels, and an empty result is still freed the same way */
  {
    uint8_t zeros[12];
    medkern_volume background = make_volume(MEDKERN_DTYPE_UINT8, zeros, 2, 2, 3);
    memset(zeros, 0, sizeof zeros);
    CHECK_OK(medkern_label_statistics(context, &input, &background, NULL, &result));
    CHECK(result != NULL && result->num_labels == 0);
    medkern_label_statistics_free(result);
    result = NULL;
  }

  /* uint16 input, one label over a strided (every other x) view */
  {
    uint16_t u[8] = {1, 999, 3, 999, 5, 999, 7, 999};
    int32_t ones[4] = {4, 4, 4, 4};
    medkern_volume strided = make_volume(MEDKERN_DTYPE_UINT16, u, 1, 2, 2);
    medkern_volume four = make_volume(MEDKERN_DTYPE_INT32, ones, 1, 2, 2);
    strided.strides[1] = 4;
    strided.strides[2] = 2;
    CHECK_OK(medkern_label_statistics(context, &strided, &four, NULL, &result));
    CHECK(result != NULL && result->num_labels == 1);
    if (result != NULL && result->num_labels == 1) {
      CHECK(result->labels[0].label == 4);
      CHECK(result->labels[0].count == 4);
      CHECK(result->labels[0].sum == 16.0);
      CHECK(result->labels[0].mean == 4.0);
      CHECK_NEAR(result->labels[0].std * result->labels[0].std, 5.0, 1e-12);
      CHECK(result->labels[0].min == 1.0 && result->labels[0].max == 7.0);
      CHECK(result->labels[0].centroid_mm[1] == 0.5 && result->labels[0].centroid_mm[2] == 0.5);
    }
    medkern_label_statistics_free(result);
    result = NULL;
  }
}

static void test_label_statistics_errors(medkern_context* context) {
  int16_t values[4] = {1, 2, 3, 4};
  int32_t labels_data[4] = {0, 1, 2, 3};
  int32_t negative[4] = {0, 1, -1, 2};
  int32_t huge[4] = {0, 1, 1 << 24, 2};
  int16_t wrong[4] = {0, 1, 1, 1};
  medkern_volume input = make_volume(MEDKERN_DTYPE_INT16, values, 1, 2, 2);
  medkern_volume labels = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 2, 2);
  medkern_volume bad;
  medkern_label_statistics_params params;
  medkern_label_statistics_result* result = NULL;

  g_section = "label_statistics errors";
  CHECK_STATUS(medkern_label_statistics(NULL, &input, &labels, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_label_statistics: context is NULL");
  CHECK_STATUS(medkern_label_statistics(context, NULL, &labels, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("input is NULL");
  CHECK_STATUS(medkern_label_statistics(context, &input, NULL, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("labels is NULL");
  CHECK_STATUS(medkern_label_statistics(context, &input, &labels, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("result is NULL");

  result = (medkern_label_statistics_result*)&params; /* must be reset to NULL on failure */
  bad = make_volume(MEDKERN_DTYPE_INT32, negative, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("-1");
  CHECK(result == NULL);
  bad = make_volume(MEDKERN_DTYPE_INT32, huge, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = make_volume(MEDKERN_DTYPE_INT16, wrong, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("labels");
  bad = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &bad, &labels, NULL, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("input");
  bad = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 1, 4);
  CHECK_STATUS(medkern_label_statistics(context, &input, &bad, NULL, &result),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  bad = make_volume(9, values, 1, 2, 2);
  CHECK_STATUS(medkern_label_statistics(context, &bad, &labels, NULL, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  bad = make_volume(MEDKERN_DTYPE_INT16, values, 1, 2, 2);
  bad.spacing[0] = 0.0;
  CHECK_STATUS(medkern_label_statistics(context, &bad, &labels, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("spacing");
  memset(&params, 0, sizeof params);
  CHECK_STATUS(medkern_label_statistics(context, &input, &labels, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_label_statistics_params");
  CHECK(result == NULL);

  g_section = "label_statistics_free";
  medkern_label_statistics_free(NULL); /* does nothing */
  CHECK(1);
}

/* ---------------------------------------------------------------- CUDA */

typedef struct op_results {
  uint64_t counts[100];
  uint8_t* mask;
  double otsu_int, otsu_float;
  int64_t num_labels;
  medkern_label_stats stats[8];
  int32_t* components; /* label_components of the mask, connectivity 6, 26, then 8 */
  int64_t component_counts[3];
} op_results;

enum { kNz = 7, kNy = 33, kNx = 65, kN = kNz * kNy * kNx };

/* Runs histogram, threshold, Otsu and label statistics on fixed pseudo-random inputs. */
static void run_random_ops(medkern_context* context, const int16_t* hu, const float* f,
                           const int32_t* labels, const uint8_t* mask, op_results* out) {
  medkern_volume hu_view = make_volume(MEDKERN_DTYPE_INT16, (void*)hu, kNz, kNy, kNx);
  medkern_volume f_view = make_volume(MEDKERN_DTYPE_FLOAT32, (void*)f, kNz, kNy, kNx);
  medkern_volume labels_view = make_volume(MEDKERN_DTYPE_INT32, (void*)labels, kNz, kNy, kNx);
  medkern_volume mask_view = make_volume(MEDKERN_DTYPE_UINT8, (void*)mask, kNz, kNy, kNx);
  medkern_volume counts_view = make_volume(MEDKERN_DTYPE_UINT64, out->counts, 1, 1, 100);
  medkern_volume out_view = make_volume(MEDKERN_DTYPE_UINT8, out->mask, kNz, kNy, kNx);
  medkern_histogram_params hp = histogram_params(100, -1024.0, 1500.0);
  medkern_threshold_params tp = threshold_params(-200.0, 300.0, 1, 0);
  medkern_label_statistics_result* result = NULL;

  hu_view.spacing[0] = 2.5;
  hu_view.spacing[1] = 0.7;
  hu_view.spacing[2] = 0.7;
  CHECK_OK(medkern_histogram(context, &hu_view, &mask_view, &hp, &counts_view));
  CHECK_OK(medkern_threshold(context, &hu_view, &out_view, &tp));
  CHECK_OK(medkern_otsu_threshold(context, &hu_view, NULL, 256, &out->otsu_int));
  CHECK_OK(medkern_otsu_threshold(context, &f_view, &mask_view, 128, &out->otsu_float));
  CHECK_OK(medkern_context_synchronize(context));
  out->num_labels = -1;
  CHECK_OK(medkern_label_statistics(context, &hu_view, &labels_view, NULL, &result));
  if (result != NULL) {
    out->num_labels = result->num_labels;
    if (result->num_labels > 0 && result->num_labels <= 8) {
      memcpy(out->stats, result->labels, (size_t)result->num_labels * sizeof(medkern_label_stats));
    }
    medkern_label_statistics_free(result);
  }
  {
    /* A sparser mask (one voxel in three), so that the components are many and branched. */
    static const int32_t connectivities[3] = {6, 26, 8};
    medkern_label_components_params lp;
    uint8_t* sparse = (uint8_t*)malloc(kN);
    medkern_volume sparse_view = make_volume(MEDKERN_DTYPE_UINT8, sparse, kNz, kNy, kNx);
    int i, c;
    CHECK(sparse != NULL);
    if (sparse == NULL) return;
    for (i = 0; i < kN; ++i) sparse[i] = (uint8_t)(mask[i] && labels[i] < 2 ? labels[i] + 1 : 0);
    lp.struct_size = sizeof lp;
    for (c = 0; c < 3; ++c) {
      medkern_volume components_view =
          make_volume(MEDKERN_DTYPE_INT32, out->components + (size_t)c * kN, kNz, kNy, kNx);
      lp.connectivity = connectivities[c];
      out->component_counts[c] = -1;
      CHECK_OK(medkern_label_components(context, &sparse_view, &components_view, &lp,
                                        &out->component_counts[c]));
    }
    CHECK_OK(medkern_context_synchronize(context));
    free(sparse);
  }
}

static void test_label_components(medkern_context* context, const char* name) {
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
}

static void test_connected_threshold(medkern_context* context, const char* name) {
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

static void test_confidence_connected(medkern_context* context, const char* name) {
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
}

static void test_median(medkern_context* context, const char* name) {
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

static void test_anisotropic_diffusion(medkern_context* context, const char* name) {
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
}

/* ---------------------------------------------------------------- gaussian, edges */

static void test_gaussian_and_edges(medkern_context* context, const char* name) {
  /* An impulse in a row of 9, sigma 1 mm along x: the weights exp(-k^2 / 2) / 2.5066208
   * (k = -4..4), which sum to 1. */
  float impulse[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  float smooth[9], sum = 0.0f;
  float step[4] = {0, 0, 1, 1}, derivative[4];
  float ramp[5] = {0, 3, 6, 9, 12}, magnitude[5];
  float image[64];
  uint8_t edges[64], small[4];
  medkern_volume in, out, bad;
  medkern_gaussian_params gp;
  medkern_sobel_params sp;
  medkern_gradient_magnitude_params mp;
  medkern_canny_params cp;
  int i, ok;

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
  CHECK_MESSAGE("method");
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
}

/* ---------------------------------------------------------------- calcium scoring */

static medkern_calcium_params calcium_params(double thickness) {
  medkern_calcium_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.connectivity = 8;
  params.slice_thickness_mm = thickness;
  params.threshold_hu = 130.0;
  params.min_area_mm2 = 1.0;
  params.normalize_thickness = 1;
  return params;
}

/* (2, 6, 8) at (3, 0.5, 0.5) mm, by hand: slice 0 a 2 x 3 block of 250 HU (1.5 mm2, weight
 * 2, labels 2 on 4 pixels and 3 on 2: LAD); slice 1 a 2 x 2 block of 450 HU above it (1 mm2,
 * weight 4, LAD) and one pixel of 900 HU (0.25 mm2: dropped). Agatston 1.5 * 2 + 1 * 4 = 7;
 * volume 10 pixels * 0.75 mm3 = 7.5 mm3; mass (calibration 1) (250 * 6 + 450 * 4) * 0.75 /
 * 1000 = 2.475 mg; one 3-D lesion. */
static void test_calcium(medkern_context* context, const char* name) {
  int16_t hu[96];
  uint8_t labels[96];
  medkern_volume ct, lab;
  medkern_calcium_params params = calcium_params(3.0);
  medkern_calcium_result* result = NULL;
  int y, x;

  g_section = name;
  memset(hu, 0, sizeof hu);
  memset(labels, 0, sizeof labels);
  for (y = 1; y <= 2; ++y) {
    for (x = 1; x <= 3; ++x) {
      hu[y * 8 + x] = 250;
      labels[y * 8 + x] = x == 3 ? 3 : 2;
    }
    for (x = 2; x <= 3; ++x) {
      hu[48 + y * 8 + x] = 450;
      labels[48 + y * 8 + x] = 2;
    }
  }
  hu[48 + 4 * 8 + 6] = 900;
  labels[48 + 4 * 8 + 6] = 4;
  ct = make_volume(MEDKERN_DTYPE_INT16, hu, 2, 6, 8);
  lab = make_volume(MEDKERN_DTYPE_UINT8, labels, 2, 6, 8);
  ct.spacing[0] = 3.0;
  ct.spacing[1] = 0.5;
  ct.spacing[2] = 0.5;
  params.calibration_mg_per_cm3_per_hu = 1.0;
  CHECK_OK(medkern_calcium_score(context, &ct, &lab, &params, &result));
  CHECK(result != NULL);
  if (result != NULL) {
    CHECK(result->struct_size == sizeof(medkern_calcium_result));
    CHECK_NEAR(result->total.agatston, 7.0, 1e-12);
    CHECK_NEAR(result->total.volume_mm3, 7.5, 1e-12);
    CHECK_NEAR(result->total.mass_mg, 2.475, 1e-12);
    CHECK(result->total.lesions == 2);
    CHECK(result->has_mass != 0);
    CHECK(result->risk_category == MEDKERN_CALCIUM_RISK_1_10);
    CHECK(strcmp(medkern_calcium_risk_name(result->risk_category), "1-10") == 0);
    CHECK(result->lesions_3d == 1);
    CHECK(result->slice_step == 1);
    CHECK_NEAR(result->voxel_volume_mm3, 0.75, 1e-12);
    CHECK(result->num_labels == 1);
    if (result->num_labels == 1) {
      CHECK(result->labels[0].label == 2);
      CHECK_NEAR(result->labels[0].totals.agatston, 7.0, 1e-12);
    }
    CHECK(result->num_lesions == 2);
    if (result->num_lesions == 2) {
      const medkern_calcium_lesion* first = &result->lesions[0];
      CHECK(first->slice == 0 && first->voxels == 6 && first->label == 2);
      CHECK(first->max_hu == 250 && first->weight == 2 && first->lesion_3d == 1);
      CHECK_NEAR(first->area_mm2, 1.5, 1e-12);
      CHECK_NEAR(first->score, 3.0, 1e-12);
      CHECK_NEAR(first->mean_hu, 250.0, 1e-12);
      CHECK_NEAR(first->centroid_mm[0], 0.0, 1e-12);
      CHECK_NEAR(first->centroid_mm[1], 0.75, 1e-12);
      CHECK_NEAR(first->centroid_mm[2], 1.0, 1e-12);
      CHECK(result->lesions[1].weight == 4 && result->lesions[1].lesion_3d == 1);
    }
    medkern_calcium_result_free(result);
  }
  /* Without labels, calibration or normalisation, 1.5 mm thick: the 900 HU pixel is still
   * too small; the score is not scaled; mass is NaN. */
  params = calcium_params(1.5);
  params.normalize_thickness = 0;
  ct.spacing[0] = 1.5;
  result = NULL;
  CHECK_OK(medkern_calcium_score(context, &ct, NULL, &params, &result));
  if (result != NULL) {
    CHECK_NEAR(result->total.agatston, 7.0, 1e-12);
    CHECK(result->has_mass == 0);
    CHECK(result->total.mass_mg != result->total.mass_mg); /* NaN */
    CHECK(result->num_labels == 0 && result->labels == NULL);
    medkern_calcium_result_free(result);
  }
  /* Overlapping: 3 mm slices every 1.5 mm, only slice 0 is scored. */
  params = calcium_params(3.0);
  result = NULL;
  CHECK_OK(medkern_calcium_score(context, &ct, NULL, &params, &result));
  if (result != NULL) {
    CHECK(result->slice_step == 2);
    CHECK(result->num_lesions == 1);
    CHECK_NEAR(result->total.agatston, 3.0, 1e-12);
    medkern_calcium_result_free(result);
  }
}

static void test_calcium_errors(medkern_context* context) {
  int16_t hu[8];
  uint8_t labels[8];
  int32_t wide[8];
  medkern_volume ct, lab, bad;
  medkern_calcium_params params = calcium_params(3.0);
  medkern_calcium_result* result = NULL;

  g_section = "calcium errors";
  memset(hu, 0, sizeof hu);
  memset(labels, 1, sizeof labels);
  memset(wide, 0, sizeof wide);
  ct = make_volume(MEDKERN_DTYPE_INT16, hu, 2, 2, 2);
  lab = make_volume(MEDKERN_DTYPE_UINT8, labels, 2, 2, 2);
  CHECK_STATUS(medkern_calcium_score(NULL, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context is NULL");
  CHECK_STATUS(medkern_calcium_score(context, NULL, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("ct is NULL");
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, NULL, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("params is NULL");
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  result = (medkern_calcium_result*)&params; /* must be reset to NULL on failure */
  params.slice_thickness_mm = 0.0;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("slice_thickness_mm");
  CHECK(result == NULL);
  params.slice_thickness_mm = -3.0;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params = calcium_params(3.0);
  params.threshold_hu = NAN;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("threshold_hu");
  params = calcium_params(3.0);
  params.min_area_mm2 = NAN;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("min_area_mm2");
  params = calcium_params(3.0);
  params.calibration_mg_per_cm3_per_hu = -1.0;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("calibration");
  params = calcium_params(3.0);
  params.connectivity = 6;
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("connectivity");
  params = calcium_params(3.0);
  params.struct_size = 8; /* before the required thickness */
  CHECK_STATUS(medkern_calcium_score(context, &ct, &lab, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_calcium_params");
  params = calcium_params(3.0);
  bad = make_volume(MEDKERN_DTYPE_UINT8, labels, 2, 2, 1);
  CHECK_STATUS(medkern_calcium_score(context, &ct, &bad, &params, &result),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("labels");
  bad = make_volume(MEDKERN_DTYPE_INT32, wide, 2, 2, 2);
  CHECK_STATUS(medkern_calcium_score(context, &ct, &bad, &params, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_STATUS(medkern_calcium_score(context, &bad, NULL, &params, &result),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("ct");
  bad = ct;
  bad.spacing[1] = 0.0;
  CHECK_STATUS(medkern_calcium_score(context, &bad, NULL, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = ct;
  bad.data = NULL;
  CHECK_STATUS(medkern_calcium_score(context, &bad, NULL, &params, &result),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK(strcmp(medkern_calcium_risk_name(MEDKERN_CALCIUM_RISK_0), "0") == 0);
  CHECK(strcmp(medkern_calcium_risk_name(MEDKERN_CALCIUM_RISK_OVER_400), ">400") == 0);
  CHECK(strcmp(medkern_calcium_risk_name(99), "unknown") == 0);
  medkern_calcium_result_free(NULL);
}

static void test_cuda(medkern_context* cpu, int32_t device_count) {
  medkern_context_options options;
  medkern_context* gpu = NULL;
  int16_t* hu = (int16_t*)malloc(kN * sizeof(int16_t));
  float* f = (float*)malloc(kN * sizeof(float));
  int32_t* labels = (int32_t*)malloc(kN * sizeof(int32_t));
  uint8_t* mask = (uint8_t*)malloc(kN);
  op_results cpu_results, gpu_results;
  int32_t device = -5;
  int i;

  g_section = "cuda";
  if (device_count == 0) {
    /* A CUDA context where there is none is a status, not a crash. */
    medkern_context_options_init(&options);
    options.device = 0;
    CHECK_STATUS(medkern_context_create(&options, &gpu), MEDKERN_ERROR_NO_DEVICE);
    CHECK(gpu == NULL);
    {
      medkern_pool_stats stats;
      memset(&stats, 0, sizeof stats);
      stats.struct_size = sizeof stats;
      CHECK_STATUS(medkern_pool_get_stats(0, &stats), MEDKERN_ERROR_NO_DEVICE);
    }
    printf("no CUDA device: the CUDA part is skipped\n");
    free(hu);
    free(f);
    free(labels);
    free(mask);
    return;
  }
  cpu_results.mask = (uint8_t*)malloc(kN);
  gpu_results.mask = (uint8_t*)malloc(kN);
  cpu_results.components = (int32_t*)malloc(3 * (size_t)kN * sizeof(int32_t));
  gpu_results.components = (int32_t*)malloc(3 * (size_t)kN * sizeof(int32_t));
  CHECK(hu && f && labels && mask && cpu_results.mask && gpu_results.mask &&
        cpu_results.components && gpu_results.components);
  if (!(hu && f && labels && mask && cpu_results.mask && gpu_results.mask &&
        cpu_results.components && gpu_results.components))
    return;

  medkern_context_options_init(&options);
  options.device = 0;
  options.priority = -1;
  CHECK_OK(medkern_context_create(&options, &gpu));
  if (gpu == NULL) return;
  CHECK_OK(medkern_context_device(gpu, &device));
  CHECK(device == 0);

  /* The hand-computed cases again, on the GPU with host buffers. */
  test_histogram_values(gpu, "cuda histogram");
  test_threshold_values(gpu, "cuda threshold");
  test_otsu_values(gpu, "cuda otsu");
  test_label_statistics_values(gpu, "cuda label_statistics");
  test_label_components(gpu, "cuda label_components");
  test_connected_threshold(gpu, "cuda connected_threshold");
  test_confidence_connected(gpu, "cuda confidence_connected");
  test_gaussian_and_edges(gpu, "cuda gaussian, edges");
  test_calcium(gpu, "cuda calcium");
  test_copy(gpu);

  /* Pseudo-random inputs: the GPU must agree with the CPU. */
  g_section = "cuda vs cpu";
  for (i = 0; i < kN; ++i) {
    uint64_t r = next_random();
    hu[i] = (int16_t)((int)(r % 2500) - 1024);
    f[i] = (float)((double)(r >> 11) / 9007199254740992.0 * 4.0 - 1.0);
    labels[i] = (int32_t)((r >> 40) % 6);
    mask[i] = (uint8_t)((r >> 50) % 3 != 0);
  }
  run_random_ops(cpu, hu, f, labels, mask, &cpu_results);
  run_random_ops(gpu, hu, f, labels, mask, &gpu_results);
  CHECK(memcmp(cpu_results.counts, gpu_results.counts, sizeof cpu_results.counts) == 0);
  CHECK(memcmp(cpu_results.mask, gpu_results.mask, kN) == 0);
  CHECK(cpu_results.otsu_int == gpu_results.otsu_int);
  CHECK(cpu_results.otsu_float == gpu_results.otsu_float);
  CHECK(cpu_results.component_counts[0] > 100); /* many components, not a trivial case */
  CHECK(cpu_results.component_counts[0] >= cpu_results.component_counts[1]);
  for (i = 0; i < 3; ++i) CHECK(cpu_results.component_counts[i] == gpu_results.component_counts[i]);
  CHECK(memcmp(cpu_results.components, gpu_results.components, 3 * (size_t)kN * sizeof(int32_t)) ==
        0);
  CHECK(cpu_results.num_labels == 5 && gpu_results.num_labels == 5);
  if (cpu_results.num_labels == 5 && gpu_results.num_labels == 5) {
    for (i = 0; i < 5; ++i) {
      const medkern_label_stats* a = &cpu_results.stats[i];
      const medkern_label_stats* b = &gpu_results.stats[i];
      int axis;
      CHECK(a->label == b->label && a->count == b->count);
      /* integer input: sums are exact on both sides */
      CHECK(a->sum == b->sum && a->mean == b->mean && a->std == b->std);
      CHECK(a->min == b->min && a->max == b->max);
      for (axis = 0; axis < 3; ++axis) {
        CHECK(a->bbox_min[axis] == b->bbox_min[axis] && a->bbox_max[axis] == b->bbox_max[axis]);
        CHECK_NEAR(a->centroid_mm[axis], b->centroid_mm[axis], 1e-12);
      }
    }
  }

  /* Device-resident buffers from the pool: allocate, copy in, run, copy out, free. */
  g_section = "cuda device memory";
  {
    medkern_volume d_input, d_counts, d_out, h_input, h_counts, h_out;
    medkern_pool_stats before, after;
    uint64_t counts[100];
    uint64_t released = 0;
    medkern_histogram_params hp = histogram_params(100, -1024.0, 1500.0);
    medkern_threshold_params tp = threshold_params(-200.0, 300.0, 1, 0);
    before = pool_stats(0);
    CHECK(before.device == 0);
    CHECK_OK(medkern_volume_allocate(gpu, MEDKERN_DTYPE_INT16, kNz, kNy, kNx, &d_input));
    CHECK_OK(medkern_volume_allocate(gpu, MEDKERN_DTYPE_UINT64, 1, 1, 100, &d_counts));
    CHECK_OK(medkern_volume_allocate(gpu, MEDKERN_DTYPE_UINT8, kNz, kNy, kNx, &d_out));
    CHECK(d_input.device == 0 && d_counts.device == 0 && d_out.device == 0);
    after = pool_stats(0);
    CHECK(after.bytes_in_use >= before.bytes_in_use + kN * 2 + 800 + kN);
    /* Device memory is not the CPU context's to touch or free. */
    CHECK_STATUS(medkern_histogram(cpu, &d_input, NULL, &hp, &d_counts),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(medkern_volume_free(cpu, &d_out), MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK(d_out.data != NULL);

    h_input = make_volume(MEDKERN_DTYPE_INT16, hu, kNz, kNy, kNx);
    h_counts = make_volume(MEDKERN_DTYPE_UINT64, counts, 1, 1, 100);
    h_out = make_volume(MEDKERN_DTYPE_UINT8, gpu_results.mask, kNz, kNy, kNx);
    CHECK_OK(medkern_volume_copy(gpu, &h_input, &d_input));
    {
      /* no mask here: compare with the CPU on the same input */
      medkern_volume cpu_counts_view =
          make_volume(MEDKERN_DTYPE_UINT64, cpu_results.counts, 1, 1, 100);
      CHECK_OK(medkern_histogram(cpu, &h_input, NULL, &hp, &cpu_counts_view));
    }
    CHECK_OK(medkern_histogram(gpu, &d_input, NULL, &hp, &d_counts));
    CHECK_OK(medkern_threshold(gpu, &d_input, &d_out, &tp));
    CHECK_OK(medkern_volume_copy(gpu, &d_counts, &h_counts));
    memset(gpu_results.mask, 0xEE, kN);
    CHECK_OK(medkern_volume_copy(gpu, &d_out, &h_out));
    CHECK_OK(medkern_context_synchronize(gpu));
    CHECK(memcmp(counts, cpu_results.counts, sizeof counts) == 0);
    CHECK(memcmp(gpu_results.mask, cpu_results.mask, kN) == 0);
    {
      /* device output, host input */
      CHECK_OK(medkern_histogram(gpu, &h_input, NULL, &hp, &d_counts));
      memset(counts, 0, sizeof counts);
      CHECK_OK(medkern_volume_copy(gpu, &d_counts, &h_counts));
      CHECK(memcmp(counts, cpu_results.counts, sizeof counts) == 0);
    }

    CHECK_OK(medkern_volume_free(gpu, &d_input));
    CHECK_OK(medkern_volume_free(gpu, &d_counts));
    CHECK(d_input.data == NULL && d_counts.data == NULL);

    /* Release by tag on the device. */
    CHECK_OK(medkern_context_set_tag(gpu, 77));
    CHECK_OK(medkern_volume_allocate(gpu, MEDKERN_DTYPE_FLOAT32, 1, 10, 10, &d_input));
    CHECK_OK(medkern_context_set_tag(gpu, 0));
    CHECK_OK(medkern_context_synchronize(gpu));
    CHECK_OK(medkern_pool_release_tag(0, 77, &released));
    CHECK(released == 400);
    CHECK_OK(medkern_volume_free(gpu, &d_input)); /* harmless after the release */
    CHECK_OK(medkern_volume_free(gpu, &d_out));
    CHECK_OK(medkern_context_synchronize(gpu));
    after = pool_stats(0);
    CHECK(after.bytes_in_use == before.bytes_in_use);
    CHECK_OK(medkern_pool_reset_peak(0));
    CHECK_OK(medkern_pool_trim(0));

    /* The device pool's limit. */
    CHECK_OK(medkern_pool_set_limit(0, after.bytes_in_use + 4096));
    CHECK_STATUS(medkern_volume_allocate(gpu, MEDKERN_DTYPE_FLOAT32, 1, 1, 2048, &d_input),
                 MEDKERN_ERROR_OUT_OF_MEMORY);
    CHECK_OK(medkern_pool_set_limit(0, 0));
  }

  CHECK_OK(medkern_context_synchronize(gpu));
  medkern_context_destroy(gpu);
  free(cpu_results.mask);
  free(gpu_results.mask);
  free(cpu_results.components);
  free(gpu_results.components);
  free(hu);
  free(f);
  free(labels);
  free(mask);
}

/* ---------------------------------------------------------------- DICOM */

/* MEDKERN_TEST_CT_SMALL: pydicom's CT_small.dcm (CTest sets it where pydicom is installed);
 * the values below are pydicom's pixel_array - 1024 (RescaleIntercept). */
static void test_dicom(void) {
  medkern_dicom_options options;
  medkern_dicom_series* series = (medkern_dicom_series*)1;
  medkern_dicom_series_list* list = (medkern_dicom_series_list*)1;
  const char* missing[1] = {"/nonexistent/medkern/dicom"};
  const char* with_null[2] = {"/tmp", NULL};
  const char* ct_small = getenv("MEDKERN_TEST_CT_SMALL");
  const int32_t available = medkern_dicom_available();

  g_section = "dicom_options";
  CHECK(available == 0 || available == 1);
  CHECK_STATUS(medkern_dicom_options_init(NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  memset(&options, 0x7f, sizeof options);
  CHECK_OK(medkern_dicom_options_init(&options));
  CHECK(options.struct_size == sizeof options);
  CHECK(options.output_dtype == 0 && options.series_uid == NULL);
  CHECK(options.allow_irregular_spacing == 0 && options.allow_gantry_tilt == 0);
  CHECK(options.recursive == 0 && options.num_threads == 0);

  g_section = "dicom_errors";
  CHECK_STATUS(medkern_dicom_load_series(missing, 1, NULL, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("series");
  CHECK_STATUS(medkern_dicom_load_series(NULL, 1, NULL, &series), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK(series == NULL);
  CHECK_MESSAGE("paths");
  CHECK_STATUS(medkern_dicom_load_series(missing, 0, NULL, &series),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("num_paths");
  CHECK_STATUS(medkern_dicom_load_series(with_null, 2, NULL, &series),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("paths[1]");
  options.output_dtype = MEDKERN_DTYPE_UINT8;
  CHECK_STATUS(medkern_dicom_load_series(missing, 1, &options, &series),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("output_dtype");
  options.output_dtype = 0;
  options.struct_size = 2;
  CHECK_STATUS(medkern_dicom_load_series(missing, 1, &options, &series),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("struct_size");
  options.struct_size = sizeof options;
  CHECK_STATUS(medkern_dicom_list_series(missing, 1, NULL, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_dicom_list_series(missing, -3, NULL, &list), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK(list == NULL);
  if (!available) {
    CHECK_STATUS(medkern_dicom_load_series(missing, 1, NULL, &series), MEDKERN_ERROR_NOT_SUPPORTED);
    CHECK_MESSAGE("without DICOM support");
    CHECK_STATUS(medkern_dicom_list_series(missing, 1, NULL, &list), MEDKERN_ERROR_NOT_SUPPORTED);
    medkern_dicom_series_free(NULL);
    medkern_dicom_series_list_free(NULL);
    return;
  }
  CHECK_STATUS(medkern_dicom_load_series(missing, 1, NULL, &series), MEDKERN_ERROR_IO);
  CHECK_MESSAGE("/nonexistent/medkern/dicom");
  CHECK(series == NULL);
  CHECK_STATUS(medkern_dicom_list_series(missing, 1, NULL, &list), MEDKERN_ERROR_IO);
  medkern_dicom_series_free(NULL);
  medkern_dicom_series_list_free(NULL);
  if (ct_small == NULL || ct_small[0] == '\0') {
    printf("dicom: MEDKERN_TEST_CT_SMALL not set, the CT_small.dcm checks are skipped\n");
    return;
  }

  g_section = "dicom_load_series";
  CHECK_OK(medkern_dicom_load_series(&ct_small, 1, &options, &series));
  if (series != NULL) {
    const int16_t* hu = (const int16_t*)series->volume.data;
    int64_t sum = 0, i;
    CHECK(series->struct_size == sizeof *series);
    CHECK(series->volume.dtype == MEDKERN_DTYPE_INT16);
    CHECK(series->volume.device == MEDKERN_DEVICE_HOST);
    CHECK(series->volume.shape[0] == 1 && series->volume.shape[1] == 128 &&
          series->volume.shape[2] == 128);
    CHECK(series->volume.strides[0] == 128 * 128 && series->volume.strides[2] == 1);
    CHECK(series->volume.spacing[0] == 5.0);
    CHECK(series->volume.spacing[1] == 0.661468 && series->volume.spacing[2] == 0.661468);
    CHECK(hu[0] == -849 && hu[64 * 128 + 64] == 904 && hu[128 * 128 - 1] == -115);
    for (i = 0; i < 128 * 128; ++i) sum += hu[i];
    CHECK(sum == -1950906);
    CHECK(series->origin[0] == -158.135803 && series->origin[2] == -75.699997);
    CHECK(series->orientation[0] == 0.0 && series->orientation[2] == 1.0); /* normal +z */
    CHECK(series->orientation[4] == 1.0 && series->orientation[6] == 1.0); /* y, x */
    CHECK(series->slice_thickness == 5.0);
    CHECK(strcmp(series->patient_id, "1CT1") == 0);
    CHECK(strcmp(series->modality, "CT") == 0);
    CHECK(strcmp(series->series_uid, "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322") == 0);
    CHECK(strcmp(series->study_uid, "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322") == 0);
    CHECK(strcmp(series->series_description, "") == 0);
    CHECK(series->num_warnings == 0 && series->warnings == NULL);
    medkern_dicom_series_free(series);
  }
  options.output_dtype = MEDKERN_DTYPE_FLOAT32;
  options.series_uid = "1.2.3";
  CHECK_STATUS(medkern_dicom_load_series(&ct_small, 1, &options, &series),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322");
  options.series_uid = "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322";
  CHECK_OK(medkern_dicom_load_series(&ct_small, 1, &options, &series));
  if (series != NULL) {
    CHECK(series->volume.dtype == MEDKERN_DTYPE_FLOAT32);
    CHECK(((const float*)series->volume.data)[64 * 128 + 64] == 904.0f);
    medkern_dicom_series_free(series);
  }

  g_section = "dicom_list_series";
  CHECK_OK(medkern_dicom_list_series(&ct_small, 1, NULL, &list));
  if (list != NULL) {
    CHECK(list->num_series == 1 && list->num_warnings == 0);
    CHECK(strcmp(list->series[0].series_uid, "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322") == 0);
    CHECK(list->series[0].num_files == 1 && list->series[0].series_number == 1);
    CHECK(list->series[0].rows == 128 && list->series[0].columns == 128);
    CHECK(strcmp(list->series[0].modality, "CT") == 0);
    medkern_dicom_series_list_free(list);
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
  test_median(cpu, "median");
  test_anisotropic_diffusion(cpu, "anisotropic_diffusion");
  test_gaussian_and_edges(cpu, "gaussian, edges");
  test_calcium(cpu, "calcium");
  test_calcium_errors(cpu);
  test_cuda(cpu, device_count);
  test_dicom();
  medkern_context_destroy(cpu);

  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
