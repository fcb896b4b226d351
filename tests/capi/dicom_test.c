/* medkern.h from C99: DICOM. */
#define _POSIX_C_SOURCE 200809L /* mkfifo, mkdir, alarm and getpid are POSIX, not C99 */
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

/* ---------------------------------------------------------------- a dynamic series by hand */

/* An explicit VR little endian element of `group`, `element`, `vr` and `length` bytes. */
static void put_element(FILE* f, uint16_t group, uint16_t element, const char* vr,
                        const void* value, uint32_t length) {
  const unsigned char head[4] = {(unsigned char)(group & 0xFF), (unsigned char)(group >> 8),
                                 (unsigned char)(element & 0xFF), (unsigned char)(element >> 8)};
  const int long_form = vr[0] == 'O';
  fwrite(head, 1, 4, f);
  fwrite(vr, 1, 2, f);
  if (long_form) {
    const unsigned char l[6] = {0,
                                0,
                                (unsigned char)(length & 0xFF),
                                (unsigned char)((length >> 8) & 0xFF),
                                (unsigned char)((length >> 16) & 0xFF),
                                (unsigned char)(length >> 24)};
    fwrite(l, 1, 6, f);
  } else {
    const unsigned char l[2] = {(unsigned char)(length & 0xFF), (unsigned char)(length >> 8)};
    fwrite(l, 1, 2, f);
  }
  fwrite(value, 1, length, f);
}

/* A text element, padded to an even length (UI with NUL, others with a space). */
static void put_text(FILE* f, uint16_t group, uint16_t element, const char* vr, const char* text) {
  char padded[80];
  size_t n = strlen(text);
  memcpy(padded, text, n);
  if (n % 2 == 1) padded[n++] = strcmp(vr, "UI") == 0 ? '\0' : ' ';
  put_element(f, group, element, vr, padded, (uint32_t)n);
}

static void put_us(FILE* f, uint16_t group, uint16_t element, uint16_t value) {
  const unsigned char v[2] = {(unsigned char)(value & 0xFF), (unsigned char)(value >> 8)};
  put_element(f, group, element, "US", v, 2);
}

/* Frame t, slice k of a 2 x 3 CT series at z = 2k: stored values 100 t + 10 k + i, its
 * TemporalPositionIdentifier t + 1 and AcquisitionTime 10:00:00 + `seconds`. */
