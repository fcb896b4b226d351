/* medkern.h from C99: status and version, devices, contexts. */
#include "capi_test.h"

void test_version_and_status(void) {
  char expected[64];
  g_section = "version";
  sprintf(expected, "%d.%d.%d", MEDKERN_VERSION_MAJOR, MEDKERN_VERSION_MINOR,
          MEDKERN_VERSION_PATCH);
  CHECK(medkern_version() != NULL);
  CHECK(strcmp(medkern_version(), expected) == 0);
  CHECK(strcmp(medkern_version(), "0.3.0") == 0);
  CHECK(MEDKERN_VERSION_NUMBER ==
        MEDKERN_VERSION_MAJOR * 10000 + MEDKERN_VERSION_MINOR * 100 + MEDKERN_VERSION_PATCH);
  CHECK(MEDKERN_VERSION_NUMBER == 300);
  CHECK(medkern_version_number() == MEDKERN_VERSION_NUMBER);

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

int32_t test_devices(void) {
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

medkern_context* test_contexts(int32_t device_count) {
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
  /* Thread counts the system cannot start are refused up front, never started (100,000
   * threads crashed, INT32_MAX made the OpenMP runtime end the process). */
  options.num_threads = 100000;
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("num_threads");
  CHECK(context == NULL);
  options.num_threads = INT32_MAX;
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("hardware threads");
  options.device = MEDKERN_DEVICE_AUTO; /* refused whatever the device */
  CHECK_STATUS(medkern_context_create(&options, &context), MEDKERN_ERROR_INVALID_ARGUMENT);
  options.device = MEDKERN_DEVICE_HOST;

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
