/*
 * medkern.h - the C ABI of medkern, and its API reference.
 *
 * Sections, in this order: status and version; devices; contexts; volumes and memory; then
 * one section per op family: histogram, threshold, label statistics, connected components,
 * region growing, watershed, gaussian, edges, noise reduction, calcium scoring, perfusion,
 * DICOM.
 * Each function says what it does, what it returns, who owns memory, and since which version
 * it exists ("since 0.1"). An ABI is kept forever: a function is never removed or changed,
 * a newer form is added beside it, and the older one stays, documented as such.
 *
 * Conventions
 * - Every function that can fail returns a medkern_status; MEDKERN_OK is 0. On failure,
 *   medkern_last_error() gives a message that begins with the function's name and names the
 *   bad argument and its value. The functions that cannot fail (the names, the version, the
 *   destructors, medkern_dicom_available) return their value directly.
 * - No function lets a C++ exception escape, and no input, however wrong, is meant to
 *   crash the process: null pointers, wrong dtypes and mismatched shapes are statuses.
 * - An op takes, in this order: the context, its input volumes (and other inputs, such as
 *   seeds), its output volumes, a pointer to its params struct, then the pointers through
 *   which it returns values (a count, a threshold, a result). Optional volumes (a mask) are
 *   NULL when absent. Where an op's params "may be NULL", NULL means every default.
 * - Every parameter or result struct begins with `uint32_t struct_size`. Set it to
 *   sizeof(the struct) as your header defines it: a library newer than your header reads
 *   only the fields you know and gives the rest their defaults; an older one reads what it
 *   knows. A struct_size that does not reach the end of the struct's first field (or of
 *   the later field a struct names) is MEDKERN_ERROR_INVALID_ARGUMENT. Result structs that
 *   you pass in are written only as far as your struct_size reaches.
 * - Arrays are C-order, slowest axis first: a volume is (nz, ny, nx), spacing (sz, sy, sx)
 *   in millimetres. A 2-D image is (1, ny, nx).
 * - The caller owns every buffer it passes in, and the library keeps no pointer to it after
 *   the call. Results that the library allocates say how they are freed.
 * - Thread safety: functions may be called from any thread; a context may be used by
 *   one thread at a time.
 */
#ifndef MEDKERN_H
#define MEDKERN_H

#include <stddef.h>
#include <stdint.h>

#define MEDKERN_VERSION_MAJOR 0
#define MEDKERN_VERSION_MINOR 3
#define MEDKERN_VERSION_PATCH 0
/* One number for comparisons: MAJOR * 10000 + MINOR * 100 + PATCH (0.3.0 is 300). */
#define MEDKERN_VERSION_NUMBER \
  (MEDKERN_VERSION_MAJOR * 100 * 100 + MEDKERN_VERSION_MINOR * 100 + MEDKERN_VERSION_PATCH)

#if defined(_WIN32)
#define MEDKERN_API __declspec(dllexport)
#elif defined(__GNUC__)
#define MEDKERN_API __attribute__((visibility("default")))
#else
#define MEDKERN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ status and version */

typedef int32_t medkern_status;
enum {
  MEDKERN_OK = 0,
  MEDKERN_ERROR_INVALID_ARGUMENT = 1,  /* a null pointer, a value out of range */
  MEDKERN_ERROR_UNSUPPORTED_DTYPE = 2, /* an element type the op does not take */
  MEDKERN_ERROR_SHAPE_MISMATCH = 3,    /* two arrays that must agree in shape do not */
  MEDKERN_ERROR_OUT_OF_MEMORY = 4,     /* a pool limit or the device itself is exhausted */
  MEDKERN_ERROR_NO_DEVICE = 5,         /* no such CUDA device, or a CPU-only build */
  MEDKERN_ERROR_CUDA = 6,              /* the CUDA runtime reported an error */
  MEDKERN_ERROR_OVERFLOW = 7,          /* a size or count exceeds what the types can hold */
  MEDKERN_ERROR_INTERNAL = 8,          /* a bug in medkern: please report it */
  MEDKERN_ERROR_NOT_SUPPORTED = 9,     /* left out of this build (DICOM without DCMTK), or an
                                          input format not handled (a transfer syntax) */
  MEDKERN_ERROR_IO = 10,               /* a file or directory that cannot be read */
  MEDKERN_ERROR_INVALID_DATA = 11      /* malformed or inconsistent input data: a truncated
                                          file, a series with varying orientation */
};

/* medkern_last_error() - since 0.1
 * The message of the last failed call on this thread, "" after a successful one. The string
 * is owned by the library and valid until the next medkern call on this thread. Never NULL. */
MEDKERN_API const char* medkern_last_error(void);

/* medkern_status_name() - since 0.1
 * A static name for a status code, e.g. "MEDKERN_ERROR_SHAPE_MISMATCH"; an unknown code
 * still gets a non-empty name. Leaves medkern_last_error() as it is. */
MEDKERN_API const char* medkern_status_name(medkern_status status);

/* medkern_version() - since 0.1
 * The library's version as "MAJOR.MINOR.PATCH" (a static string). Compare with the
 * MEDKERN_VERSION_* macros to detect a header/library mismatch. Leaves medkern_last_error()
 * as it is. */
MEDKERN_API const char* medkern_version(void);

/* medkern_version_number() - since 0.2
 * The library's MEDKERN_VERSION_NUMBER (MAJOR * 10000 + MINOR * 100 + PATCH), e.g. to check
 * at run time that the library is at least the version a program was built against. */
MEDKERN_API uint32_t medkern_version_number(void);

/* ================================================================ devices */

/* Where memory lives: the host, or the CUDA device with this ordinal (0, 1, ...). */
#define MEDKERN_DEVICE_HOST (-1)
/* For context creation only: the first CUDA device if there is one, else the CPU. */
#define MEDKERN_DEVICE_AUTO (-2)

typedef struct medkern_device_info {
  uint32_t struct_size;
  int32_t ordinal;
  char name[256]; /* NUL-terminated */
  int32_t compute_capability_major;
  int32_t compute_capability_minor;
  int32_t multiprocessors;
  int32_t reserved0;
  uint64_t total_memory_bytes;
  uint64_t free_memory_bytes;
} medkern_device_info;

/* medkern_device_count() - since 0.1
 * The number of usable CUDA devices in *count: 0 in a CPU-only build or without a GPU
 * (that is not an error). */
MEDKERN_API medkern_status medkern_device_count(int32_t* count);

/* medkern_device_get_info() - since 0.1
 * Fills *info for CUDA device `ordinal`; set info->struct_size first (only that much is
 * written). No such device (or a CPU-only build): MEDKERN_ERROR_NO_DEVICE. */
MEDKERN_API medkern_status medkern_device_get_info(int32_t ordinal, medkern_device_info* info);

/* medkern_cuda_versions() - since 0.1
 * The CUDA driver and runtime versions as CUDA encodes them (12040 = 12.4); 0 when absent. */
MEDKERN_API medkern_status medkern_cuda_versions(int32_t* driver_version, int32_t* runtime_version);

/* ================================================================ contexts */

typedef struct medkern_context medkern_context; /* opaque */

typedef struct medkern_context_options {
  uint32_t struct_size;
  int32_t device;      /* MEDKERN_DEVICE_HOST (CPU), a CUDA ordinal, or MEDKERN_DEVICE_AUTO */
  int32_t priority;    /* CUDA stream priority: 0 normal, negative is more urgent */
  int32_t num_threads; /* CPU threads; 0 = all cores; at most 4 x the hardware threads */
  uint64_t tag;        /* pool allocations made by ops on this context carry this tag */
} medkern_context_options;

/* medkern_context_options_init() - since 0.1
 * Default options in *options: device MEDKERN_DEVICE_AUTO, priority 0, all cores, tag 0. */
MEDKERN_API medkern_status medkern_context_options_init(medkern_context_options* options);

/* medkern_context_create() - since 0.1
 * Creates a context in *context (NULL on failure). `options` may be NULL for the defaults.
 * A CUDA context owns a non-blocking stream; ops on it are ordered on that stream and may
 * return before the GPU finishes. A CPU context runs each op to completion.
 * Errors: a device that is neither MEDKERN_DEVICE_HOST, MEDKERN_DEVICE_AUTO nor an ordinal,
 * num_threads < 0 or above 4 x the hardware threads: MEDKERN_ERROR_INVALID_ARGUMENT; no such
 * CUDA device:
 * MEDKERN_ERROR_NO_DEVICE. The caller frees the context with medkern_context_destroy. */
MEDKERN_API medkern_status medkern_context_create(const medkern_context_options* options,
                                                  medkern_context** context);

/* medkern_context_destroy() - since 0.1
 * Waits for the context's work, then frees it. NULL is allowed and does nothing. */
MEDKERN_API void medkern_context_destroy(medkern_context* context);

/* medkern_context_device() - since 0.1
 * The device of the context in *device: MEDKERN_DEVICE_HOST or a CUDA ordinal. */
MEDKERN_API medkern_status medkern_context_device(const medkern_context* context, int32_t* device);

/* medkern_context_synchronize() - since 0.1
 * Blocks until all work submitted on the context has finished. */
MEDKERN_API medkern_status medkern_context_synchronize(medkern_context* context);

/* medkern_context_set_tag() - since 0.1
 * Sets the tag carried by the pool allocations of later ops on this context. */
MEDKERN_API medkern_status medkern_context_set_tag(medkern_context* context, uint64_t tag);

/* ================================================================ volumes and memory */

typedef int32_t medkern_dtype;
enum {
  MEDKERN_DTYPE_INT16 = 1,  /* CT in HU */
  MEDKERN_DTYPE_UINT16 = 2, /* MR */
  MEDKERN_DTYPE_FLOAT32 = 3,
  MEDKERN_DTYPE_UINT8 = 4, /* masks */
  MEDKERN_DTYPE_INT32 = 5, /* labels */
  MEDKERN_DTYPE_UINT64 = 6 /* counts (histogram output) */
};

