/* medkern.h from C99: perfusion maps, the AIF of a region, time-intensity curves. */
#include "capi_test.h"

/* One map set for a frame of `voxels` voxels, (1, 1, voxels). */
typedef struct maps_buffers {
  float cbf[4], cbv[4], mtt[4], tmax[4], ttp[4], arrival[4];
  uint8_t valid[4];
  medkern_perfusion_maps_out out;
} maps_buffers;

static void init_maps(maps_buffers* m, int64_t voxels) {
  int i;
  for (i = 0; i < 4; ++i) {
    m->cbf[i] = m->cbv[i] = m->mtt[i] = m->tmax[i] = m->ttp[i] = m->arrival[i] = -1.0f;
    m->valid[i] = 7;
  }
  memset(&m->out, 0, sizeof m->out);
  m->out.struct_size = sizeof m->out;
  m->out.cbf = make_volume(MEDKERN_DTYPE_FLOAT32, m->cbf, 1, 1, voxels);
  m->out.cbv = make_volume(MEDKERN_DTYPE_FLOAT32, m->cbv, 1, 1, voxels);
  m->out.mtt = make_volume(MEDKERN_DTYPE_FLOAT32, m->mtt, 1, 1, voxels);
  m->out.tmax = make_volume(MEDKERN_DTYPE_FLOAT32, m->tmax, 1, 1, voxels);
  m->out.ttp = make_volume(MEDKERN_DTYPE_FLOAT32, m->ttp, 1, 1, voxels);
  m->out.arrival = make_volume(MEDKERN_DTYPE_FLOAT32, m->arrival, 1, 1, voxels);
  m->out.valid = make_volume(MEDKERN_DTYPE_UINT8, m->valid, 1, 1, voxels);
}

/* Concentrations as they are, no hematocrit or density scaling. */
static medkern_perfusion_params unscaled_params(int32_t method) {
  medkern_perfusion_params params;
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.modality = MEDKERN_PERFUSION_CONCENTRATION;
  params.method = method;
  params.truncation = -1.0;
  params.oscillation_index = 0.095;
  params.baseline_frames = 0;
  params.hematocrit_large = 0.0;
  params.hematocrit_small = 0.0;
  params.density_g_per_ml = 1.0;
  return params;
}

static const double kTimes[6] = {0.0, 2.0, 4.0, 6.0, 8.0, 10.0};
static const double kImpulse[6] = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0};

/* An AIF of one unit of concentration in the first frame makes the convolution matrix dt
 * times the identity: nothing is truncated and the residue is the tissue curve over dt. The
 * tissue curve 0, 0.5, 2, 1, 0.5, 0 (dt 2 s): residue peak 1 at sample 2, so CBF 6000; areas
 * 8 (tissue) and 1 (AIF), so CBV 800, MTT 60 * 800 / 6000 = 8 s; the parabola through (1,
 * 0.25), (2, 1), (3, 0.5) peaks at 2.1 samples, Tmax 4.2 s; TTP 4 s; 10 % of the peak, 0.2,
 * is reached at 0.8 s. The second voxel never enhances. */
static void check_impulse_maps(const maps_buffers* m) {
  CHECK_NEAR(m->cbf[0], 6000.0, 1e-5);
  CHECK_NEAR(m->cbv[0], 800.0, 1e-5);
  CHECK_NEAR(m->mtt[0], 8.0, 1e-5);
  CHECK_NEAR(m->tmax[0], 4.2, 1e-5);
  CHECK(m->ttp[0] == 4.0f);
  CHECK_NEAR(m->arrival[0], 0.8, 1e-5);
  CHECK(m->valid[0] == 1);
  CHECK(m->cbf[1] == 0.0f && m->cbv[1] == 0.0f && m->mtt[1] == 0.0f);
  CHECK(m->tmax[1] == 0.0f && m->ttp[1] == 0.0f && m->arrival[1] == 0.0f);
  CHECK(m->valid[1] == 0);
}