static int write_frame_slice(const char* dir, int t, int k, const char* seconds) {
  char path[160], text[64];
  unsigned char pixels[12];
  int i;
  FILE* f;
  snprintf(path, sizeof path, "%s/f%d_s%d.dcm", dir, t, k);
  f = fopen(path, "wb");
  if (f == NULL) return 0;
  for (i = 0; i < 128; ++i) fputc(0, f);
  fwrite("DICM", 1, 4, f);
  snprintf(text, sizeof text, "1.2.826.0.1.3680043.8.498.91.%d.%d", t, k);
  put_text(f, 0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.2");
  put_text(f, 0x0002, 0x0003, "UI", text);
  put_text(f, 0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1");
  put_text(f, 0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2");
  put_text(f, 0x0008, 0x0018, "UI", text);
  snprintf(text, sizeof text, "1000%s", seconds);
  put_text(f, 0x0008, 0x0032, "TM", text);
  put_text(f, 0x0008, 0x0060, "CS", "CT");
  put_text(f, 0x0020, 0x000D, "UI", "1.2.826.0.1.3680043.8.498.90");
  put_text(f, 0x0020, 0x000E, "UI", "1.2.826.0.1.3680043.8.498.91");
  snprintf(text, sizeof text, "0\\0\\%d", 2 * k);
  put_text(f, 0x0020, 0x0032, "DS", text);
  put_text(f, 0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
  snprintf(text, sizeof text, "%d", t + 1);
  put_text(f, 0x0020, 0x0100, "IS", text);
  put_us(f, 0x0028, 0x0002, 1);
  put_text(f, 0x0028, 0x0004, "CS", "MONOCHROME2");
  put_us(f, 0x0028, 0x0010, 2);
  put_us(f, 0x0028, 0x0011, 3);
  put_text(f, 0x0028, 0x0030, "DS", "0.5\\0.5");
  put_us(f, 0x0028, 0x0100, 16);
  put_us(f, 0x0028, 0x0101, 16);
  put_us(f, 0x0028, 0x0102, 15);
  put_us(f, 0x0028, 0x0103, 1);
  for (i = 0; i < 6; ++i) {
    const int v = 100 * t + 10 * k + i;
    pixels[2 * i] = (unsigned char)(v & 0xFF);
    pixels[2 * i + 1] = (unsigned char)(v >> 8);
  }
  put_element(f, 0x7FE0, 0x0010, "OW", pixels, 12);
  return fclose(f) == 0;
}

/* Three frames of two slices, at 0, 1.5 and 4 s: frames, times and the series view. */
static void test_dicom_dynamic(void) {
  const char* seconds[3] = {"00", "01.5", "04"};
  char dir[96], path[160];
  const char* paths[1];
  medkern_dicom_series* series = NULL;
  medkern_dicom_series fake;
  medkern_series view;
  const double* times = NULL;
  int64_t frames = -1;
  int t, k, i;
  g_section = "dicom_dynamic";
  snprintf(dir, sizeof dir, "/tmp/medkern_capi_dynamic_%ld", (long)getpid());
  mkdir(dir, 0700);
  for (t = 0; t < 3; ++t) {
    for (k = 0; k < 2; ++k) CHECK(write_frame_slice(dir, t, k, seconds[t]));
  }
  paths[0] = dir;
  CHECK_OK(medkern_dicom_load_series(paths, 1, NULL, &series));
  if (series != NULL) {
    const int16_t* values = (const int16_t*)series->volume.data;
    CHECK(series->volume.shape[0] == 2 && series->volume.shape[1] == 2 &&
          series->volume.shape[2] == 3);
    CHECK(series->volume.spacing[0] == 2.0);
    CHECK(series->num_warnings == 0);
    CHECK_OK(medkern_dicom_series_frames(series, &frames));
    CHECK(frames == 3);
    CHECK_OK(medkern_dicom_series_frame_times(series, &times));
    CHECK(times != NULL && times[0] == 0.0 && times[1] == 1.5 && times[2] == 4.0);
    memset(&view, 0x7f, sizeof view);
    view.struct_size = sizeof view;
    CHECK_OK(medkern_dicom_series_view(series, &view));
    CHECK(view.struct_size == sizeof view);
    CHECK(view.frames == 3 && view.frame_stride == 12);
    CHECK(view.first.data == series->volume.data && view.first.shape[0] == 2);
    CHECK(view.first.dtype == MEDKERN_DTYPE_INT16);
    /* Frame after frame, slice after slice, as written. */
    for (t = 0; t < 3; ++t) {
      for (k = 0; k < 2; ++k) {
        for (i = 0; i < 6; ++i) CHECK(values[t * 12 + k * 6 + i] == 100 * t + 10 * k + i);
      }
    }
    /* Bad arguments. */
    CHECK_STATUS(medkern_dicom_series_frames(series, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("frames");
    CHECK_STATUS(medkern_dicom_series_frame_times(series, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("times_s");
    CHECK_STATUS(medkern_dicom_series_view(series, NULL), MEDKERN_ERROR_INVALID_ARGUMENT);
    view.struct_size = 4;
    CHECK_STATUS(medkern_dicom_series_view(series, &view), MEDKERN_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE("struct_size");
    medkern_dicom_series_free(series);
  }
  frames = -1;
  CHECK_STATUS(medkern_dicom_series_frames(NULL, &frames), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("series");
  CHECK(frames == -1);
  /* A struct the library did not make is refused, not read past. */
  memset(&fake, 0, sizeof fake);
  fake.struct_size = sizeof fake;
  CHECK_STATUS(medkern_dicom_series_frames(&fake, &frames), MEDKERN_ERROR_INVALID_ARGUMENT);
  CHECK_MESSAGE("not a live result");
  CHECK_STATUS(medkern_dicom_series_frame_times(&fake, &times), MEDKERN_ERROR_INVALID_ARGUMENT);
  view.struct_size = sizeof view;
  CHECK_STATUS(medkern_dicom_series_view(&fake, &view), MEDKERN_ERROR_INVALID_ARGUMENT);

  /* Frame 1 without its second slice: an error naming the frame. */
  snprintf(path, sizeof path, "%s/f1_s1.dcm", dir);
  remove(path);
  series = (medkern_dicom_series*)1;
  CHECK_STATUS(medkern_dicom_load_series(paths, 1, NULL, &series), MEDKERN_ERROR_INVALID_DATA);
  CHECK_MESSAGE("frame 1 (TemporalPositionIdentifier 2) has no image");
  CHECK(series == NULL);
  for (t = 0; t < 3; ++t) {
    for (k = 0; k < 2; ++k) {
      snprintf(path, sizeof path, "%s/f%d_s%d.dcm", dir, t, k);
      remove(path);
    }
  }
  rmdir(dir);
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
  test_dicom_dynamic();
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
    {
      /* A static series: one frame at 0 s, the view of the volume. */
      int64_t frames = 0;
      const double* times = NULL;
      medkern_series view;
      view.struct_size = sizeof view;
      CHECK_OK(medkern_dicom_series_frames(series, &frames));
      CHECK(frames == 1);
      CHECK_OK(medkern_dicom_series_frame_times(series, &times));
      CHECK(times != NULL && times[0] == 0.0);
      CHECK_OK(medkern_dicom_series_view(series, &view));
      CHECK(view.frames == 1 && view.frame_stride == 128 * 128);
      CHECK(view.first.data == series->volume.data);
    }
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