/* A view of a 3-D array: it never owns the memory it points to. */
typedef struct medkern_volume {
  uint32_t struct_size;
  medkern_dtype dtype;
  void* data;
  int64_t shape[3];   /* (nz, ny, nx); every extent >= 1 */
  int64_t strides[3]; /* in elements, not bytes; may be negative */
  double spacing[3];  /* (sz, sy, sx) in mm, each finite and > 0 */
  int32_t device;     /* MEDKERN_DEVICE_HOST or a CUDA ordinal */
  int32_t reserved0;
} medkern_volume;

/* medkern_volume_init() - since 0.1
 * Fills *volume as a C-contiguous host view of `data` with spacing 1 mm; change `device`,
 * `spacing` or `strides` afterwards as needed. Never fails on a non-null `volume`: the
 * values are checked by the functions that use the view. */
MEDKERN_API medkern_status medkern_volume_init(medkern_volume* volume, medkern_dtype dtype,
                                               void* data, int64_t nz, int64_t ny, int64_t nx);

/* medkern_volume_allocate() - since 0.1
 * Allocates a C-contiguous volume from the context's pool (device memory on a CUDA
 * context, host memory on a CPU context), tagged with the context's tag, and fills
 * *volume (spacing 1 mm). The memory is not initialised. The library owns it until
 * medkern_volume_free on a context of the same device. Errors: an unknown dtype:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE; an extent < 1: MEDKERN_ERROR_INVALID_ARGUMENT; a size
 * that overflows: MEDKERN_ERROR_OVERFLOW; past the pool's limit or the device's memory:
 * MEDKERN_ERROR_OUT_OF_MEMORY. */
MEDKERN_API medkern_status medkern_volume_allocate(medkern_context* context, medkern_dtype dtype,
                                                   int64_t nz, int64_t ny, int64_t nx,
                                                   medkern_volume* volume);

/* medkern_volume_free() - since 0.1
 * Returns a volume from medkern_volume_allocate to its pool (stream-ordered) and sets
 * volume->data to NULL. Any context of the volume's device will do. A NULL data pointer does
 * nothing; a pointer the library did not allocate, or freed already, or one of another
 * device: MEDKERN_ERROR_INVALID_ARGUMENT. */
MEDKERN_API medkern_status medkern_volume_free(medkern_context* context, medkern_volume* volume);

/* medkern_volume_copy() - since 0.1
 * Copies src into dst (same dtype and shape, any strides, host or device either side).
 * Ordered on the context's stream; returns after the copy when either side is host. */
MEDKERN_API medkern_status medkern_volume_copy(medkern_context* context, const medkern_volume* src,
                                               const medkern_volume* dst);

typedef struct medkern_pool_stats {
  uint32_t struct_size;
  int32_t device;             /* MEDKERN_DEVICE_HOST is the CPU pool */
  uint64_t bytes_in_use;      /* requested bytes of live allocations */
  uint64_t peak_bytes_in_use; /* highest bytes_in_use since creation or the last reset */
  uint64_t bytes_reserved;    /* bytes the pool holds from the system, used or cached */
  uint64_t limit_bytes;       /* 0 = no limit */
  uint64_t allocations;       /* successful allocations, ever */
  uint64_t deallocations;     /* deallocations, ever (including by tag release) */
  uint64_t failures;          /* allocations refused: limit or device exhausted */
  uint64_t live_allocations;
} medkern_pool_stats;

/* medkern_pool_get_stats() - since 0.1
 * Statistics of the pool of `device` (MEDKERN_DEVICE_HOST for the CPU pool) in *stats; set
 * stats->struct_size first (only that much is written). */
MEDKERN_API medkern_status medkern_pool_get_stats(int32_t device, medkern_pool_stats* stats);

/* medkern_pool_reset_peak() - since 0.1
 * Resets the peak of the pool of `device` to its current bytes in use. */
MEDKERN_API medkern_status medkern_pool_reset_peak(int32_t device);

/* medkern_pool_set_limit() - since 0.1
 * Caps the bytes in use of the pool of `device` (0 removes the cap). An allocation past
 * the cap fails with MEDKERN_ERROR_OUT_OF_MEMORY; live allocations are not touched. */
MEDKERN_API medkern_status medkern_pool_set_limit(int32_t device, uint64_t limit_bytes);

/* medkern_pool_release_tag() - since 0.1
 * Frees every live allocation carrying `tag` in the pool of `device` and gives back the
 * bytes freed in *bytes_released (may be NULL). Waits for the device's queued work first.
 * Volumes that pointed there are invalid afterwards: drop them without medkern_volume_free,
 * since a later allocation may reuse their address. Tag 0 is refused: it is the default. */
MEDKERN_API medkern_status medkern_pool_release_tag(int32_t device, uint64_t tag,
                                                    uint64_t* bytes_released);

/* medkern_pool_trim() - since 0.1
 * Returns cached but unused memory of the pool of `device` to the system. */
MEDKERN_API medkern_status medkern_pool_trim(int32_t device);

/* ================================================================ histogram */

typedef struct medkern_histogram_params {
  uint32_t struct_size;
  uint32_t bins; /* 1 .. 65536; default 256 */
  double lo;     /* range of the bins; lo == hi widens to (lo - 0.5, hi + 0.5) as numpy does */
  double hi;     /* defaults 0 and 1 (for a caller whose struct ends after `bins`) */
  /* float32 input only. 0 (default): lo and hi are doubles, the edges are computed in double
   * and rounded to float32, as numpy does for a range of Python floats. Non-zero: lo and hi
   * are float32 values and the edges are built in float32, as numpy.histogram(a, bins)
   * does when it takes the range from float32 data. */
  int32_t float32_range;
  int32_t reserved0;
} medkern_histogram_params;

/* medkern_histogram_counts() - since 0.2
 * Counts the voxels of `input` (int16, uint16, float32) into `bins` uniform bins over
 * [lo, hi], exactly as numpy.histogram(input, bins, range=(lo, hi)): the last bin is
 * closed, values outside the range and NaN are not counted. `mask` (uint8, same shape,
 * or NULL) keeps only voxels where it is non-zero. `counts` is a contiguous uint64 view
 * with `bins` elements (any shape), on the host or a device; it is overwritten.
 * `params` must not be NULL (the range has no useful default).
 * Errors: NULL pointers, bins outside 1..65536, lo > hi or a range that is NaN or infinite,
 * non-contiguous counts: MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE; a mask of another shape or counts with another number of
 * elements: MEDKERN_ERROR_SHAPE_MISMATCH. Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_histogram_counts(medkern_context* context,
                                                    const medkern_volume* input,
                                                    const medkern_volume* mask,
                                                    const medkern_volume* counts,
                                                    const medkern_histogram_params* params);

/* medkern_histogram() - since 0.1
 * The 0.1 form of medkern_histogram_counts, kept for compatibility: the same op with
 * `params` before its output `counts`. */
MEDKERN_API medkern_status medkern_histogram(medkern_context* context, const medkern_volume* input,
                                             const medkern_volume* mask,
                                             const medkern_histogram_params* params,
                                             const medkern_volume* counts);

/* ================================================================ threshold */

typedef struct medkern_threshold_params {
  uint32_t struct_size;
  uint8_t inside;  /* written where lo <= value <= hi; default 1 */
  uint8_t outside; /* written elsewhere and for NaN; default 0 */
  uint8_t reserved0[2];
  double lo; /* inclusive; lo <= hi; default 0 */
  double hi; /* inclusive; default 0 */
} medkern_threshold_params;

/* medkern_threshold() - since 0.1
 * Writes `output` (uint8, same shape as `input`) as ITK BinaryThresholdImageFilter does:
 * `inside` where lo <= value <= hi, compared in double precision, `outside` elsewhere and
 * for NaN. `input`: int16, uint16, float32. `params` must not be NULL (the bounds have no
 * useful default). Errors: NULL pointers, lo > hi or a bound that is NaN:
 * MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that
 * differ: MEDKERN_ERROR_SHAPE_MISMATCH. Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_threshold(medkern_context* context, const medkern_volume* input,
                                             const medkern_volume* output,
                                             const medkern_threshold_params* params);

/* since 0.2 */
typedef struct medkern_otsu_params {
  uint32_t struct_size;
  uint32_t bins; /* float32 input only: 2 .. 65536; default 256 */
} medkern_otsu_params;

/* medkern_otsu() - since 0.2
 * Otsu's threshold of `input` (int16, uint16, float32) in *threshold, equal to
 * skimage.filters.threshold_otsu(input[mask != 0], nbins=bins). As in scikit-image,
 * integer inputs use one bin per integer value and ignore `bins`, whatever it is; a
 * constant input returns its value. NaN voxels are ignored. `mask` (uint8, same shape) may
 * be NULL; `params` may be NULL: 256 bins.
 * Errors: NULL pointers, bins outside 2..65536 (float32), no voxel left (all masked out or
 * NaN): MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; a mask
 * of another shape: MEDKERN_ERROR_SHAPE_MISMATCH. On failure *threshold is left as it was.
 * Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_otsu(medkern_context* context, const medkern_volume* input,
                                        const medkern_volume* mask,
                                        const medkern_otsu_params* params, double* threshold);

/* medkern_otsu_threshold() - since 0.1
 * The 0.1 form of medkern_otsu, kept for compatibility: the same op with `bins` passed by
 * value instead of in a params struct. */
MEDKERN_API medkern_status medkern_otsu_threshold(medkern_context* context,
                                                  const medkern_volume* input,
                                                  const medkern_volume* mask, uint32_t bins,
                                                  double* threshold);

/* ================================================================ label statistics */

typedef struct medkern_label_stats {
  int32_t label;
  int32_t reserved0;
  uint64_t count;
  double sum;
  double mean;
  double std; /* population standard deviation (scipy.ndimage.standard_deviation) */
  double min;
  double max;
  int64_t bbox_min[3];   /* (z, y, x) of the first corner, inclusive */
  int64_t bbox_max[3];   /* (z, y, x) of the last corner, inclusive */
  double centroid_mm[3]; /* (z, y, x) mean voxel index times spacing */
} medkern_label_stats;

