// The DCMTK side of DICOM writing (src/dicom/dcmtk_writer.cpp), behind a DCMTK-free
// interface so that src/dicom/write.cpp (checks, geometry, times, identifiers) builds without
// DCMTK's headers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace medkern::dicom::detail {

// One single-frame image file as write.cpp composed it.
struct ImageFile {
  std::string path;
  // Attributes as DICOM text, the tag as (group << 16) | element, in any order; an empty text
  // writes an empty (type 2) attribute. DCMTK's dictionary gives each its VR.
  std::vector<std::pair<uint32_t, std::string>> text;
  std::vector<std::pair<uint32_t, uint16_t>> us;  // US attributes
  std::vector<uint16_t> pixels;                   // Rows x Columns 16-bit words, as stored
};

// Writes `file` as DICOM Part 10, explicit VR little endian, with its meta header. Throws
// Error(io) naming the path when it cannot be written.
void write_image_file(const ImageFile& file);

}  // namespace medkern::dicom::detail
