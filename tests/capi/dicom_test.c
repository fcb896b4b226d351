/* medkern.h from C99: DICOM. */
#define _POSIX_C_SOURCE 200809L /* mkfifo, alarm and getpid are POSIX, not C99 */
#include <sys/stat.h>
#include <unistd.h>

#include "capi_test.h"

/* A FIFO given as a path must be refused, not opened: opening it for reading would wait for
 * a writer forever, so an alarm ends the program (a failure) instead. */
static void test_dicom_fifo(void) {
  char fifo[96];
  const char* paths[1];
  medkern_dicom_series* series = NULL;
  medkern_dicom_series_list* list = NULL;
  g_section = "dicom_fifo";
  snprintf(fifo, sizeof fifo, "/tmp/medkern_capi_fifo_%ld.dcm", (long)getpid());
  paths[0] = fifo;
  remove(fifo);
  if (mkfifo(fifo, 0600) != 0) {
    CHECK(!"mkfifo");
    return;
  }
  alarm(60);
  CHECK_STATUS(medkern_dicom_load_series(paths, 1, NULL, &series), MEDKERN_ERROR_IO);
  CHECK_MESSAGE("not a regular file");
  CHECK(series == NULL);
  CHECK_STATUS(medkern_dicom_list_series(paths, 1, NULL, &list), MEDKERN_ERROR_IO);
  CHECK_MESSAGE(fifo);
  CHECK(list == NULL);
  alarm(0);
  remove(fifo);
}

/* MEDKERN_TEST_CT_SMALL: pydicom's CT_small.dcm (CTest sets it where pydicom is installed);
 * the values below are pydicom's pixel_array - 1024 (RescaleIntercept). */
void test_dicom(void) {
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
  test_dicom_fifo();
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
