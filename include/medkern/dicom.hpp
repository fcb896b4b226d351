// DICOM series loading (DCMTK): a directory or a list of files -> one volume in HU with its
// geometry and identifiers. Built when CMake finds DCMTK (MEDKERN_WITH_DCMTK); otherwise
// every function here except available() throws Error(Status::not_supported).
//
//   medkern::dicom::Series s = medkern::dicom::load_series("/data/ct/calcium");
//   for (const std::string& w : s.warnings) std::cerr << "warning: " << w << "\n";
//   medkern::VolumeRef hu = s.view();  // int16 HU, (nz, ny, nx), spacing (sz, sy, sx) mm
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "medkern/volume.hpp"

namespace medkern::dicom {

// True when this build reads DICOM (it was built with DCMTK).
bool available() noexcept;

// The element type of the loaded volume. automatic: int16 when every rescaled value
// (stored * RescaleSlope + RescaleIntercept) is an integer in [-32768, 32767] - CT always,
// MR without rescale when its values fit -, float32 otherwise (non-integer slopes, uint16 MR
// above 32767). int16 asks for int16 and fails (Status::invalid_data) where it would not be
// exact; float32 always gives float32 (the rescale computed in double, rounded once).
enum class OutputType : int32_t { automatic = 0, int16 = 1, float32 = 3 };

struct LoadOptions {
  std::string series_uid;  // empty: the series with the most files
  OutputType output = OutputType::automatic;
  bool allow_irregular_spacing = false;  // missing or unevenly spaced slices: a warning, not
                                         // an error (spacing is then the mean step)
  bool allow_gantry_tilt = false;        // a tilted (sheared) stack: a warning, not an error
  bool recursive = false;                // also read the files of subdirectories
  int num_threads = 0;  // files decoded in parallel; 0 = all cores; at most max_cpu_threads()
};

// The text read from the files (identifiers, descriptions) is always UTF-8: decoded by each
// file's SpecificCharacterSet (DCMTK's conversion). Where DCMTK cannot convert, Latin-1
// (ISO_IR 100) is decoded by hand; otherwise what is UTF-8 is kept and every other byte
// becomes U+FFFD (also where no character set is declared, which means ASCII).

// One series found among the files (list_series).
struct SeriesInfo {
  std::string series_uid;
  std::string study_uid;
  std::string patient_id;
  std::string series_description;
  std::string modality;
  int64_t series_number = -1;  // (0020,0011); -1 when absent
  int64_t num_files = 0;       // image files of the series (single-frame images)
  int64_t rows = 0;            // of its first file
  int64_t columns = 0;
};

// A loaded series. Voxel (k, j, i) - slice k, row j, column i - lies at the patient
// position (LPS, mm) origin + k*spacing[0]*orientation[0] + j*spacing[1]*orientation[1] +
// i*spacing[2]*orientation[2].
struct Series {
  DType dtype = DType::int16;       // int16 or float32 (OutputType)
  std::vector<int16_t> int16_data;  // the voxels when dtype == int16, C order
  std::vector<float> float32_data;  // the voxels when dtype == float32
  Shape3 shape{0, 0, 0};            // (slices, rows, columns)
  Spacing3 spacing{1.0, 1.0, 1.0};  // (step between slice positions, row spacing, column
                                    // spacing) in mm; never SliceThickness
  std::array<double, 3> origin{};   // ImagePositionPatient of the first slice (x, y, z)
  // Unit vectors (x, y, z in LPS) of the array axes z, y, x: [0] the slice step direction
  // (the normal, row x column, unless a tilt was allowed), [1] the column direction
  // (ImageOrientationPatient[3:6]), [2] the row direction (ImageOrientationPatient[0:3]).
  std::array<std::array<double, 3>, 3> orientation{};
  double slice_thickness = 0.0;  // (0018,0050) of the first slice; NaN when absent
  // The only identifiers kept; no other attribute of the files is.
  std::string patient_id;
  std::string study_uid;
  std::string series_uid;
  std::string series_description;
  std::string modality;
  std::vector<std::string> warnings;  // what was tolerated: skipped files, other series...

  // A host view of the voxels with this spacing (valid while the Series lives).
  VolumeRef view() const;
};

// The series in `paths` (each a file or a directory whose files are read; subdirectories
// only when options.recursive), largest first; files that are not DICOM images are skipped
// and each gives a line in *warnings (if not null). Reads headers only.
// Errors: a path that does not exist or cannot be read, or that is neither a regular file
// nor a directory (a FIFO, a device; those inside a directory are skipped): Status::io; a
// path with a NUL byte: Status::invalid_argument; no DICOM image among the files:
// Status::invalid_data; a build without DCMTK: Status::not_supported.
std::vector<SeriesInfo> list_series(const std::vector<std::string>& paths,
                                    const LoadOptions& options = {},
                                    std::vector<std::string>* warnings = nullptr);

// Loads one series of `paths` (as list_series): options.series_uid, or the largest.
// Slices are sorted by ImagePositionPatient projected on the slice normal; spacing comes from
// the positions; RescaleSlope / RescaleIntercept are applied per slice (1 / 0 when absent or
// empty). Transfer syntaxes: implicit and explicit VR little endian, explicit big endian,
// deflated, JPEG baseline, extended and lossless, JPEG-LS, RLE. Errors (messages name the
// file):
// - Status::not_supported: another transfer syntax ("unsupported transfer syntax", e.g.
//   JPEG 2000), colour or multi-frame images, BitsAllocated other than 8 or 16;
// - Status::invalid_data: truncated or unreadable files, a JPEG or JPEG-LS frame whose own
//   header gives another size than Rows x Columns, a RescaleSlope or RescaleIntercept that
//   is not a finite number (naming it), varying orientation or image size, two slices at
//   one position, missing slices or uneven spacing (unless allow_irregular_spacing), gantry
//   tilt (unless allow_gantry_tilt), several files without ImagePositionPatient;
// - Status::invalid_argument: a series_uid that is not there (the message lists them);
// - Status::io as list_series.
Series load_series(const std::vector<std::string>& paths, const LoadOptions& options = {});
Series load_series(const std::string& path, const LoadOptions& options = {});

}  // namespace medkern::dicom