typedef struct medkern_label_statistics_params {
  uint32_t struct_size;
  int32_t include_background; /* non-zero: report label 0 too; default 0 */
} medkern_label_statistics_params;

typedef struct medkern_label_statistics_result {
  uint32_t struct_size;
  int32_t reserved0;
  int64_t num_labels;          /* labels present, in increasing order */
  medkern_label_stats* labels; /* num_labels records, owned by the result; NULL for none */
} medkern_label_statistics_result;

/* medkern_label_statistics() - since 0.1
 * Statistics of `input` (int16, uint16, float32) under each label of `labels` (int32 or
 * uint8, same shape, values 0 .. 2^24 - 1) that occurs in it: count, sum, mean, std, min,
 * max, bounding box and centroid in mm (spacing of `input`), as scipy.ndimage's measurements.
 * Sums of integer inputs are exact; float32 sums are in double. `params` may be NULL: no
 * background.
 * Errors: NULL pointers, a label value out of range: MEDKERN_ERROR_INVALID_ARGUMENT; other
 * dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that differ: MEDKERN_ERROR_SHAPE_MISMATCH.
 * On success *result is allocated by the library (one block); free it with
 * medkern_label_statistics_free. On failure *result is NULL. */
MEDKERN_API medkern_status medkern_label_statistics(medkern_context* context,
                                                    const medkern_volume* input,
                                                    const medkern_volume* labels,
                                                    const medkern_label_statistics_params* params,
                                                    medkern_label_statistics_result** result);

/* medkern_label_statistics_free() - since 0.1
 * Frees a result of medkern_label_statistics. NULL does nothing. */
MEDKERN_API void medkern_label_statistics_free(medkern_label_statistics_result* result);

/* ================================================================ connected components */

typedef struct medkern_label_components_params {
  uint32_t struct_size;
  int32_t connectivity; /* 6, 18, 26 (3-D) or 4, 8 (each z-slice on its own); default 26 */
} medkern_label_components_params;

/* medkern_label_components() - since 0.1
 * Labels the connected components of `image` into `labels`: 0 for background, the
 * components numbered 1..N in the raster (C) order of their first voxel; N goes to *count.
 * What connects depends on the dtype of `image`:
 * - uint8 (a mask): any non-zero value is foreground and neighbouring foreground voxels
 *   connect whatever their values. Reference: scipy.ndimage.label(image != 0, structure),
 *   equal voxel for voxel.
 * - int16, uint16, int32 (a label image): 0 is background and neighbouring voxels connect
 *   only when their values are equal. Reference: skimage.measure.label(image,
 *   background=0, connectivity=1 | 2 | 3 for 6 | 18 | 26), equal voxel for voxel (its
 *   numbering is the same raster order of first voxels).
 * structure = generate_binary_structure(3, 1 | 2 | 3) for connectivity 6 | 18 | 26 (voxels
 * sharing a face; a face or an edge; a face, an edge or a corner), and for 4 | 8 a 3x3x3
 * structure with generate_binary_structure(2, 1 | 2) in its middle z-plane only: each
 * z-slice is labelled on its own, components still numbered across the whole volume.
 * `labels`: int32, the shape of `image`, entirely overwritten. Both may be strided views, on
 * the host or the context's device.
 * `params` may be NULL: connectivity 26. A 2-D image is the volume (1, ny, nx): 4 and 8 are
 * its 2-D connectivities, and 6 | 18 | 26 act on it as 4 | 8 | 8.
 * Edge cases: an all-background image gives N = 0 and all-zero labels; an all-foreground
 * mask (or an image of one non-zero value) gives N = 1 (4 and 8: one per slice).
 * Errors: a connectivity other than 4, 6, 8, 18, 26, or a NULL pointer:
 * MEDKERN_ERROR_INVALID_ARGUMENT; another dtype (float32 among them):
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that differ: MEDKERN_ERROR_SHAPE_MISMATCH; 2^31
 * voxels or more: MEDKERN_ERROR_OVERFLOW.
 * On failure *count is left as it was and the content of `labels` is unspecified.
 * Ownership: the caller owns `image`, `labels` and `count`; the library keeps no pointer to
 * them after the call and returns nothing to free. */
MEDKERN_API medkern_status medkern_label_components(medkern_context* context,
                                                    const medkern_volume* image,
                                                    const medkern_volume* labels,
                                                    const medkern_label_components_params* params,
                                                    int64_t* count);

/* ================================================================ region growing */

/* struct_size must reach `hi`: the band has no default. */
typedef struct medkern_connected_threshold_params {
  uint32_t struct_size;
  int32_t connectivity; /* as medkern_label_components; default 26 */
  double lo;            /* inclusive, compared in double; lo <= hi */
  double hi;            /* inclusive */
} medkern_connected_threshold_params;

/* medkern_connected_threshold() - since 0.1
 * Writes 1 into `output` (uint8, shape of `input`) at every voxel connected to one of the
 * `seed_count` seeds through voxels with lo <= value <= hi, 0 elsewhere, as ITK
 * ConnectedThresholdImageFilter (replace value 1; ITK's default face connectivity is 6,
 * FullyConnected is 26). `seeds` holds seed_count (z, y, x) triples; a seed whose value is
 * outside [lo, hi] grows nothing; a seed outside the volume is an error naming it.
 * `input`: int16, uint16, float32. `params` must not be NULL (the band has no default).
 * Errors: NULL pointers, seed_count < 1, a seed outside the volume, lo > hi or NaN, a
 * connectivity other than 4, 6, 8, 18, 26: MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that differ: MEDKERN_ERROR_SHAPE_MISMATCH.
 * Ownership: the caller owns every argument, `seeds` among them. */
MEDKERN_API medkern_status medkern_connected_threshold(
    medkern_context* context, const medkern_volume* input, const int64_t* seeds, int64_t seed_count,
    const medkern_volume* output, const medkern_connected_threshold_params* params);

/* struct_size must reach `multiplier` (every field, as in 0.1). */
typedef struct medkern_confidence_connected_params {
  uint32_t struct_size;
  int32_t connectivity;   /* as medkern_label_components; default 26 (ITK floods with 6) */
  int32_t iterations;     /* re-estimations of the band from the region, >= 0; default 4 */
  int32_t initial_radius; /* half-width of the cube around each seed, 0..64; default 1 */
  double multiplier;      /* band half-width in standard deviations, finite, >= 0; default 2.5 */
} medkern_confidence_connected_params;

/* medkern_confidence_connected() - since 0.1
 * Region growing with a band estimated from the data, as ITK ConfidenceConnectedImageFilter
 * (ITK 5.4, replace value 1): writes 1 into `output` (uint8, shape of `input`) on the grown
 * region and 0 elsewhere. `seeds` holds seed_count (z, y, x) triples.
 * 1. mean and variance (n - 1) of the (2r+1)^3 cubes around the seeds, r = initial_radius,
 *    the volume's edge voxels repeated beyond its faces; the mean is the average of the
 *    cubes' means, the variance pools all cube values. r = 0: of the seeds' values alone.
 * 2. band = mean -+ multiplier * sqrt(variance), widened to hold every seed's value, clamped
 *    to the dtype's range, cast to the dtype as C does (integers truncate toward zero).
 * 3. the voxels connected to a seed through voxels inside the band (`connectivity`).
 * 4. `iterations` times: mean and variance (n - 1) over the region, a new band, a new flood;
 *    it stops early when the variance is 0 (ITK's test: |variance| <= 0.1 * DBL_EPSILON).
 * Identical to ITK for connectivity 6 (its face-connected flood); other connectivities are
 * medkern's extension. Where the variance is NaN (radius 0 with one seed, a region of one
 * voxel) ITK's band is NaN: for float32 input nothing is inside (all-zero output), for
 * integer input the cast gives the band [0, 0] (x86-64 ITK); medkern reproduces both.
 * NaN voxels (float32) are never inside; a NaN in a seed's cube gives an all-zero output.
 * Sums are exact 64-bit integers for int16 / uint16; float32 sums are in double in a fixed
 * order, so the CPU and the GPU give the same output (ITK sums in flood order, so a float32
 * voxel within rounding of a band edge may differ from ITK).
 * `input`: int16, uint16, float32; `input` and `output` may be strided, on the host or the
 * context's device. `params` may be NULL: the defaults above.
 * Errors: a NULL pointer, seed_count < 1, a seed outside the volume, a multiplier that is
 * negative, NaN or infinite, iterations < 0, initial_radius outside 0..64, a connectivity
 * other than 4, 6, 8, 18, 26: MEDKERN_ERROR_INVALID_ARGUMENT (the message names it);
 * another dtype: MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that differ:
 * MEDKERN_ERROR_SHAPE_MISMATCH; 2^31 voxels or more: MEDKERN_ERROR_OVERFLOW. On failure the
 * content of `output` is unspecified.
 * Ownership: the caller owns `input`, `seeds`, `output` and `params`; the library keeps no
 * pointer to them after the call and returns nothing to free. */
MEDKERN_API medkern_status medkern_confidence_connected(
    medkern_context* context, const medkern_volume* input, const int64_t* seeds, int64_t seed_count,
    const medkern_volume* output, const medkern_confidence_connected_params* params);

/* ================================================================ watershed */

/* struct_size must reach `watershed_line` (every field, as in 0.1). */
typedef struct medkern_watershed_params {
  uint32_t struct_size;
  int32_t connectivity;   /* 6 | 18 | 26 (scikit-image's 1 | 2 | 3); default 6 */
  int32_t watershed_line; /* non-zero: one-voxel lines of 0 between basins; default 0 */
} medkern_watershed_params;

