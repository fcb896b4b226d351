/* medkern.h from C99: volumes and memory. */
#include <malloc.h>

#include "capi_test.h"

void test_volume_init(void) {
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

void test_memory(medkern_context* cpu) {
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
  /* Volumes of a released tag are gone: freeing them again is refused, and harmless. */
  CHECK_STATUS(medkern_volume_free(cpu, &a), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("freed already");
  CHECK_STATUS(medkern_volume_free(cpu, &b), MEDKERN_ERROR_INVALID_ARGUMENT);
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

/* The bytes of the C heap in use (glibc). */
static size_t heap_in_use(void) {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks;
}

/* Volumes freed by a tag release leave nothing behind in the library: 100,000 of them (whose
 * bookkeeping would take about 10 MB if it stayed) allocated and released move the heap by
 * less than 4 MB (the pool's hash table keeps its buckets). */
void test_release_tag_forgets(medkern_context* cpu) {
  enum { kVolumes = 100000 };
  medkern_volume volume;
  size_t before, after;
  int i, failures = 0;
  g_section = "pool_release_tag_forgets";
  CHECK_OK(medkern_context_set_tag(cpu, 4242));
  before = heap_in_use();
  for (i = 0; i < kVolumes; ++i) {
    failures += medkern_volume_allocate(cpu, MEDKERN_DTYPE_UINT8, 1, 1, 1, &volume) != MEDKERN_OK;
  }
  CHECK_OK(medkern_pool_release_tag(MEDKERN_DEVICE_HOST, 4242, NULL));
  after = heap_in_use();
  CHECK_OK(medkern_context_set_tag(cpu, 0));
  CHECK(failures == 0);
  printf("  heap in use before %zu, after %zu bytes\n", before, after);
  CHECK(after < before + 4000000);
  /* A volume of the released tag is unknown now: freeing it is refused. */
  CHECK_STATUS(medkern_volume_free(cpu, &volume), MEDKERN_ERROR_INVALID_ARGUMENT);
}

void test_copy(medkern_context* context) {
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