void test_perfusion(medkern_context* context, const char* name) {
  static const float curve[6] = {0.0f, 0.5f, 2.0f, 1.0f, 0.5f, 0.0f};
  float series_data[12];
  medkern_series series;
  medkern_perfusion_params params;
  medkern_perfusion_info info;
  maps_buffers m;
  int t;

  g_section = name;
  memset(series_data, 0, sizeof series_data);
  for (t = 0; t < 6; ++t) series_data[t * 2] = curve[t];
  CHECK_OK(medkern_series_init(&series, MEDKERN_DTYPE_FLOAT32, series_data, 6, 1, 1, 2));
  CHECK(series.struct_size == sizeof(medkern_series));
  CHECK(series.frames == 6 && series.frame_stride == 2);
  CHECK(series.first.shape[0] == 1 && series.first.shape[1] == 1 && series.first.shape[2] == 2);
  CHECK(series.first.strides[0] == 2 && series.first.strides[2] == 1);
  CHECK(series.first.device == MEDKERN_DEVICE_HOST && series.first.data == series_data);

  /* sSVD and cSVD see the same identity matrix; both give the hand values. */
  init_maps(&m, 2);
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                  &params, &info));
  check_impulse_maps(&m);
  CHECK(info.struct_size == sizeof info);
  CHECK(info.samples == 6);
  CHECK(info.sample_interval_s == 2.0);
  CHECK(info.baseline_frames == 1);
  CHECK_NEAR(info.truncation, 0.2, 1e-12); /* sSVD's default */
  {
    /* A VOF of twice the AIF's area: the AIF is scaled up to it, CBF and CBV halve. */
    static const double kVof[6] = {2.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    maps_buffers scaled;
    init_maps(&scaled, 2);
    CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, kImpulse, kVof, 6, NULL,
                                    &scaled.out, &params, NULL));
    CHECK_NEAR(scaled.cbf[0], 3000.0, 1e-5);
    CHECK_NEAR(scaled.cbv[0], 400.0, 1e-5);
    CHECK_NEAR(scaled.mtt[0], 8.0, 1e-5);
  }

  init_maps(&m, 2);
  params = unscaled_params(MEDKERN_DECONVOLUTION_CSVD);
  params.truncation = 0.05;
  CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                  &params, &info));
  check_impulse_maps(&m);
  CHECK_NEAR(info.truncation, 0.05, 1e-12);

  /* A mask that leaves out the enhancing voxel: nothing is valid. */
  {
    uint8_t mask_data[2] = {0, 1};
    medkern_volume mask = make_volume(MEDKERN_DTYPE_UINT8, mask_data, 1, 1, 2);
    init_maps(&m, 2);
    params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
    CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, &mask, &m.out,
                                    &params, NULL));
    CHECK(m.valid[0] == 0 && m.valid[1] == 0);
    CHECK(m.cbf[0] == 0.0f && m.cbv[0] == 0.0f);
  }

  /* NULL params are the defaults: CT, oSVD, kH = 0.55 / 0.75 and density 1.04. A CT series
   * (int16, HU): baseline 40 HU in every frame before the bolus, the AIF a one-frame bolus of
   * +100 HU after one baseline frame and the tissue +10 HU a frame later, so the residue is
   * a shifted impulse, which the circulant matrix of oSVD recovers. */
  {
    int16_t ct[12];
    static const double aif_hu[6] = {40.0, 140.0, 40.0, 40.0, 40.0, 40.0};
    const double scale = (1.0 - 0.45) / (1.0 - 0.25) / 1.04;
    medkern_perfusion_params defaults;
    for (t = 0; t < 12; ++t) ct[t] = 40;
    ct[2 * 2] = 50; /* voxel 0, frame 2 */
    CHECK_OK(medkern_series_init(&series, MEDKERN_DTYPE_INT16, ct, 6, 1, 1, 2));
    init_maps(&m, 2);
    CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, aif_hu, NULL, 6, NULL, &m.out, NULL,
                                    &info));
    CHECK(info.baseline_frames == 1);
    /* Tissue area 2 * 10 = 20 over the AIF's 2 * 100 = 200; the residue 10 / (2 * 100) =
     * 0.05 per second one sample after the AIF. */
    CHECK_NEAR(m.cbv[0], 100.0 * 0.1 * scale, 1e-5);
    CHECK_NEAR(m.cbf[0], 6000.0 * 0.05 * scale, 1e-4);
    CHECK_NEAR(m.tmax[0], 2.0, 1e-5);
    CHECK(m.ttp[0] == 4.0f);
    CHECK(m.valid[0] == 1 && m.valid[1] == 0);
    /* The same as every default written out. */
    memset(&defaults, 0, sizeof defaults);
    defaults.struct_size = sizeof defaults;
    defaults.modality = MEDKERN_PERFUSION_CT;
    defaults.method = MEDKERN_DECONVOLUTION_OSVD;
    defaults.truncation = -1.0;
    defaults.oscillation_index = 0.095;
    defaults.hematocrit_large = 0.45;
    defaults.hematocrit_small = 0.25;
    defaults.density_g_per_ml = 1.04;
    {
      maps_buffers again;
      init_maps(&again, 2);
      CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, aif_hu, NULL, 6, NULL, &again.out,
                                      &defaults, NULL));
      CHECK(memcmp(again.cbf, m.cbf, sizeof m.cbf) == 0);
      CHECK(memcmp(again.cbv, m.cbv, sizeof m.cbv) == 0);
      /* A caller that knows only the modality: the rest are the defaults. */
      init_maps(&again, 2);
      defaults.struct_size = (uint32_t)(offsetof(medkern_perfusion_params, modality) + 4);
      defaults.density_g_per_ml = 123.0; /* beyond struct_size: not read */
      CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, aif_hu, NULL, 6, NULL, &again.out,
                                      &defaults, NULL));
      CHECK(memcmp(again.cbf, m.cbf, sizeof m.cbf) == 0);
    }
  }

  /* The AIF of a region, and the time-intensity curves of labels (int16, two frames of a
   * 1 x 2 x 3 volume; labels 1 (three voxels), 3 (two voxels), background). */
  {
    int16_t values[12] = {1, 2, 3, 10, 20, 0, 4, 6, 8, 30, 50, 0};
    int32_t labels_data[6] = {1, 1, 1, 3, 3, 0};
    uint8_t region[6] = {1, 1, 1, 1, 1, 0};
    double mean[2] = {-1.0, -1.0};
    medkern_volume labels = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 2, 3);
    medkern_volume aif_mask = make_volume(MEDKERN_DTYPE_UINT8, region, 1, 2, 3);
    medkern_time_intensity_curves_result* result = NULL;

    CHECK_OK(medkern_series_init(&series, MEDKERN_DTYPE_INT16, values, 2, 1, 2, 3));
    CHECK_OK(medkern_perfusion_mean_curve(context, &series, &aif_mask, mean, 2));
    CHECK(mean[0] == (1 + 2 + 3 + 10 + 20) / 5.0);
    CHECK(mean[1] == (4 + 6 + 8 + 30 + 50) / 5.0);

    CHECK_OK(medkern_time_intensity_curves(context, &series, &labels, &result));
    CHECK(result != NULL);
    if (result != NULL) {
      CHECK(result->struct_size == sizeof(medkern_time_intensity_curves_result));
      CHECK(result->frames == 2);
      CHECK(result->num_labels == 2);
      if (result->num_labels == 2) {
        CHECK(result->labels[0] == 1 && result->labels[1] == 3);
        CHECK(result->count[0] == 3 && result->count[1] == 2);
        CHECK(result->mean[0] == 2.0 && result->mean[1] == 6.0);
        CHECK(result->mean[2] == 15.0 && result->mean[3] == 40.0);
        /* Population deviations: {1, 2, 3}, {4, 6, 8}, {10, 20}, {30, 50}. */
        CHECK_NEAR(result->std[0], sqrt(2.0 / 3.0), 1e-12);
        CHECK_NEAR(result->std[1], sqrt(8.0 / 3.0), 1e-12);
        CHECK_NEAR(result->std[2], 5.0, 1e-12);
        CHECK_NEAR(result->std[3], 10.0, 1e-12);
      }
      medkern_time_intensity_curves_free(result);
      result = NULL;
    }
    /* Frames in reverse order through a negative frame stride, uint8 labels. */
    {
      uint8_t labels8[6] = {1, 1, 1, 3, 3, 0};
      medkern_volume labels_u8 = make_volume(MEDKERN_DTYPE_UINT8, labels8, 1, 2, 3);
      series.first.data = values + 6;
      series.frame_stride = -6;
      CHECK_OK(medkern_time_intensity_curves(context, &series, &labels_u8, &result));
      CHECK(result != NULL && result->num_labels == 2);
      if (result != NULL && result->num_labels == 2) {
        CHECK(result->mean[0] == 6.0 && result->mean[1] == 2.0);
        CHECK(result->mean[2] == 40.0 && result->mean[3] == 15.0);
      }
      medkern_time_intensity_curves_free(result);
      result = NULL;
    }
    /* All background: no labels, NULL arrays. */
    {
      int32_t zeros[6] = {0, 0, 0, 0, 0, 0};
      medkern_volume background = make_volume(MEDKERN_DTYPE_INT32, zeros, 1, 2, 3);
      CHECK_OK(medkern_series_init(&series, MEDKERN_DTYPE_INT16, values, 2, 1, 2, 3));
      CHECK_OK(medkern_time_intensity_curves(context, &series, &background, &result));
      CHECK(result != NULL && result->num_labels == 0 && result->frames == 2);
      CHECK(result != NULL && result->labels == NULL && result->mean == NULL);
      medkern_time_intensity_curves_free(result);
    }
  }
}