/* medkern_watershed() - since 0.1
 * Floods `elevation` from `markers` and writes each voxel's basin into `labels`, with the
 * semantics of skimage.segmentation.watershed(elevation, markers, mask=mask,
 * connectivity=c, watershed_line=w).
 * `elevation`: float32, int16 or uint16. `markers`: int32, the shape of `elevation`; every
 * non-zero value is a seed of that label. `mask`: uint8 or NULL; only its non-zero voxels are
 * flooded (the others, and markers on them, give 0). NaN elevations count as outside the
 * mask. `labels`: int32, same shape, entirely overwritten; it may be `markers` itself. All
 * may be strided views, on the host or the context's device.
 * Result: where all elevations differ it equals scikit-image's voxel for voxel. On plateaus
 * the tie rule is fixed and the same on CPU and GPU: a voxel joins the basin that reaches it
 * over the lowest pass, then the one whose entry into its level is fewest steps away, then
 * the one whose entry came from the lower voxel the flood reached first (two levels of that
 * history), then that of its first neighbour in raster order (docs/ops.md). Voxels no marker
 * reaches get 0.
 * With watershed_line the flood follows scikit-image's queue order exactly and runs on the
 * host, also for a CUDA context (the inputs are copied there and the labels back).
 * `params` may be NULL: connectivity 6, no lines.
 * Errors: NULL pointers, a connectivity other than 6, 18, 26: MEDKERN_ERROR_INVALID_ARGUMENT;
 * other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that differ:
 * MEDKERN_ERROR_SHAPE_MISMATCH; 2^31 voxels or more: MEDKERN_ERROR_OVERFLOW.
 * Ownership: the caller owns every volume; the library keeps no pointer after the call. */
MEDKERN_API medkern_status medkern_watershed(medkern_context* context,
                                             const medkern_volume* elevation,
                                             const medkern_volume* markers,
                                             const medkern_volume* mask,
                                             const medkern_volume* labels,
                                             const medkern_watershed_params* params);

typedef struct medkern_regional_minima_params {
  uint32_t struct_size;
  int32_t connectivity; /* 6 | 18 | 26; default 26 */
} medkern_regional_minima_params;

/* medkern_regional_minima() - since 0.1
 * Labels the regional minima of `volume` (float32, int16, uint16) into `labels` (int32,
 * same shape): the connected plateaus of equal value whose every neighbour is higher,
 * numbered 1..N in raster order of their first voxel, 0 elsewhere; N goes to *count.
 * Reference: scipy.ndimage.label(skimage.morphology.local_minima(volume, connectivity=c),
 * generate_binary_structure(3, c)) with c = 1 | 2 | 3 for 6 | 18 | 26; plateaus on the
 * border count. NaN voxels are never minima and are no one's neighbour. Markers for a
 * marker-free watershed: pass `labels` as the markers of medkern_watershed.
 * `params` may be NULL: connectivity 26. Errors as medkern_watershed; on failure *count is
 * left as it was. Ownership: the caller owns all arguments. */
MEDKERN_API medkern_status medkern_regional_minima(medkern_context* context,
                                                   const medkern_volume* volume,
                                                   const medkern_volume* labels,
                                                   const medkern_regional_minima_params* params,
                                                   int64_t* count);

/* ================================================================ gaussian */

typedef struct medkern_gaussian_params {
  uint32_t struct_size;
  int32_t reserved0;
  double sigma_mm[3]; /* (z, y, x) standard deviation in mm, finite, >= 0; 0 skips the axis */
  double truncate;    /* kernel radius = int(truncate * sigma_mm / spacing + 0.5); default 4 */
} medkern_gaussian_params;

/* medkern_gaussian() - since 0.1
 * Smooths `input` (int16, uint16, float32) into `output` (float32, same shape) with a
 * sampled Gaussian along each axis: scipy.ndimage.gaussian_filter(input.astype(float32),
 * sigma=sigma_mm / input->spacing, mode='nearest', truncate=truncate), within 1e-5 of the
 * largest output magnitude. Edge voxels are repeated beyond the faces. Radii up to 100000
 * voxels. Each pass (z, then y, then x) sums its taps -r..r and rounds to float32.
 * CPU and GPU: the CPU sums in double. Where any radius exceeds 8 voxels, the GPU sums in
 * double in the same order and gives the CPU's values bit for bit. Where every radius is at
 * most 8 (sigma up to 2 voxels at truncate 4) the GPU sums in float32 (fused multiply-adds):
 * its values differ from the CPU's by at most 3e-7 of the largest output magnitude
 * (measured; the GPU tests allow 1e-6), not bit for bit.
 * `params` may be NULL: sigma 1 mm on every axis, truncate 4.
 * Errors: NULL pointers, a sigma or truncate negative, NaN or infinite, a radius above
 * 100000: MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE;
 * shapes that differ: MEDKERN_ERROR_SHAPE_MISMATCH.
 * Ownership: the caller owns `input`, `output` and `params`; nothing to free. */
MEDKERN_API medkern_status medkern_gaussian(medkern_context* context, const medkern_volume* input,
                                            const medkern_volume* output,
                                            const medkern_gaussian_params* params);

/* ================================================================ edges */

typedef struct medkern_sobel_params {
  uint32_t struct_size;
  int32_t axis; /* 0 (z), 1 (y), 2 (x): one of the last `ndim` axes; default 2 */
  int32_t ndim; /* 3: the volume; 2: each z-slice as an image; 1: each x-row; default 3 */
  int32_t reserved0;
} medkern_sobel_params;

/* medkern_sobel() - since 0.1
 * Writes into `output` (float32, shape of `input`) scipy.ndimage.sobel(input, axis,
 * mode='nearest') over the last `ndim` axes: the difference [-1, 0, 1] along `axis`, the
 * smoothing [1, 2, 1] along the other axes (not normalised, no spacing), edge voxels
 * repeated. `input`: int16, uint16, float32. `params` may be NULL: axis 2, ndim 3.
 * Errors: NULL pointers, an axis or ndim out of range: MEDKERN_ERROR_INVALID_ARGUMENT; other
 * dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; shapes that differ: MEDKERN_ERROR_SHAPE_MISMATCH.
 * Ownership: the caller owns every argument; nothing to free. */
MEDKERN_API medkern_status medkern_sobel(medkern_context* context, const medkern_volume* input,
                                         const medkern_volume* output,
                                         const medkern_sobel_params* params);

enum {
  MEDKERN_GRADIENT_SOBEL = 0,  /* sqrt(sum (sobel(axis) / spacing)^2) */
  MEDKERN_GRADIENT_CENTRAL = 1 /* ITK GradientMagnitudeImageFilter: central differences */
};

typedef struct medkern_gradient_magnitude_params {
  uint32_t struct_size;
  int32_t method;      /* MEDKERN_GRADIENT_SOBEL (default) or MEDKERN_GRADIENT_CENTRAL */
  int32_t use_spacing; /* non-zero (default): divide each derivative by input->spacing */
  int32_t ndim;        /* 1, 2 or 3 as medkern_sobel_params; default 3 */
} medkern_gradient_magnitude_params;

/* medkern_gradient_magnitude() - since 0.1
 * Writes into `output` (float32, shape of `input`) the gradient magnitude of `input` (int16,
 * uint16, float32) over the last `ndim` axes, edge voxels repeated:
 * - MEDKERN_GRADIENT_SOBEL: sqrt(sum over axes of (sobel(input, axis) / s)^2), s the axis's
 *   spacing with use_spacing, else 1 (then scipy.ndimage.generic_gradient_magnitude(input,
 *   scipy.ndimage.sobel)); the division is a product by the float32 reciprocal of s, within
 *   an ulp.
 * - MEDKERN_GRADIENT_CENTRAL: sqrt(sum over axes of ((v[i+1] - v[i-1]) / (2 s))^2), ITK
 *   GradientMagnitudeImageFilter (zero-flux Neumann edges, UseImageSpacing = use_spacing).
 * `params` may be NULL: Sobel, use_spacing, ndim 3. Errors as medkern_sobel, and an unknown
 * method or (with use_spacing) a spacing whose reciprocal overflows float32 (below about
 * 3e-39 mm): MEDKERN_ERROR_INVALID_ARGUMENT. Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_gradient_magnitude(
    medkern_context* context, const medkern_volume* input, const medkern_volume* output,
    const medkern_gradient_magnitude_params* params);

/* struct_size must reach `high`: the thresholds have no default. */
typedef struct medkern_canny_params {
  uint32_t struct_size;
  int32_t ndim;       /* 3 (default): the volume; 2: each z-slice on its own */
  double sigma_mm[3]; /* (z, y, x) smoothing standard deviation in mm (ITK's variance is its
                         square), finite, >= 0; default 1 */
  double low;         /* hysteresis thresholds on the gradient magnitude, finite, low <= high */
  double high;
} medkern_canny_params;

/* medkern_canny() - since 0.1
 * Writes 1 into `output` (uint8, shape of `input`) on the edges of `input` (int16, uint16,
 * float32) found as ITK CannyEdgeDetectionImageFilter does (MaximumError 0.01), 0 elsewhere:
 * ITK's discrete Gaussian (variance sigma_mm^2 in mm^2, the spacing of `input`), the voxels
 * where the second derivative along the gradient crosses zero and the gradient magnitude is
 * a maximum along it (ITK's formulation of non-maximum suppression), kept by hysteresis:
 * magnitude > high, or > low and connected to such a voxel (26-connectivity; 8 within the
 * slice for ndim 2). Derivatives are in voxel units, as in ITK. docs/ops.md has the formulas.
 * The CPU and the GPU give the same edges.
 * `params` must not be NULL (the thresholds have no default).
 * Errors: NULL pointers, a bad sigma, thresholds NaN, infinite or low > high, ndim other than
 * 2 or 3: MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE;
 * shapes that differ: MEDKERN_ERROR_SHAPE_MISMATCH; 2^31 voxels or more:
 * MEDKERN_ERROR_OVERFLOW. Ownership: the caller owns every argument; nothing to free. */
