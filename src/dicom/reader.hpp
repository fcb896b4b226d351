// The DCMTK side of DICOM loading (src/dicom/dcmtk_reader.cpp), behind a DCMTK-free
// interface so that src/dicom/series.cpp (file lists, grouping, geometry, rescaling) and
// every other file build without DCMTK's headers.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace medkern::dicom::detail {

// What the loader needs from one file's header. Identifiers other than those listed are
// never read. Its strings are UTF-8 (decoded by the file's SpecificCharacterSet).
struct FileHeader {
  std::string path;
  std::string sop_uid;
  std::string series_uid;
  std::string study_uid;
  std::string patient_id;
  std::string series_description;
  std::string modality;
  int64_t series_number = -1;
  int64_t rows = 0;
  int64_t columns = 0;
  int64_t frames = 1;
  int64_t samples_per_pixel = 1;
  int64_t bits_allocated = 0;
  std::string photometric;
  bool has_position = false;
  std::array<double, 3> position{};
  bool has_orientation = false;
  std::array<double, 6> orientation{};
  bool has_pixel_spacing = false;
  std::array<double, 2> pixel_spacing{};  // (between rows, between columns)
  double slice_thickness = std::numeric_limits<double>::quiet_NaN();         // when absent
  double spacing_between_slices = std::numeric_limits<double>::quiet_NaN();  // when absent
  double gantry_tilt = 0.0;  // (0018,1120) in degrees; 0 when absent
  // What splits a dynamic series into frames (series.cpp, split_frames).
  bool has_temporal_position = false;
  int64_t temporal_position = 0;  // TemporalPositionIdentifier (0020,0100)
  bool has_acquisition_time = false;
  double acquisition_time_s = 0.0;  // AcquisitionTime (0008,0032), seconds after midnight
  bool has_trigger_time = false;
  double trigger_time_ms = 0.0;  // TriggerTime (0018,1060)
  bool has_instance_number = false;
  int64_t instance_number = 0;  // InstanceNumber (0020,0013)
  std::string transfer_syntax_uid;
  std::string transfer_syntax_name;
  bool transfer_syntax_supported = true;
  std::shared_ptr<void> handle;  // the parsed file, kept for decode_pixels
};

// The stored values of one single-frame image (BitsStored applied, sign-extended when
// PixelRepresentation is 1), and its rescale.
struct SlicePixels {
  std::vector<int32_t> values;
  double slope = 1.0;
  double intercept = 0.0;
  int32_t min = 0;
  int32_t max = 0;
};

// Parses the header of `path` (pixel data is not read). Returns false and a reason when it is
// not a DICOM image: not DICOM at all, or without pixel data or SeriesInstanceUID. Throws
// Error(invalid_data) for a file that is DICOM (has the "DICM" prefix) but cannot be parsed,
// Error(io) when it cannot be opened.
bool read_header(const std::string& path, FileHeader* header, std::string* reason);

// Decodes the pixel data of a header from read_header (its transfer syntax supported, one
// frame, one sample, 8 or 16 bits allocated). Throws an Error naming the file: truncated or
// undecodable data (invalid_data).
void decode_pixels(const FileHeader& header, SlicePixels* pixels);

// A DICOM TM value ("HHMMSS.FFFFFF", any trailing part left out, or the older
// "HH:MM:SS.frac") as seconds after midnight; false when it is not a time of day.
bool parse_time_of_day(std::string_view text, double* seconds);

// Registers the decoders (once per process) and checks the data dictionary.
void initialize();

// True when `bytes` are UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Text of a file in `character_set` (the value of SpecificCharacterSet) as UTF-8, decoded
// without DCMTK: Latin-1 (ISO_IR 100) byte for byte; any other character set keeps what is
// valid UTF-8 and replaces every other byte with U+FFFD. Always valid UTF-8.
std::string utf8_fallback(std::string_view bytes, std::string_view character_set);

}  // namespace medkern::dicom::detail