void test_perfusion_errors(medkern_context* context) {
  float data[12];
  int16_t wide[12];
  uint8_t mask_data[2] = {1, 1};
  int32_t wrong_mask[2] = {1, 1};
  double curve[6];
  medkern_series series, bad;
  medkern_volume mask = make_volume(MEDKERN_DTYPE_UINT8, mask_data, 1, 1, 2);
  medkern_volume int_mask = make_volume(MEDKERN_DTYPE_INT32, wrong_mask, 1, 1, 2);
  medkern_perfusion_params params;
  medkern_perfusion_info info;
  medkern_time_intensity_curves_result* result = NULL;
  maps_buffers m;
  int t;

  g_section = "perfusion errors";
  memset(data, 0, sizeof data);
  memset(wide, 0, sizeof wide);
  data[2 * 2] = 1.0f;
  medkern_series_init(&series, MEDKERN_DTYPE_FLOAT32, data, 6, 1, 1, 2);
  init_maps(&m, 2);
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);

  CHECK_STATUS(medkern_series_init(NULL, MEDKERN_DTYPE_FLOAT32, data, 6, 1, 1, 2),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("series is NULL");

  /* NULL pointers */
  CHECK_STATUS(
      medkern_perfusion_maps(NULL, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_perfusion_maps: context is NULL");
  CHECK_STATUS(
      medkern_perfusion_maps(context, NULL, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("series is NULL");
  CHECK_STATUS(medkern_perfusion_maps(context, &series, NULL, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("times_s is NULL");
  CHECK_STATUS(
      medkern_perfusion_maps(context, &series, kTimes, NULL, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("aif is NULL");
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, NULL,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("maps is NULL");

  /* counts */
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 5, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("count");
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 0, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("count");
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, -6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);

  /* struct sizes */
  params.struct_size = 4; /* before the modality */
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_perfusion_params");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  m.out.struct_size = (uint32_t)offsetof(medkern_perfusion_maps_out, valid);
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_perfusion_maps_out");
  init_maps(&m, 2);
  bad = series;
  bad.struct_size = (uint32_t)offsetof(medkern_series, frame_stride);
  CHECK_STATUS(
      medkern_perfusion_maps(context, &bad, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_series");
  bad = series;
  bad.first.struct_size = 2;
  CHECK_STATUS(
      medkern_perfusion_maps(context, &bad, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("series->first");
  memset(&info, 0, sizeof info);
  info.struct_size = 4;
  info.samples = 99;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, &info),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("medkern_perfusion_info");
  CHECK(info.samples == 99); /* left as it was */
  /* An info struct of an older caller (up to sample_interval_s) is written that far only. */
  info.struct_size = (uint32_t)offsetof(medkern_perfusion_info, samples);
  CHECK_OK(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                  &params, &info));
  CHECK(info.sample_interval_s == 2.0);
  CHECK(info.samples == 99);
  CHECK(info.struct_size == (uint32_t)offsetof(medkern_perfusion_info, samples));

  /* enum codes */
  params.method = 4;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("MEDKERN_DECONVOLUTION_TIKHONOV");
  params.method = -1;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("method");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  params.modality = 3;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("MEDKERN_PERFUSION_CONCENTRATION");

  /* values */
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  params.modality = MEDKERN_PERFUSION_MR; /* no echo time */
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("te_s");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  params.truncation = 1.0;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("truncation");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  params.hematocrit_small = 1.0;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("hematocrit_small");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  params.density_g_per_ml = NAN;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("density_g_per_ml");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  params.baseline_frames = 7;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("baseline_frames");
  params = unscaled_params(MEDKERN_DECONVOLUTION_SSVD);
  {
    double shuffled[6] = {0.0, 2.0, 6.0, 4.0, 8.0, 10.0};
    double nan_aif[6] = {1.0, 0.0, NAN, 0.0, 0.0, 0.0};
    double flat[6] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    CHECK_STATUS(medkern_perfusion_maps(context, &series, shuffled, kImpulse, NULL, 6, NULL, &m.out,
                                        &params, NULL),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("times_s");
    CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, nan_aif, NULL, 6, NULL, &m.out,
                                        &params, NULL),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("aif");
    CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, flat, NULL, 6, NULL, &m.out,
                                        &params, NULL),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("bolus");
  }

  /* series, mask and maps */
  bad = series;
  bad.frames = 1;
  CHECK_STATUS(
      medkern_perfusion_maps(context, &bad, kTimes, kImpulse, NULL, 1, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("frames");
  bad = series;
  bad.frame_stride = INT64_MIN;
  CHECK_STATUS(
      medkern_perfusion_maps(context, &bad, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_OVERFLOW);
  bad = series;
  bad.first.data = NULL;
  CHECK_STATUS(
      medkern_perfusion_maps(context, &bad, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_INVALID_ARGUMENT);
  bad = series;
  bad.first.dtype = MEDKERN_DTYPE_INT32;
  CHECK_STATUS(
      medkern_perfusion_maps(context, &bad, kTimes, kImpulse, NULL, 6, NULL, &m.out, &params, NULL),
      MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("series");
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, &int_mask,
                                      &m.out, &params, NULL),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("mask");
  mask.shape[2] = 1;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, &mask, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  mask.shape[2] = 2;
  m.out.mtt.shape[2] = 1;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("mtt");
  init_maps(&m, 2);
  m.out.valid.dtype = MEDKERN_DTYPE_FLOAT32;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("valid");
  init_maps(&m, 2);
  m.out.cbf.dtype = 42;
  CHECK_STATUS(medkern_perfusion_maps(context, &series, kTimes, kImpulse, NULL, 6, NULL, &m.out,
                                      &params, NULL),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  CHECK_MESSAGE("maps->cbf");
  init_maps(&m, 2);

  g_section = "perfusion_mean_curve errors";
  for (t = 0; t < 6; ++t) curve[t] = -7.0;
  CHECK_STATUS(medkern_perfusion_mean_curve(NULL, &series, &mask, curve, 6),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("context is NULL");
  CHECK_STATUS(medkern_perfusion_mean_curve(context, NULL, &mask, curve, 6),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("series is NULL");
  CHECK_STATUS(medkern_perfusion_mean_curve(context, &series, NULL, curve, 6),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("aif_mask is NULL");
  CHECK_STATUS(medkern_perfusion_mean_curve(context, &series, &mask, NULL, 6),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("curve is NULL");
  CHECK_STATUS(medkern_perfusion_mean_curve(context, &series, &mask, curve, 5),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_MESSAGE("count");
  CHECK_STATUS(medkern_perfusion_mean_curve(context, &series, &mask, curve, 0),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_perfusion_mean_curve(context, &series, &int_mask, curve, 6),
               MEDKERN_ERROR_UNSUPPORTED_DTYPE);
  mask_data[0] = mask_data[1] = 0;
  CHECK_STATUS(medkern_perfusion_mean_curve(context, &series, &mask, curve, 6),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("selects no voxel");
  for (t = 0; t < 6; ++t) CHECK(curve[t] == -7.0); /* left as it was */

  g_section = "time_intensity_curves errors";
  {
    int32_t labels_data[2] = {1, 2};
    int32_t negative[2] = {1, -2};
    medkern_volume labels = make_volume(MEDKERN_DTYPE_INT32, labels_data, 1, 1, 2);
    medkern_volume bad_labels = make_volume(MEDKERN_DTYPE_INT32, negative, 1, 1, 2);
    CHECK_STATUS(medkern_time_intensity_curves(NULL, &series, &labels, &result),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("context is NULL");
    CHECK_STATUS(medkern_time_intensity_curves(context, NULL, &labels, &result),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("series is NULL");
    CHECK_STATUS(medkern_time_intensity_curves(context, &series, NULL, &result),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("labels is NULL");
    CHECK_STATUS(medkern_time_intensity_curves(context, &series, &labels, NULL),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("result is NULL");
    result = (medkern_time_intensity_curves_result*)&params; /* must be reset on failure */
    CHECK_STATUS(medkern_time_intensity_curves(context, &series, &bad_labels, &result),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK(result == NULL);
    labels.shape[2] = 1;
    CHECK_STATUS(medkern_time_intensity_curves(context, &series, &labels, &result),
                 MEDKERN_ERROR_SHAPE_MISMATCH);
    labels.shape[2] = 2;
    labels.dtype = MEDKERN_DTYPE_INT16;
    CHECK_STATUS(medkern_time_intensity_curves(context, &series, &labels, &result),
                 MEDKERN_ERROR_UNSUPPORTED_DTYPE);
    CHECK_MESSAGE("labels");
    labels.dtype = MEDKERN_DTYPE_INT32;
    bad = series;
    bad.first = make_volume(MEDKERN_DTYPE_INT32, wide, 1, 1, 2);
    CHECK_STATUS(medkern_time_intensity_curves(context, &bad, &labels, &result),
                 MEDKERN_ERROR_UNSUPPORTED_DTYPE);
    bad = series;
    bad.frames = 0;
    CHECK_STATUS(medkern_time_intensity_curves(context, &bad, &labels, &result),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("frames");
    bad = series;
    bad.struct_size = 0;
    CHECK_STATUS(medkern_time_intensity_curves(context, &bad, &labels, &result),
                 MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("medkern_series");
    CHECK(result == NULL);
  }
  medkern_time_intensity_curves_free(NULL); /* does nothing */
  CHECK(1);
}

/* The stroke summary of four voxels of 2 mm^3 (0.002 ml), counted by hand: Tmax 8, 8, 2, 2 s
 * and CBF 10, 40, 40, 40 with a reference of 40 (core below 12): hypoperfused 2 voxels, core
 * 1, mismatch ratio 2. The fourth voxel, invalid, is not counted. */
void test_stroke_summary(medkern_context* context) {
  maps_buffers m;
  medkern_stroke_params params;
  medkern_stroke_summary summary;
  uint8_t reference[4] = {0, 1, 1, 1};
  medkern_volume reference_mask = make_volume(MEDKERN_DTYPE_UINT8, reference, 1, 1, 4);
  int i;
  g_section = "stroke_summary";
  init_maps(&m, 4);
  for (i = 0; i < 4; ++i) {
    m.cbf[i] = i == 0 ? 10.0f : 40.0f;
    m.tmax[i] = i < 2 ? 8.0f : 2.0f;
    m.valid[i] = i < 3;
  }
  m.tmax[3] = 20.0f;
  m.cbf[3] = 0.0f;
  m.out.cbf.spacing[0] = 2.0;
  memset(&summary, 0xCD, sizeof summary);
  summary.struct_size = sizeof summary;
  CHECK_OK(medkern_stroke_summary_of(context, &m.out, &reference_mask, NULL, &summary));
  CHECK_NEAR(summary.reference_cbf, 40.0, 1e-12);
  CHECK_NEAR(summary.hypoperfusion_ml, 0.004, 1e-12);
  CHECK_NEAR(summary.core_ml, 0.002, 1e-12);
  CHECK_NEAR(summary.mismatch_ml, 0.002, 1e-12);
  CHECK_NEAR(summary.mismatch_ratio, 2.0, 1e-12);
  CHECK(summary.valid_voxels == 3);

  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.tmax_threshold_s = 6.0;
  params.relative_cbf_threshold = 0.3;
  params.reference_cbf = 20.0; /* core below 6: none */
  CHECK_OK(medkern_stroke_summary_of(context, &m.out, NULL, &params, &summary));
  CHECK(summary.core_ml == 0.0);
  CHECK(summary.mismatch_ratio > 1e308); /* infinite */

  CHECK_STATUS(medkern_stroke_summary_of(context, &m.out, NULL, NULL, &summary),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("reference");
  CHECK_STATUS(medkern_stroke_summary_of(context, NULL, &reference_mask, NULL, &summary),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_stroke_summary_of(context, &m.out, &reference_mask, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params.relative_cbf_threshold = 1.5;
  CHECK_STATUS(medkern_stroke_summary_of(context, &m.out, &reference_mask, &params, &summary),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("relative_cbf_threshold");
  reference_mask.shape[2] = 3;
  reference_mask.strides[1] = 3;
  CHECK_STATUS(medkern_stroke_summary_of(context, &m.out, &reference_mask, NULL, &summary),
               MEDKERN_ERROR_SHAPE_MISMATCH);
}

/* Four voxels of six CT frames (1 s apart): voxels 0 and 1 an early, tall bolus (arteries),
 * 2 and 3 a late, low one. With every voxel a candidate and two clusters, the arteries form
 * the earliest cluster: the curve is their mean, frame by frame. */
void test_select_aif(medkern_context* context) {
  static const float kSignal[6][4] = {{40, 40, 40, 40}, {140, 120, 40, 41}, {90, 80, 45, 44},
                                      {60, 55, 50, 49}, {50, 48, 48, 49},   {45, 44, 46, 47}};
  static const double kTimes6[6] = {0, 1, 2, 3, 4, 5};
  float values[24];
  uint8_t selected[4] = {9, 9, 9, 9};
  double curve[6];
  int64_t voxels = -1;
  medkern_series series;
  medkern_volume selected_volume = make_volume(MEDKERN_DTYPE_UINT8, selected, 1, 1, 4);
  medkern_aif_selection_params params;
  int t, v;
  g_section = "select_aif";
  for (t = 0; t < 6; ++t)
    for (v = 0; v < 4; ++v) values[t * 4 + v] = kSignal[t][v];
  CHECK_OK(medkern_series_init(&series, MEDKERN_DTYPE_FLOAT32, values, 6, 1, 1, 4));
  memset(&params, 0, sizeof params);
  params.struct_size = sizeof params;
  params.modality = MEDKERN_PERFUSION_CT;
  params.baseline_frames = 1;
  params.clusters = 2;
  params.area_fraction = 1.0;
  params.roughness_fraction = 1.0;
  CHECK_OK(medkern_select_aif(context, &series, kTimes6, 6, NULL, &params, &selected_volume, curve,
                              &voxels));
  CHECK(voxels == 2);
  CHECK(selected[0] == 1 && selected[1] == 1 && selected[2] == 0 && selected[3] == 0);
  CHECK_NEAR(curve[0], 40.0, 1e-9);
  CHECK_NEAR(curve[1], 130.0, 1e-9);
  CHECK_NEAR(curve[2], 85.0, 1e-9);
  CHECK_NEAR(curve[3], 57.5, 1e-9);
  CHECK_NEAR(curve[5], 44.5, 1e-9);

  CHECK_STATUS(medkern_select_aif(context, &series, kTimes6, 5, NULL, &params, &selected_volume,
                                  curve, &voxels),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_STATUS(medkern_select_aif(context, &series, kTimes6, 6, NULL, &params, &selected_volume,
                                  NULL, &voxels),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  params.clusters = 0;
  CHECK_STATUS(medkern_select_aif(context, &series, kTimes6, 6, NULL, &params, &selected_volume,
                                  curve, &voxels),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("clusters");
}

/* The washout curve of the C++ and Python tests, by hand: baseline 10, enhancement 0 0 0 20
 * 40 36 34 32 30 at 1 s. */
void test_curve_parameters(void) {
  static const double kCurve[9] = {10, 10, 10, 30, 50, 46, 44, 42, 40};
  static const double kTimes9[9] = {100, 101, 102, 103, 104, 105, 106, 107, 108};
  medkern_curve_parameters p;
  g_section = "curve_parameters";
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  CHECK_OK(medkern_curve_parameters_of(kCurve, kTimes9, 9, NULL, &p));
  CHECK_NEAR(p.baseline, 10.0, 1e-12);
  CHECK_NEAR(p.peak_enhancement, 40.0, 1e-12);
  CHECK_NEAR(p.relative_enhancement, 4.0, 1e-12);
  CHECK_NEAR(p.time_to_peak_s, 4.0, 1e-12);
  CHECK_NEAR(p.arrival_s, 2.2, 1e-12);
  CHECK_NEAR(p.area, 177.0, 1e-9);
  CHECK_NEAR(p.wash_in_slope, 20.0, 1e-12);
  CHECK_NEAR(p.wash_out_slope, -2.5, 1e-12);
  CHECK_NEAR(p.fwhm_s, 5.0, 1e-12);
  CHECK_NEAR(p.signal_enhancement_ratio, 40.0 / 30.0, 1e-12);
  CHECK(p.kinetic_type == 3);
  CHECK_STATUS(medkern_curve_parameters_of(kCurve, kTimes9, 1, NULL, &p),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_curve_parameters_of(NULL, kTimes9, 9, NULL, &p),
               MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(medkern_curve_parameters_of(kCurve, kTimes9, 9, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
}

/* Kinetic maps of two voxels over the nine frames of the curve test: voxel 0 the washout
 * curve (its parameters by hand), voxel 1 flat (no enhancement, zeros). */
void test_kinetic_maps(medkern_context* context) {
  static const double kCurve[9] = {10, 10, 10, 30, 50, 46, 44, 42, 40};
  static const double kTimes9[9] = {100, 101, 102, 103, 104, 105, 106, 107, 108};
  float values[18], out[11][2];
  uint8_t types[2] = {9, 9};
  medkern_series series;
  medkern_kinetic_maps_out maps;
  medkern_volume* outputs[11];
  int i;
  g_section = "kinetic_maps";
  for (i = 0; i < 9; ++i) {
    values[2 * i] = (float)kCurve[i];
    values[2 * i + 1] = 7.0f;
  }
  CHECK_OK(medkern_series_init(&series, MEDKERN_DTYPE_FLOAT32, values, 9, 1, 1, 2));
  memset(&maps, 0, sizeof maps);
  maps.struct_size = sizeof maps;
  outputs[0] = &maps.baseline;
  outputs[1] = &maps.peak_enhancement;
  outputs[2] = &maps.relative_enhancement;
  outputs[3] = &maps.time_to_peak;
  outputs[4] = &maps.arrival;
  outputs[5] = &maps.area;
  outputs[6] = &maps.wash_in_slope;
  outputs[7] = &maps.wash_out_slope;
  outputs[8] = &maps.first_moment;
  outputs[9] = &maps.fwhm;
  outputs[10] = &maps.signal_enhancement_ratio;
  for (i = 0; i < 11; ++i) *outputs[i] = make_volume(MEDKERN_DTYPE_FLOAT32, out[i], 1, 1, 2);
  maps.kinetic_type = make_volume(MEDKERN_DTYPE_UINT8, types, 1, 1, 2);
  CHECK_OK(medkern_kinetic_maps(context, &series, kTimes9, 9, NULL, &maps, NULL));
  CHECK_NEAR(out[0][0], 10.0, 1e-6);
  CHECK_NEAR(out[1][0], 40.0, 1e-6);
  CHECK_NEAR(out[3][0], 4.0, 1e-6);
  CHECK_NEAR(out[5][0], 177.0, 1e-4);
  CHECK_NEAR(out[9][0], 5.0, 1e-6);
  CHECK(types[0] == 3);
  CHECK_NEAR(out[0][1], 7.0, 1e-6); /* flat: its baseline, nothing else */
  CHECK(out[1][1] == 0.0f && types[1] == 0);
  CHECK_STATUS(medkern_kinetic_maps(context, &series, kTimes9, 8, NULL, &maps, NULL),
               MEDKERN_ERROR_SHAPE_MISMATCH);
  CHECK_STATUS(medkern_kinetic_maps(context, &series, kTimes9, 9, NULL, NULL, NULL),
               MEDKERN_ERROR_INVALID_ARGUMENT);
}