MEDKERN_API medkern_status medkern_canny(medkern_context* context, const medkern_volume* input,
                                         const medkern_volume* output,
                                         const medkern_canny_params* params);

/* ================================================================ noise reduction */

typedef struct medkern_median_params {
  uint32_t struct_size;
  int32_t radius[3]; /* (z, y, x), each 0..3, not all 0; default (1, 1, 1) */
} medkern_median_params;

/* medkern_median() - since 0.1
 * Writes into `output` the median of the (2rz+1) x (2ry+1) x (2rx+1) window around each
 * voxel of `input`, the volume's edge voxels repeated beyond its faces: equal voxel for voxel
 * to scipy.ndimage.median_filter(input, size=(2rz+1, 2ry+1, 2rx+1), mode='nearest').
 * A radius of 0 on an axis filters along the other axes only (e.g. (0, 1, 1): each z-slice).
 * `input`, `output`: int16, uint16 or float32, the same dtype and shape, on the host or the
 * context's device, any strides, not overlapping in memory. float32 order: -0.0 below +0.0,
 * NaN above +inf (numpy.sort's order): a window with more NaN than half its values gives NaN.
 * `params` may be NULL: radius (1, 1, 1).
 * Errors: a NULL pointer, a radius outside 0..3 or all 0, overlapping input and output:
 * MEDKERN_ERROR_INVALID_ARGUMENT; another dtype or differing dtypes:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE; differing shapes: MEDKERN_ERROR_SHAPE_MISMATCH.
 * Ownership: the caller owns all arguments; the library keeps no pointer after the call. */
MEDKERN_API medkern_status medkern_median(medkern_context* context, const medkern_volume* input,
                                          const medkern_volume* output,
                                          const medkern_median_params* params);

/* struct_size must reach `conductance` (every field, as in 0.1). */
typedef struct medkern_anisotropic_diffusion_params {
  uint32_t struct_size;
  int32_t iterations; /* >= 0; 0 copies the input as float32; default 5 */
  double time_step;   /* > 0 and <= min(spacing) / 16 (ITK's stable bound); default 0.0625 */
  double conductance; /* > 0, finite; default 1.0 */
} medkern_anisotropic_diffusion_params;

/* medkern_anisotropic_diffusion() - since 0.1
 * Smooths `input` (int16, uint16, float32) into `output` (float32, same shape) as ITK
 * GradientAnisotropicDiffusionImageFilter (Perona-Malik): each iteration K = -2 *
 * conductance^2 * (mean squared gradient magnitude of the current image), and each voxel
 * moves by time_step times the sum over axes of exp(g_f^2 / K) * forward difference -
 * exp(g_b^2 / K) * backward difference, differences divided by the spacing of `input`,
 * edge voxels repeated beyond the faces. ITK's arithmetic (float differences, double
 * otherwise); results agree with ITK to float rounding (docs/ops.md gives the tolerance).
 * Both may be strided, on the host or the context's device; `output` may be `input` itself
 * (float32) but must not overlap it otherwise. `params` may be NULL: the defaults above.
 * Errors (MEDKERN_ERROR_INVALID_ARGUMENT unless said): a NULL pointer; iterations < 0;
 * time_step not finite, <= 0 or above min(spacing) / 16 (the message gives the bound);
 * conductance not finite or <= 0; NaN or infinity in `input` (with iterations > 0; `output`
 * is then unspecified); other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; differing shapes:
 * MEDKERN_ERROR_SHAPE_MISMATCH.
 * Ownership: the caller owns all arguments; the library keeps no pointer after the call. */
MEDKERN_API medkern_status medkern_anisotropic_diffusion(
    medkern_context* context, const medkern_volume* input, const medkern_volume* output,
    const medkern_anisotropic_diffusion_params* params);

/* ================================================================ calcium scoring */

/* struct_size must reach `slice_thickness_mm`: the thickness has no default. */
typedef struct medkern_calcium_params {
  uint32_t struct_size;
  int32_t connectivity;      /* in-plane: 8 (default) or 4 */
  double slice_thickness_mm; /* required: the reconstructed slice thickness, finite, > 0 */
  double threshold_hu;       /* voxels >= threshold are calcium; finite, > 0; default 130 */
  double min_area_mm2;       /* lesions of smaller area are dropped; finite, >= 0; default 1 */
  /* mg of hydroxyapatite per cm^3 per HU, from a calibration phantom; finite and > 0, or 0
   * (default) for no mass score. */
  double calibration_mg_per_cm3_per_hu;
  int32_t normalize_thickness; /* non-zero (default): Agatston * slice_thickness / 3 mm */
  int32_t reserved0;
} medkern_calcium_params;

/* Risk categories of the total Agatston score (unrounded). */
enum {
  MEDKERN_CALCIUM_RISK_0 = 0,       /* 0 */
  MEDKERN_CALCIUM_RISK_1_10 = 1,    /* 0 < score <= 10 */
  MEDKERN_CALCIUM_RISK_11_100 = 2,  /* 10 < score <= 100 */
  MEDKERN_CALCIUM_RISK_101_400 = 3, /* 100 < score <= 400 */
  MEDKERN_CALCIUM_RISK_OVER_400 = 4 /* score > 400 */
};

typedef struct medkern_calcium_totals {
  double agatston;
  double volume_mm3;
  double mass_mg;  /* NaN without calibration */
  int64_t lesions; /* scored 2-D lesions */
} medkern_calcium_totals;

typedef struct medkern_calcium_label_totals {
  int32_t label;
  int32_t reserved0;
  medkern_calcium_totals totals;
} medkern_calcium_label_totals;

/* One scored lesion: a connected set of voxels >= threshold in one slice (in-plane
 * connectivity) whose area reaches the minimum. */
typedef struct medkern_calcium_lesion {
  int64_t slice;     /* z index */
  int64_t voxels;    /* its pixels */
  int64_t lesion_3d; /* 1-based index of the 3-D lesion it belongs to */
  int32_t label;     /* majority label of its voxels (ties: the smallest); 0 without labels */
  int32_t max_hu;
  int32_t weight; /* density weight 1..4 from max_hu */
  int32_t reserved0;
  double area_mm2;
  double mean_hu;
  double score; /* its Agatston score */
  double volume_mm3;
  double mass_mg;        /* NaN without calibration */
  double centroid_mm[3]; /* (z, y, x): mean voxel index times spacing */
} medkern_calcium_lesion;

typedef struct medkern_calcium_result {
  uint32_t struct_size;
  int32_t risk_category;        /* MEDKERN_CALCIUM_RISK_* of total.agatston */
  medkern_calcium_totals total; /* over all lesions */
  int64_t lesions_3d;           /* 2-D lesions joined across consecutive scored slices */
  int64_t slice_step;           /* every slice_step-th slice was scored (1: all) */
  double voxel_volume_mm3;      /* sy * sx * slice_step * sz */
  int32_t has_mass;             /* non-zero when a calibration was given */
  int32_t reserved0;
  int64_t num_labels;                   /* labels that have lesions, increasing */
  medkern_calcium_label_totals* labels; /* num_labels records, owned by the result */
  int64_t num_lesions;                  /* == total.lesions */
  medkern_calcium_lesion* lesions;      /* in raster order of their first voxel */
} medkern_calcium_result;

/* medkern_calcium_score() - since 0.1
 * Coronary calcium scores of `ct` (int16 HU; spacing (z, y, x) in mm from the view) as
 * Agatston et al. (J Am Coll Cardiol 1990) define them, with the conventions of docs/ops.md
 * ("Calcium scoring"; McCollough et al., Radiology 2007; 243:527):
 * - lesions: per slice, voxels >= threshold_hu grouped by in-plane connectivity 8 or 4;
 *   lesions with area < min_area_mm2 are dropped;
 * - Agatston: for each lesion area (mm^2) * density weight of its maximum HU (1: below 200,
 *   2: below 300, 3: below 400, 4: 400 and up at the 130 HU threshold; the bands are
 *   threshold * 200/130, 300/130, 400/130 for other thresholds), times slice_thickness / 3
 *   when normalize_thickness; summed over lesions;
 * - volume (mm^3): scored voxels * voxel_volume_mm3; mass (mg): calibration * mean HU *
 *   volume / 1000 per lesion (mg/cm^3 * mm^3 / 1000);
 * - slices closer than slice_thickness overlap: then only slices 0, k, 2k, ... are scored,
 *   k = ceil(slice_thickness / z spacing), so that scored slices do not overlap.
 * `labels_or_null`: uint8, the shape of `ct`, or NULL. 0 = not counted (a mask restricts
 * scoring to its non-zero voxels), 1 LM, 2 LAD, 3 LCX, 4 RCA, other values user-defined; a
 * lesion goes to the label of most of its voxels (ties: the smaller label value).
 * Both may be strided, on the host or the context's device.
 * On success *result is allocated by the library (one block); free it with
 * medkern_calcium_result_free. On failure *result is NULL.
 * Errors: a NULL pointer (context, ct, params, result), a thickness, threshold, area or
 * calibration that is NaN, infinite or out of range, a connectivity other than 4 or 8:
 * MEDKERN_ERROR_INVALID_ARGUMENT (the message names it); a dtype other than int16 / uint8:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE; labels of another shape: MEDKERN_ERROR_SHAPE_MISMATCH;
 * 2^31 voxels or more: MEDKERN_ERROR_OVERFLOW.
 * Ownership: the caller owns `ct`, `labels_or_null` and `params`; the library keeps no
 * pointer to them after the call. */
MEDKERN_API medkern_status medkern_calcium_score(medkern_context* context, const medkern_volume* ct,
                                                 const medkern_volume* labels_or_null,
                                                 const medkern_calcium_params* params,
                                                 medkern_calcium_result** result);

/* medkern_calcium_result_free() - since 0.1
 * Frees a result of medkern_calcium_score. NULL does nothing. */
MEDKERN_API void medkern_calcium_result_free(medkern_calcium_result* result);

