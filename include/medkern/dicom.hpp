// DICOM series loading and writing (DCMTK): a directory or a list of files -> one volume in
// HU, or a dynamic series of volumes with their frame times, with its geometry and
// identifiers; and a volume or dynamic series -> single-frame DICOM files. Built when CMake
// finds DCMTK (MEDKERN_WITH_DCMTK); otherwise every function here except available() throws
// Error(Status::not_supported).
//
//   medkern::dicom::Series s = medkern::dicom::load_series("/data/ct/calcium");
//   for (const std::string& w : s.warnings) std::cerr << "warning: " << w << "\n";
//   medkern::VolumeRef hu = s.view();  // int16 HU, (nz, ny, nx), spacing (sz, sy, sx) mm
//
//   medkern::dicom::Series p = medkern::dicom::load_series("/data/ct/perfusion");
//   medkern::SeriesRef frames = p.series_view();  // (nt, nz, ny, nx), as perfusion_maps takes
//   const std::vector<double>& times = p.frame_times_s;  // seconds after the first frame
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "medkern/perfusion.hpp"
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

// How the images of a loaded series were split into frames (Series::frame_grouping). A
// series is dynamic when some slice position holds more than one image (the same
// SOPInstanceUID twice counts once); its frames are then, by the first rule that applies:
enum class FrameGrouping : int32_t {
  none = 0,               // a static series: one frame
  temporal_position = 1,  // every image has TemporalPositionIdentifier (0020,0100): one frame
                          // per value, in increasing order
  trigger_time = 2,       // the images of a frame share one TriggerTime (0018,1060)
  acquisition_time = 3,   // the images of a frame share one AcquisitionTime (0008,0032)
  // Every image has its own time (slices acquired one after another), or none: the k-th
  // image at each slice position is frame k, in the order of their times (TriggerTime, else
  // AcquisitionTime), else of InstanceNumber (0020,0013).
  repeated_positions = 4,
};

// The name of a grouping ("none", "temporal_position", ...), for messages.
const char* frame_grouping_name(FrameGrouping grouping) noexcept;

// A loaded series: `frames` volumes of `shape` (one for a static series). Voxel (k, j, i) -
// slice k, row j, column i - of every frame lies at the patient position (LPS, mm)
// origin + k*spacing[0]*orientation[0] + j*spacing[1]*orientation[1] +
// i*spacing[2]*orientation[2].
struct Series {
  DType dtype = DType::int16;       // int16 or float32 (OutputType)
  std::vector<int16_t> int16_data;  // the voxels when dtype == int16, C order (frames, shape)
  std::vector<float> float32_data;  // the voxels when dtype == float32
  Shape3 shape{0, 0, 0};            // of one frame: (slices, rows, columns)
  Spacing3 spacing{1.0, 1.0, 1.0};  // (step between slice positions, row spacing, column
                                    // spacing) in mm; never SliceThickness
  std::array<double, 3> origin{};   // ImagePositionPatient of the first slice (x, y, z)
  // Unit vectors (x, y, z in LPS) of the array axes z, y, x: [0] the slice step direction
  // (the normal, row x column, unless a tilt was allowed), [1] the column direction
  // (ImageOrientationPatient[3:6]), [2] the row direction (ImageOrientationPatient[0:3]).
  std::array<std::array<double, 3>, 3> orientation{};
  double slice_thickness = 0.0;  // (0018,0050) of the first slice; NaN when absent
  // The frames (nt): 1 for a static series. All frames have the same slice positions.
  int64_t frames = 1;
  // Seconds after the first frame, one per frame (so frame_times_s[0] is 0; {0} for a static
  // series). A frame's time is the earliest of its images' times: TriggerTime where the files
  // have one that varies, else AcquisitionTime (one series may pass midnight, not last 12
  // hours). NaN, with a warning, where the files give neither.
  std::vector<double> frame_times_s{0.0};
  FrameGrouping frame_grouping = FrameGrouping::none;
  // The only identifiers kept; no other attribute of the files is.
  std::string patient_id;
  std::string study_uid;
  std::string series_uid;
  std::string series_description;
  std::string modality;
  std::vector<std::string> warnings;  // what was tolerated: skipped files, other series...

