/* medkern.h from C99: the ops on a CUDA context, against the CPU. */
#include "capi_test.h"

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
  CHECK_OK(histogram_both(context, &hu_view, &mask_view, &hp, &counts_view));
  CHECK_OK(medkern_threshold(context, &hu_view, &out_view, &tp));
  CHECK_OK(otsu_both(context, &hu_view, NULL, 256, &out->otsu_int));
  CHECK_OK(otsu_both(context, &f_view, &mask_view, 128, &out->otsu_float));
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

void test_cuda(medkern_context* cpu, int32_t device_count) {
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
  test_watershed(gpu, "cuda watershed");
  test_regional_minima(gpu, "cuda regional_minima");
  test_gaussian(gpu, "cuda gaussian");
  test_edges(gpu, "cuda edges");
  test_median(gpu, "cuda median");
  test_anisotropic_diffusion(gpu, "cuda anisotropic_diffusion");
  test_calcium(gpu, "cuda calcium");
  test_perfusion(gpu, "cuda perfusion");
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
    CHECK_OK(histogram_both(gpu, &d_input, NULL, &hp, &d_counts));
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
    /* Gone with its tag: freeing it again is refused, and harmless. */
    CHECK_STATUS(medkern_volume_free(gpu, &d_input), MEDKERN_ERROR_INVALID_ARGUMENT);
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