/* medkern_calcium_risk_name() - since 0.1
 * A static name of a risk category: "0", "1-10", "11-100", "101-400", ">400", or
 * "unknown" for another value. */
MEDKERN_API const char* medkern_calcium_risk_name(int32_t risk_category);

/* ================================================================ perfusion */

/* A dynamic series (since 0.3): `frames` volumes of one dtype and shape, as CT perfusion and
 * DSC-MRI acquire them. Frame t is `first` with its data pointer moved by t * frame_stride
 * elements; its shape, strides, spacing and device are those of `first`. frame_stride may be
 * negative, or 0 (every frame the same volume).
 * struct_size must reach `frame_stride` (every field, as in 0.3). */
typedef struct medkern_series {
  uint32_t struct_size;
  int32_t reserved0;
  medkern_volume first; /* frame 0 (with its own struct_size) */
  int64_t frames;       /* >= 1 (the ops say how many they need) */
  int64_t frame_stride; /* elements from one frame to the next */
} medkern_series;

/* medkern_series_init() - since 0.3
 * Fills *series as a C-contiguous host series of `nt` frames of shape (nz, ny, nx), i.e. an
 * array (nt, nz, ny, nx) at `data`, spacing 1 mm; change series->first (device, spacing,
 * strides) or frame_stride afterwards as needed. Never fails on a non-null `series`: the
 * values are checked by the functions that use it. */
MEDKERN_API medkern_status medkern_series_init(medkern_series* series, medkern_dtype dtype,
                                               void* data, int64_t nt, int64_t nz, int64_t ny,
                                               int64_t nx);

/* How the series' values become contrast concentration C(t), S0 being the mean of the
 * baseline frames (medkern_perfusion_params.modality). */
enum {
  MEDKERN_PERFUSION_CT = 0,           /* C(t) = S(t) - S0 (HU) */
  MEDKERN_PERFUSION_MR = 1,           /* DSC-MRI: C(t) = -ln(S(t) / S0) / te_s */
  MEDKERN_PERFUSION_CONCENTRATION = 2 /* the series holds concentrations: C(t) = S(t) */
};

/* Deconvolution of the tissue curves by the AIF (medkern_perfusion_params.method):
 * - SSVD: truncated SVD of the lower-triangular convolution matrix (Ostergaard et al., MRM
 *   1996;36:715);
 * - CSVD: the block-circulant matrix of the AIF zero-padded to twice its length, insensitive
 *   to the tissue's delay (Wu et al., MRM 2003;50:164);
 * - OSVD: CSVD with a threshold per voxel chosen by the residue's oscillation index (Wu 2003);
 * - TIKHONOV: the Tikhonov-regularised inverse of the circulant matrix. */
enum {
  MEDKERN_DECONVOLUTION_SSVD = 0,
  MEDKERN_DECONVOLUTION_CSVD = 1,
  MEDKERN_DECONVOLUTION_OSVD = 2,
  MEDKERN_DECONVOLUTION_TIKHONOV = 3
};

/* Every field has a default; struct_size must reach `modality`. */
typedef struct medkern_perfusion_params {
  uint32_t struct_size;
  int32_t modality; /* MEDKERN_PERFUSION_*; default MEDKERN_PERFUSION_CT */
  double te_s;      /* echo time (s), finite and > 0 for MR; unused otherwise; default 0 */
  int32_t method;   /* MEDKERN_DECONVOLUTION_*; default MEDKERN_DECONVOLUTION_OSVD */
  /* Frames averaged for the baseline S0: 1 .. frames, or 0 (default): the frames before the
   * AIF's bolus arrival (the first frame whose AIF concentration, taken against frame 0,
   * reaches 10 % of its peak), at least one. */
  int32_t baseline_frames;
  /* ssvd, csvd: singular values below this fraction of the largest are dropped; tikhonov:
   * the regularisation parameter as a fraction of the largest singular value. Finite and
   * below 1; negative (default -1): the method's default, 0.2 (ssvd), 0.1 (csvd, tikhonov).
   * Unused by osvd, which tries 0.95, 0.90, ..., 0.00. */
  double truncation;
  double oscillation_index; /* osvd: the largest oscillation index accepted, finite, > 0;
                               default 0.095 */
  /* CBF and CBV are scaled by kH / density, kH = (1 - hematocrit_large) / (1 -
   * hematocrit_small): each hematocrit in [0, 1), defaults 0.45 and 0.25; density (g/ml)
   * finite and > 0, default 1.04. Hematocrits 0 and density 1 give unscaled values. */
  double hematocrit_large;
  double hematocrit_small;
  double density_g_per_ml;
} medkern_perfusion_params;

/* The output maps of medkern_perfusion_maps, each a volume of a frame's shape (host or the
 * context's device, any strides): float32 except `valid` (uint8).
 * struct_size must reach `valid` (every map, as in 0.3). */
typedef struct medkern_perfusion_maps_out {
  uint32_t struct_size;
  int32_t reserved0;
  medkern_volume cbf;     /* ml/100 g/min: the peak of the residue function, scaled */
  medkern_volume cbv;     /* ml/100 g: the tissue curve's area over the AIF's, scaled */
  medkern_volume mtt;     /* s: 60 * CBV / CBF */
  medkern_volume tmax;    /* s: time of the residue's peak (parabolic sub-sample estimate) */
  medkern_volume ttp;     /* s after the first frame: time of the tissue curve's peak */
  medkern_volume arrival; /* s after the first frame: when the tissue curve first reaches 10 %
                             of its peak (linear between frames) */
  medkern_volume valid;   /* 1 where the maps hold values; 0 outside the mask and where a voxel
                             shows no enhancement (every map 0 there) */
} medkern_perfusion_maps_out;

/* What medkern_perfusion_maps derived from its arguments. struct_size must reach
 * `baseline_frames`; only as much as struct_size reaches is written. */
typedef struct medkern_perfusion_info {
  uint32_t struct_size;
  int32_t baseline_frames;  /* frames averaged for S0 (given, or found from the AIF) */
  double truncation;        /* the threshold used (osvd: its largest candidate, 0.95) */
  double sample_interval_s; /* of the uniform grid the deconvolution ran on */
  int32_t samples;          /* points of that grid */
  int32_t reserved0;
} medkern_perfusion_info;

/* medkern_perfusion_maps() - since 0.3
 * CBF, CBV, MTT, Tmax, TTP and arrival maps of `series` (int16, uint16 or float32; at least 2
 * and at most 512 frames) by deconvolution of each voxel's concentration curve with the
 * arterial input function (docs/ops.md, "Perfusion"):
 * - `times_s`: the frames' acquisition times in seconds, finite and increasing, any spacing;
 *   the curves are resampled linearly onto a uniform grid of the smallest frame interval
 *   (at most 256 points; coarser where that would be longer) before deconvolution;
 * - `aif`: the arterial input, one value per frame in the series' units (signal, converted
 *   to concentration as the tissue is; medkern_perfusion_mean_curve gives it from a region);
 * - `vof` (NULL for none): a venous output function like `aif`; the AIF is scaled to its
 *   area, against the partial volume of a small artery (CBF and CBV shrink alike);
 * - `count`: the length of `times_s`, `aif` and `vof`, which must be the number of frames;
 * - `mask` (uint8, a frame's shape, or NULL): only its non-zero voxels are computed;
 * - `maps`: the outputs, each a frame's shape; every voxel is written;
 * - `params` may be NULL: every default above (CT, oSVD, hematocrit and density scaling);
 * - `info` may be NULL; otherwise it receives what was derived (baseline, grid, threshold).
 * No map holds NaN or infinity.
 * Errors (MEDKERN_ERROR_INVALID_ARGUMENT unless said): a NULL context, series, times_s, aif
 * or maps; count < 1; times that are not finite or not increasing; a non-finite AIF value, or
 * an AIF whose concentration has no positive area (no bolus); an unknown modality or method
 * code; MR without a positive te_s or with a baseline AIF signal <= 0; truncation not finite
 * or >= 1; oscillation_index not finite or <= 0; baseline_frames outside 0 .. frames;
 * hematocrits outside [0, 1); density not finite or <= 0; fewer than 2 or more than 512
 * frames; a struct_size too small. count other than the number of frames, a mask or map of
 * another shape: MEDKERN_ERROR_SHAPE_MISMATCH; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE;
 * frame offsets that overflow: MEDKERN_ERROR_OVERFLOW. On failure the maps are unspecified
 * and *info is left as it was.
 * Ownership: the caller owns every argument; the library keeps no pointer after the call and
 * returns nothing to free. */
MEDKERN_API medkern_status
medkern_perfusion_maps(medkern_context* context, const medkern_series* series,
                       const double* times_s, const double* aif, const double* vof, int64_t count,
                       const medkern_volume* mask, const medkern_perfusion_maps_out* maps,
                       const medkern_perfusion_params* params, medkern_perfusion_info* info);

/* medkern_perfusion_mean_curve() - since 0.3
 * The mean of `series` over the non-zero voxels of `aif_mask` (uint8, a frame's shape) at
 * each frame, into curve[0 .. count - 1]: the AIF of a region (an artery), for
 * medkern_perfusion_maps. 1 to 512 frames. Sums are in double (exact for int16 and uint16).
 * Errors: NULL pointers, an aif_mask that selects no voxel, count < 1, more than 512 frames:
 * MEDKERN_ERROR_INVALID_ARGUMENT; count other than the number of frames, an aif_mask of
 * another shape: MEDKERN_ERROR_SHAPE_MISMATCH; a series dtype other than int16, uint16,
 * float32 or an aif_mask other than uint8: MEDKERN_ERROR_UNSUPPORTED_DTYPE. On failure
 * `curve` is left as it was. Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_perfusion_mean_curve(medkern_context* context,
                                                        const medkern_series* series,
                                                        const medkern_volume* aif_mask,
                                                        double* curve, int64_t count);

typedef struct medkern_time_intensity_curves_result {
  uint32_t struct_size;
  int32_t reserved0;
  int64_t num_labels; /* labels present, increasing */
  int64_t frames;
  int32_t* labels; /* num_labels values; NULL for none */
  int64_t* count;  /* voxels of each label */
  double* mean;    /* num_labels x frames, row by label: mean[i * frames + t] */
  double* std;     /* likewise: the population standard deviation */
} medkern_time_intensity_curves_result;