  // A host view of the voxels with this spacing (valid while the Series lives). A dynamic
  // series is not one volume: view() throws Error(invalid_argument) for frames > 1; take
  // frame(t) or series_view().
  VolumeRef view() const;
  // Frame t (0 .. frames - 1) as a host view; Error(invalid_argument) outside.
  VolumeRef frame(int64_t t) const;
  // Every frame, (frames, slices, rows, columns), as the perfusion ops take a series (with
  // frame_times_s as their times); frames = 1 for a static series.
  SeriesRef series_view() const;
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
// empty). A dynamic series (FrameGrouping) loads as frames of one geometry, the output type
// chosen over all of them. Transfer syntaxes: implicit and explicit VR little endian, explicit big
// endian, deflated, JPEG baseline, extended and lossless, JPEG-LS, RLE. Errors (messages name the
// file):
// - Status::not_supported: another transfer syntax ("unsupported transfer syntax", e.g.
//   JPEG 2000), colour or multi-frame images, BitsAllocated other than 8 or 16;
// - Status::invalid_data: truncated or unreadable files, a JPEG or JPEG-LS frame whose own
//   header gives another size than Rows x Columns, a RescaleSlope or RescaleIntercept that
//   is not a finite number (naming it), varying orientation or image size, two slices at
//   one position, missing slices or uneven spacing (unless allow_irregular_spacing), gantry
//   tilt (unless allow_gantry_tilt), several files without ImagePositionPatient; a dynamic
//   series whose frames do not hold one image at each slice position, or differ in geometry
//   (naming the frame), or whose images at one position cannot be put in order (no time or
//   InstanceNumber);
// - Status::invalid_argument: a series_uid that is not there (the message lists them);
// - Status::io as list_series.
Series load_series(const std::vector<std::string>& paths, const LoadOptions& options = {});
Series load_series(const std::string& path, const LoadOptions& options = {});

// ------------------------------------------------------------------ writing

// What write_series writes besides the voxels.
struct WriteOptions {
  // The geometry in LPS, as Series holds it: voxel (k, j, i) of every frame lies at
  // origin + k*spacing[0]*orientation[0] + j*spacing[1]*orientation[1] +
  // i*spacing[2]*orientation[2], the spacing that of the series' view. The orientation must
  // be orthonormal and right-handed, orientation[0] = orientation[2] x orientation[1] (the
  // order load_series sorts slices in); the default is axial.
  std::array<double, 3> origin{0.0, 0.0, 0.0};
  std::array<std::array<double, 3>, 3> orientation{{{0, 0, 1}, {0, 1, 0}, {1, 0, 0}}};
  double slice_thickness = 0.0;  // mm, finite, >= 0; 0 writes the slice step
  // "CT" or "MR"; empty: CT for int16 voxels, MR for uint16.
  std::string modality;
  // CT: the stored value is HU - rescale_intercept (RescaleSlope 1), signed 16 bits; every
  // voxel must fit. An integer in [-32768, 32767]. MR is stored as it is, without rescale.
  double rescale_intercept = -1024.0;
  double echo_time_s = 0.0;  // MR: EchoTime (0018,0081); 0: not written
  // Identifiers: empty UIDs are generated (2.25. UUID form); the study and frame of reference
  // are shared by every file of the call.
  std::string patient_id;
  std::string patient_name;
  std::string study_uid;
  std::string series_uid;
  std::string series_description;
  int64_t series_number = 1;
  // Times: image (t, k) has AcquisitionTime start_time_of_day_s + times_s[t] - times_s[0] +
  // k * slice_interval_s (seconds after midnight, past midnight modulo a day), so that
  // slice_interval_s > 0 writes slices acquired one after another. The whole series must
  // last less than 12 hours.
  double start_time_of_day_s = 36000.0;  // 10:00:00
  double slice_interval_s = 0.0;
  // The attributes that split a dynamic series into frames, each optional so that a series
  // can be written as every scanner writes its own: TemporalPositionIdentifier (1 .. frames)
  // with NumberOfTemporalPositions; AcquisitionTime; TriggerTime (ms after the first frame);
  // InstanceNumber (1, 2, ... frame by frame, slice by slice).
  bool temporal_position = true;
  bool acquisition_time = true;
  bool trigger_time = false;
  bool instance_number = true;
  int num_threads = 0;  // files written in parallel; 0 = all cores; at most max_cpu_threads()
};

// Writes `series` (host, any strides; int16 CT in HU or uint16 MR) as single-frame DICOM files
// (CT or MR Image Storage, explicit VR little endian), one per frame and slice, into
// `directory` (created when missing; files of the same names are replaced), named
// "t<frame>_z<slice>.dcm" with the numbers zero-padded to four digits. `times_s`: the frame
// times in seconds, finite and increasing, one per frame (may be empty for one frame).
// Returns the paths written, frame after frame, slice after slice. Errors: a dtype other
// than int16 and uint16 (Status::unsupported_dtype), bad options or times, a CT value that
// does not fit after the intercept (Status::invalid_argument, naming it), a device view
// (Status::invalid_argument), a directory or file that cannot be written (Status::io).
std::vector<std::string> write_series(const std::string& directory, const SeriesRef& series,
                                      const std::vector<double>& times_s,
                                      const WriteOptions& options = {});
// A static volume: one frame.
std::vector<std::string> write_series(const std::string& directory, const VolumeRef& volume,
                                      const WriteOptions& options = {});

}  // namespace medkern::dicom