/* medkern_time_intensity_curves() - since 0.3
 * The time-intensity curves of the labelled regions of `series` (int16, uint16 or float32;
 * 1 to 512 frames): for each label of `labels` (int32 or uint8, a frame's shape, values 0 ..
 * 2^24 - 1; 0 is background) its voxel count and, at every frame, the mean and population
 * standard deviation of its voxels, as medkern_label_statistics of each frame.
 * Errors: NULL pointers, a label value out of range, more than 512 frames:
 * MEDKERN_ERROR_INVALID_ARGUMENT; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE; labels of
 * another shape: MEDKERN_ERROR_SHAPE_MISMATCH.
 * On success *result is allocated by the library (one block); free it with
 * medkern_time_intensity_curves_free. On failure *result is NULL. */
MEDKERN_API medkern_status medkern_time_intensity_curves(
    medkern_context* context, const medkern_series* series, const medkern_volume* labels,
    medkern_time_intensity_curves_result** result);

/* medkern_time_intensity_curves_free() - since 0.3
 * Frees a result of medkern_time_intensity_curves. NULL does nothing. */
MEDKERN_API void medkern_time_intensity_curves_free(medkern_time_intensity_curves_result* result);

/* The options of medkern_curve_parameters (since 0.3). */
typedef struct medkern_curve_parameter_options {
  uint32_t struct_size;
  int32_t baseline_frames; /* 1 .. count, or 0 (default): the frames before the curve first
                              reaches 10 % of its peak over the first value */
  double early_window_s;   /* the early phase after the bolus arrival; default 120 */
  double type_threshold;   /* kinetic type: late change above +this 1 (persistent), below
                              -this 3 (washout), else 2 (plateau); default 0.1 */
} medkern_curve_parameter_options;

/* The parameters of one curve; times in s after its first value, slopes per s. */
typedef struct medkern_curve_parameters {
  uint32_t struct_size;
  int32_t kinetic_type; /* 1 persistent, 2 plateau, 3 washout; 0: no enhancement */
  double baseline;
  double peak_enhancement;     /* peak - baseline */
  double relative_enhancement; /* (peak - baseline) / baseline; 0 for a baseline <= 0 */
  double time_to_peak_s;
  double arrival_s;                /* first at 10 % of the peak enhancement (linear) */
  double area;                     /* of the enhancement, trapezoid */
  double wash_in_slope;            /* the steepest rise between values up to the peak */
  double wash_out_slope;           /* (last - peak) / (the time between them) */
  double first_moment_s;           /* of the enhancement */
  double fwhm_s;                   /* width where the enhancement is at least half its peak */
  double signal_enhancement_ratio; /* (early peak - baseline) / (last - baseline) */
} medkern_curve_parameters;

/* medkern_curve_parameters_of() - since 0.3
 * The parameters of `curve` at `times_s` (`count` >= 2 values each, times increasing) into
 * *out (as much as out->struct_size reaches): baseline, enhancement, time to peak, arrival,
 * area, wash-in and wash-out slopes, first moment, FWHM, signal enhancement ratio and the
 * kinetic type of Kuhl et al. (Radiology 1999;211:101); docs/ops.md, "Perfusion".
 * `options` may be NULL for the defaults. A curve that never rises above its baseline gives
 * 0 everywhere but the baseline. Errors: NULL pointers, count < 2, non-finite values, times
 * not increasing, options out of range: MEDKERN_ERROR_INVALID_ARGUMENT. */
MEDKERN_API medkern_status medkern_curve_parameters_of(
    const double* curve, const double* times_s, int64_t count,
    const medkern_curve_parameter_options* options, medkern_curve_parameters* out);

/* The outputs of medkern_kinetic_maps, each a volume of a frame's shape (host or the
 * context's device, any strides): float32, kinetic_type uint8. struct_size must reach
 * kinetic_type (every map). The fields of medkern_curve_parameters, voxel by voxel. */
typedef struct medkern_kinetic_maps_out {
  uint32_t struct_size;
  int32_t reserved0;
  medkern_volume baseline;
  medkern_volume peak_enhancement;
  medkern_volume relative_enhancement;
  medkern_volume time_to_peak; /* s after the first frame */
  medkern_volume arrival;      /* s after the first frame */
  medkern_volume area;
  medkern_volume wash_in_slope;
  medkern_volume wash_out_slope;
  medkern_volume first_moment; /* s after the first frame */
  medkern_volume fwhm;         /* s */
  medkern_volume signal_enhancement_ratio;
  medkern_volume kinetic_type; /* uint8: 1 persistent, 2 plateau, 3 washout, 0 none */
} medkern_kinetic_maps_out;

/* medkern_kinetic_maps() - since 0.3
 * medkern_curve_parameters_of of every voxel of `series` (int16, uint16 or float32, 2 to 512
 * frames) inside `mask` (uint8, a frame's shape, or NULL) at `times_s` (`count` = the frames,
 * increasing), written into `maps`; voxels outside the mask or holding NaN or infinity are 0
 * in every map. `options` may be NULL for the defaults. Computed on the host in double
 * (device data is copied there and the maps back).
 * Errors: NULL pointers, times not finite or not increasing, options out of range, frames
 * out of range: MEDKERN_ERROR_INVALID_ARGUMENT; count other than the frames, maps or mask of
 * another shape: MEDKERN_ERROR_SHAPE_MISMATCH; other dtypes: MEDKERN_ERROR_UNSUPPORTED_DTYPE.
 * Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_kinetic_maps(medkern_context* context,
                                                const medkern_series* series, const double* times_s,
                                                int64_t count, const medkern_volume* mask,
                                                const medkern_kinetic_maps_out* maps,
                                                const medkern_curve_parameter_options* options);

/* Automatic AIF selection's parameters (since 0.3). */
typedef struct medkern_aif_selection_params {
  uint32_t struct_size;
  int32_t modality;          /* MEDKERN_PERFUSION_*; default MEDKERN_PERFUSION_CT */
  double te_s;               /* echo time (s) for MR, finite and > 0; default 0 */
  int32_t baseline_frames;   /* 1 .. frames, or 0 (default): the frames before the mask's
                                mean curve reaches 10 % of its peak enhancement */
  int32_t clusters;          /* k of the k-means, 1 .. 64; default 5 */
  double area_fraction;      /* the largest areas kept, in (0, 1]; default 0.1 */
  double roughness_fraction; /* of those the least rough kept, in (0, 1]; default 0.25 */
} medkern_aif_selection_params;

/* medkern_select_aif() - since 0.3
 * Selects arterial voxels of `series` among the non-zero voxels of `mask` (uint8, a frame's
 * shape; NULL: every voxel), after Mouridsen et al., MRM 2006;55:524 (docs/ops.md,
 * "Perfusion"): the largest concentration areas, of them the least rough curves, then the
 * earliest cluster of a k-means of the area-normalised curves, twice. Writes 1 on the
 * selected voxels and 0 elsewhere into `selected` (uint8, a frame's shape), their mean signal
 * into curve[0 .. count - 1] (an AIF for medkern_perfusion_maps) and their number into
 * *voxels (may be NULL). `times_s` has `count` values, one per frame. `params` may be NULL
 * for the defaults. Runs on the host (device data is copied).
 * Errors: NULL pointers, times not finite or not increasing, no enhancing voxel in the mask,
 * parameters out of range: MEDKERN_ERROR_INVALID_ARGUMENT; count other than the frames,
 * arrays of other shapes: MEDKERN_ERROR_SHAPE_MISMATCH; other dtypes:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE. Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_select_aif(medkern_context* context,
                                              const medkern_series* series, const double* times_s,
                                              int64_t count, const medkern_volume* mask,
                                              const medkern_aif_selection_params* params,
                                              const medkern_volume* selected, double* curve,
                                              int64_t* voxels);

/* The stroke summary's thresholds (since 0.3; DEFUSE 3 / RAPID's defaults). */
typedef struct medkern_stroke_params {
  uint32_t struct_size;
  int32_t reserved0;
  double tmax_threshold_s;       /* hypoperfused: Tmax above this; default 6 */
  double relative_cbf_threshold; /* core: CBF below this x the reference; default 0.3 */
  double reference_cbf;          /* ml/100 g/min; 0 (default): the mean CBF of the valid voxels
                                    of the reference mask */
} medkern_stroke_params;

typedef struct medkern_stroke_summary {
  uint32_t struct_size;
  int32_t reserved0;
  double hypoperfusion_ml; /* valid voxels with Tmax above the threshold */
  double core_ml;          /* valid voxels with CBF below the threshold */
  double mismatch_ml;      /* hypoperfusion_ml - core_ml */
  double mismatch_ratio;   /* hypoperfusion / core; INFINITY with no core, 0 with neither */
  double reference_cbf;    /* the reference used */
  int64_t valid_voxels;
} medkern_stroke_summary;

/* medkern_stroke_summary() - since 0.3
 * The figures stroke triage reads from perfusion maps (Albers et al., NEJM 2018;378:708):
 * the hypoperfused volume (Tmax > threshold), the ischaemic core (CBF < a fraction of a
 * reference CBF) and their mismatch, over the voxels whose `valid` map is 1 (voxels without
 * enhancement are not counted), the voxel volume from maps->cbf's spacing. Only the cbf,
 * tmax and valid maps are read (host or the context's device). `reference_mask` (uint8, the
 * maps' shape) gives the reference CBF as the mean over its valid voxels (e.g. the unaffected
 * hemisphere) unless params->reference_cbf is set; it may then be NULL. `params` may be
 * NULL for the defaults. *summary receives as much as its struct_size reaches.
 * Errors: NULL context, maps or summary, no reference (neither a reference_cbf nor a mask
 * with a valid voxel of positive CBF), thresholds out of range: MEDKERN_ERROR_INVALID_ARGUMENT;
 * maps or mask of other shapes: MEDKERN_ERROR_SHAPE_MISMATCH; other dtypes:
 * MEDKERN_ERROR_UNSUPPORTED_DTYPE. Ownership: the caller owns every argument. */
MEDKERN_API medkern_status medkern_stroke_summary_of(medkern_context* context,
                                                     const medkern_perfusion_maps_out* maps,
                                                     const medkern_volume* reference_mask,
                                                     const medkern_stroke_params* params,
                                                     medkern_stroke_summary* summary);

/* ================================================================ DICOM */

/* medkern_dicom_available() - since 0.1
 * Non-zero when this build reads DICOM (it was built with DCMTK). Without it, every
 * medkern_dicom_* function below returns MEDKERN_ERROR_NOT_SUPPORTED. */
MEDKERN_API int32_t medkern_dicom_available(void);

typedef struct medkern_dicom_options {
  uint32_t struct_size;
  /* 0 (default): MEDKERN_DTYPE_INT16 when every rescaled value is an integer that fits in
   * int16 (CT, MR without rescale below 32768), else MEDKERN_DTYPE_FLOAT32.
   * MEDKERN_DTYPE_INT16: int16 or MEDKERN_ERROR_INVALID_DATA where it would not be exact.
   * MEDKERN_DTYPE_FLOAT32: always float32 (the rescale computed in double, rounded once). */
  medkern_dtype output_dtype;
  const char* series_uid;          /* NULL or "" (default): the series with the most files */
  int32_t allow_irregular_spacing; /* non-zero: missing slices / uneven spacing are a warning */
  int32_t allow_gantry_tilt;       /* non-zero: a tilted stack loads as a sheared grid, warned */
  int32_t recursive;               /* non-zero: directories are read with their subdirectories */
  int32_t num_threads; /* files decoded in parallel; 0 (default) = all cores; at most 4 x the
                        * hardware threads */
} medkern_dicom_options;

/* medkern_dicom_options_init() - since 0.1
 * Default options in *options: automatic dtype, the largest series, strict geometry, no
 * subdirectories, all cores. */
MEDKERN_API medkern_status medkern_dicom_options_init(medkern_dicom_options* options);

/* A loaded series. Voxel (k, j, i) lies at the patient position (LPS, mm)
 * origin + k*sz*orientation[0..2] + j*sy*orientation[3..5] + i*sx*orientation[6..8]
 * with (sz, sy, sx) = volume.spacing. A dynamic series (the same slice positions repeated
 * over time: CT perfusion, DSC-MRI) has several frames of this geometry:
 * medkern_dicom_series_frames, medkern_dicom_series_frame_times and
 * medkern_dicom_series_view describe them. */
typedef struct medkern_dicom_series {
  uint32_t struct_size;
  int32_t reserved0;
  /* Host, C-contiguous, (slices, rows, columns), MEDKERN_DTYPE_INT16 (HU for CT) or
   * MEDKERN_DTYPE_FLOAT32; spacing (step between slice positions - never SliceThickness -,
   * row spacing, column spacing). The data belongs to this result. Of a dynamic series,
   * frame 0, the other frames following it at volume.data (frame t at t x slices x rows x
   * columns elements). */
  medkern_volume volume;
  double origin[3];       /* ImagePositionPatient of the first slice (x, y, z) */
  double orientation[9];  /* unit vectors of the axes z, y, x: the slice step direction (the
                             normal unless a tilt was allowed), the column and the row
                             direction of ImageOrientationPatient */
  double slice_thickness; /* (0018,0050) of the first slice; NaN when absent */
  /* The only identifiers kept (UTF-8, decoded by the files' SpecificCharacterSet; "" when
   * absent). */
  const char* patient_id;
  const char* study_uid;
  const char* series_uid;
  const char* series_description;
  const char* modality;
  int64_t num_warnings;
  const char* const* warnings; /* what was tolerated: skipped files, other series, ... */
} medkern_dicom_series;

/* medkern_dicom_load_series() - since 0.1
 * Loads one series from `paths` (`num_paths` entries, each a file or a directory whose
 * files are read) into a volume: the images grouped by SeriesInstanceUID (options->series_uid,
 * or the series with the most files), sorted by ImagePositionPatient along the slice normal,
 * RescaleSlope/RescaleIntercept applied per slice. Decodes the files in parallel.
 * Since 0.3, a series in which a slice position holds several images loads as frames
 * (docs/ops.md, "DICOM"): by TemporalPositionIdentifier where every file has one, else by
 * a shared TriggerTime or AcquisitionTime, else the k-th image at each position is frame k;
 * every frame must hold one image at each position (MEDKERN_ERROR_INVALID_DATA naming the
 * frame otherwise).
 * Transfer syntaxes: implicit/explicit VR little endian, explicit big endian, deflated, RLE,
 * JPEG baseline, extended and lossless, JPEG-LS. Files that are not DICOM images are skipped
 * with a warning. `options` may be NULL for the defaults.
 * Errors (the message names the file):
 * - MEDKERN_ERROR_NOT_SUPPORTED: another transfer syntax (JPEG 2000...): "unsupported
 *   transfer syntax"; colour or multi-frame images; a build without DCMTK;
 * - MEDKERN_ERROR_INVALID_DATA: a truncated or unreadable DICOM file; varying orientation
 *   or image size; two slices at one position; missing slices or uneven spacing (unless
 *   allow_irregular_spacing); gantry tilt (unless allow_gantry_tilt); no DICOM image found;
 *   a compressed frame whose own header declares another size than Rows x Columns; a
 *   RescaleSlope or RescaleIntercept that is not a finite number;
 * - MEDKERN_ERROR_IO: a path that does not exist or cannot be read, or that is neither a
 *   regular file nor a directory (a FIFO, a device);
 * - MEDKERN_ERROR_INVALID_ARGUMENT: NULL pointers, num_paths < 1, a series_uid not found.
 * On success *series is allocated by the library (one block); free it with
 * medkern_dicom_series_free. On failure *series is NULL. The caller keeps `paths`. */
MEDKERN_API medkern_status medkern_dicom_load_series(const char* const* paths, int64_t num_paths,
                                                     const medkern_dicom_options* options,
                                                     medkern_dicom_series** series);

/* medkern_dicom_series_free() - since 0.1
 * Frees a result of medkern_dicom_load_series, its voxels and strings. NULL does nothing. */
MEDKERN_API void medkern_dicom_series_free(medkern_dicom_series* series);

/* medkern_dicom_series_frames() - since 0.3
 * The number of frames of a loaded series in *frames: 1 for a static series, the number of
 * time points of a dynamic one. Errors: NULL arguments, or a `series` that is not a live
 * result of medkern_dicom_load_series (never loaded, or freed): MEDKERN_ERROR_INVALID_ARGUMENT.
 * Ownership: nothing is allocated. */
MEDKERN_API medkern_status medkern_dicom_series_frames(const medkern_dicom_series* series,
                                                       int64_t* frames);

/* medkern_dicom_series_frame_times() - since 0.3
 * *times_s points to the series' frame times, one per frame (medkern_dicom_series_frames):
 * seconds after the first frame, so the first is 0 ({0} for a static series). A frame's time
 * is the earliest of its images': TriggerTime where the files have one that varies, else
 * AcquisitionTime; NaN, with a warning in series->warnings, where the files give neither.
 * Errors as medkern_dicom_series_frames. Ownership: the times belong to `series` and live
 * until medkern_dicom_series_free. */
MEDKERN_API medkern_status medkern_dicom_series_frame_times(const medkern_dicom_series* series,
                                                            const double** times_s);

/* medkern_dicom_series_view() - since 0.3
 * Fills *view (set view->struct_size first; only that much is written) with every frame of
 * the series, as the perfusion functions take a series: view->first = series->volume,
 * view->frames the frame count, view->frame_stride the elements of one frame. Pass it with
 * the times of medkern_dicom_series_frame_times. Errors as medkern_dicom_series_frames, and
 * a view->struct_size that is too small. Ownership: the view points into `series`, valid
 * until medkern_dicom_series_free. */
MEDKERN_API medkern_status medkern_dicom_series_view(const medkern_dicom_series* series,
                                                     medkern_series* view);

/* One series found by medkern_dicom_list_series. */
typedef struct medkern_dicom_series_info {
  const char* series_uid;
  const char* study_uid;
  const char* patient_id;
  const char* series_description;
  const char* modality;
  int64_t series_number; /* -1 when absent */
  int64_t num_files;     /* its image files */
  int64_t rows;          /* of its first file */
  int64_t columns;
} medkern_dicom_series_info;

typedef struct medkern_dicom_series_list {
  uint32_t struct_size;
  int32_t reserved0;
  int64_t num_series;                /* >= 1, the largest first */
  medkern_dicom_series_info* series; /* num_series records, owned by the list */
  int64_t num_warnings;
  const char* const* warnings; /* skipped files */
} medkern_dicom_series_list;

/* medkern_dicom_list_series() - since 0.1
 * Lists the series of `paths` (as medkern_dicom_load_series, reading headers only; of
 * `options` only recursive and num_threads count; NULL for the defaults). Errors as
 * medkern_dicom_load_series for reading. On success *list is allocated by the library;
 * free it with medkern_dicom_series_list_free. On failure *list is NULL. */
MEDKERN_API medkern_status medkern_dicom_list_series(const char* const* paths, int64_t num_paths,
                                                     const medkern_dicom_options* options,
                                                     medkern_dicom_series_list** list);

/* medkern_dicom_series_list_free() - since 0.1
 * Frees a result of medkern_dicom_list_series. NULL does nothing. */
MEDKERN_API void medkern_dicom_series_list_free(medkern_dicom_series_list* list);

#ifdef __cplusplus
}
#endif

#endif /* MEDKERN_H */
