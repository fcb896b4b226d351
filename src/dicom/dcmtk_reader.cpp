// Reading one DICOM file with DCMTK: its header (identifiers and geometry) and its pixels.
// Only this file includes DCMTK; it is compiled when MEDKERN_WITH_DCMTK is ON.
#include "dcmtk/config/osconfig.h"  // first, as DCMTK requires

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>

#include "dicom/reader.hpp"
#include "medkern/error.hpp"

namespace medkern::dicom::detail {

namespace {

void initialize_once() {
  // DCMTK's own log lines (to stderr) would duplicate the errors medkern reports.
  OFLog::getLogger("dcmtk").setLogLevel(OFLogger::FATAL_LOG_LEVEL);
  DcmRLEDecoderRegistration::registerCodecs();
  DJDecoderRegistration::registerCodecs();
  DJLSDecoderRegistration::registerCodecs();
}

bool supported_syntax(E_TransferSyntax xfer) {
  switch (xfer) {
    case EXS_LittleEndianImplicit:
    case EXS_LittleEndianExplicit:
    case EXS_BigEndianExplicit:
    case EXS_BigEndianImplicit:
    case EXS_DeflatedLittleEndianExplicit:
    case EXS_JPEGProcess1:
    case EXS_JPEGProcess2_4:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
    case EXS_JPEGLSLossless:
    case EXS_JPEGLSLossy:
    case EXS_RLELossless:
      return true;
    default:
      return false;
  }
}

// "DICM" at byte 128: the file claims to be DICOM (Part 10).
bool has_dicm_prefix(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[4] = {0, 0, 0, 0};
  const bool ok = std::fseek(f, 128, SEEK_SET) == 0 && std::fread(magic, 1, 4, f) == 4;
  std::fclose(f);
  return ok && std::memcmp(magic, "DICM", 4) == 0;
}

std::string get_string(DcmItem* ds, const DcmTagKey& key) {
  OFString value;
  if (ds->findAndGetOFStringArray(key, value).bad()) return {};
  // Trailing padding (spaces, NUL) is not part of the value.
  std::string s(value.c_str());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

bool get_doubles(DcmItem* ds, const DcmTagKey& key, double* out, unsigned count) {
  for (unsigned i = 0; i < count; ++i) {
    Float64 v = 0;
    if (ds->findAndGetFloat64(key, v, i).bad() || !std::isfinite(v)) return false;
    out[i] = v;
  }
  return true;
}

double get_double_or(DcmItem* ds, const DcmTagKey& key, double fallback) {
  double v = 0;
  return get_doubles(ds, key, &v, 1) ? v : fallback;
}

int64_t get_integer_or(DcmItem* ds, const DcmTagKey& key, int64_t fallback) {
  Sint32 v = 0;
  if (ds->findAndGetSint32(key, v).good()) return v;
  Uint16 u = 0;
  if (ds->findAndGetUint16(key, u).good()) return u;
  return fallback;
}

[[noreturn]] void fail(Status status, const std::string& path, const std::string& what) {
  throw Error(status, path + ": " + what);
}

}  // namespace

void initialize() {
  static std::once_flag once;
  std::call_once(once, initialize_once);
  if (!dcmDataDict.isDictionaryLoaded()) {
    throw Error(Status::not_supported,
                "DCMTK has no data dictionary loaded (set DCMDICTPATH to its dicom.dic)");
  }
}

bool read_header(const std::string& path, FileHeader* h, std::string* reason) {
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) fail(Status::io, path, std::string("cannot open: ") + std::strerror(errno));
    std::fclose(f);
  }
  auto file = std::make_shared<DcmFileFormat>();
  // Values longer than DCM_MaxReadLength (pixel data) stay in the file until decoded.
  const OFCondition status = file->loadFile(OFFilename(path.c_str()), EXS_Unknown, EGL_noChange,
                                            DCM_MaxReadLength, ERM_autoDetect);
  if (status.bad()) {
    if (has_dicm_prefix(path)) {
      fail(Status::invalid_data, path,
           std::string("cannot read this DICOM file (") + status.text() + "); is it truncated?");
    }
    *reason = "not a DICOM file";
    return false;
  }
  DcmDataset* ds = file->getDataset();
  h->path = path;
  h->series_uid = get_string(ds, DCM_SeriesInstanceUID);
  if (!ds->tagExists(DCM_PixelData) || !ds->tagExists(DCM_Rows)) {
    *reason = ds->card() == 0 || h->series_uid.empty() ? "not a DICOM file"
                                                       : "a DICOM file without an image";
    return false;
  }
  if (h->series_uid.empty()) {
    *reason = "a DICOM image without SeriesInstanceUID";
    return false;
  }
  h->sop_uid = get_string(ds, DCM_SOPInstanceUID);
  h->study_uid = get_string(ds, DCM_StudyInstanceUID);
  h->patient_id = get_string(ds, DCM_PatientID);
  h->series_description = get_string(ds, DCM_SeriesDescription);
  h->modality = get_string(ds, DCM_Modality);
  h->series_number = get_integer_or(ds, DCM_SeriesNumber, -1);
  h->rows = get_integer_or(ds, DCM_Rows, 0);
  h->columns = get_integer_or(ds, DCM_Columns, 0);
  h->frames = get_integer_or(ds, DCM_NumberOfFrames, 1);
  h->samples_per_pixel = get_integer_or(ds, DCM_SamplesPerPixel, 1);
  h->bits_allocated = get_integer_or(ds, DCM_BitsAllocated, 0);
  h->photometric = get_string(ds, DCM_PhotometricInterpretation);
  h->has_position = get_doubles(ds, DCM_ImagePositionPatient, h->position.data(), 3);
  h->has_orientation = get_doubles(ds, DCM_ImageOrientationPatient, h->orientation.data(), 6);
  h->has_pixel_spacing = get_doubles(ds, DCM_PixelSpacing, h->pixel_spacing.data(), 2);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  h->slice_thickness = get_double_or(ds, DCM_SliceThickness, nan);
  h->spacing_between_slices = get_double_or(ds, DCM_SpacingBetweenSlices, nan);
  h->gantry_tilt = get_double_or(ds, DCM_GantryDetectorTilt, 0.0);
  const DcmXfer xfer(ds->getOriginalXfer());
  h->transfer_syntax_uid = xfer.getXferID();
  h->transfer_syntax_name = xfer.getXferName();
  h->transfer_syntax_supported = supported_syntax(xfer.getXfer());
  // The meta header names the syntax even where DCMTK's dataset reader cannot tell it.
  const std::string meta_uid = get_string(file->getMetaInfo(), DCM_TransferSyntaxUID);
  if (!meta_uid.empty() && meta_uid != h->transfer_syntax_uid) {
    const DcmXfer meta(meta_uid.c_str());
    h->transfer_syntax_uid = meta_uid;
    h->transfer_syntax_name = meta.getXfer() == EXS_Unknown ? "unknown" : meta.getXferName();
    h->transfer_syntax_supported = supported_syntax(meta.getXfer());
  }
  h->handle = std::static_pointer_cast<void>(file);
  return true;
}

void decode_pixels(const FileHeader& h, SlicePixels* out) {
  auto* file = static_cast<DcmFileFormat*>(h.handle.get());
  if (file == nullptr) fail(Status::internal, h.path, "decode_pixels without a parsed file");
  DcmDataset* ds = file->getDataset();
  DcmElement* element = nullptr;
  if (ds->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
    fail(Status::invalid_data, h.path, "no PixelData");
  }
  const int64_t count = h.rows * h.columns;
  const int bytes = h.bits_allocated == 8 ? 1 : 2;
  Uint32 frame_size = 0;
  if (element->getUncompressedFrameSize(ds, frame_size).bad()) {
    fail(Status::invalid_data, h.path, "cannot compute the size of the pixel data");
  }
  const std::size_t needed = static_cast<std::size_t>(count) * bytes;
  if (frame_size < needed) frame_size = static_cast<Uint32>(needed);
  std::vector<unsigned char> buffer(frame_size + (frame_size & 1));
  Uint32 start_fragment = 0;
  OFString color_model;
  const OFCondition status = element->getUncompressedFrame(
      ds, 0, start_fragment, buffer.data(), static_cast<Uint32>(buffer.size()), color_model);
  if (status.bad()) {
    fail(Status::invalid_data, h.path,
         std::string("cannot decode the pixel data (") + status.text() + "); is it truncated?");
  }
  // Pixel data shorter than Rows x Columns: DCMTK may pad the frame instead of failing.
  Uint32 length = element->getLength();
  if (!DcmXfer(ds->getOriginalXfer()).isEncapsulated() && length < needed) {
    fail(
        Status::invalid_data, h.path,
        "truncated pixel data: " + std::to_string(length) + " bytes for " + std::to_string(needed));
  }

  const int64_t bits_stored = get_integer_or(ds, DCM_BitsStored, h.bits_allocated);
  const int64_t high_bit = get_integer_or(ds, DCM_HighBit, bits_stored - 1);
  const bool is_signed = get_integer_or(ds, DCM_PixelRepresentation, 0) == 1;
  if (bits_stored < 1 || bits_stored > h.bits_allocated || high_bit < bits_stored - 1 ||
      high_bit >= h.bits_allocated) {
    fail(Status::invalid_data, h.path,
         "BitsStored " + std::to_string(bits_stored) + " and HighBit " + std::to_string(high_bit) +
             " do not fit BitsAllocated " + std::to_string(h.bits_allocated));
  }
  const int shift = static_cast<int>(high_bit + 1 - bits_stored);
  const uint32_t mask = bits_stored >= 32 ? 0xffffffffu : ((1u << bits_stored) - 1u);
  const uint32_t sign_bit = 1u << (bits_stored - 1);

  out->values.resize(static_cast<std::size_t>(count));
  int32_t lo = std::numeric_limits<int32_t>::max();
  int32_t hi = std::numeric_limits<int32_t>::min();
  const bool plain16 = bytes == 2 && bits_stored == 16 && shift == 0;
  int32_t* dst = out->values.data();
  if (plain16 && is_signed) {
    const auto* src = reinterpret_cast<const int16_t*>(buffer.data());
    for (int64_t i = 0; i < count; ++i) {
      const int32_t v = src[i];
      dst[i] = v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  } else {
    for (int64_t i = 0; i < count; ++i) {
      uint32_t raw;
      if (bytes == 2) {
        uint16_t r;
        std::memcpy(&r, buffer.data() + 2 * i, 2);  // already in host byte order
        raw = r;
      } else {
        raw = buffer[static_cast<std::size_t>(i)];
      }
      uint32_t u = (raw >> shift) & mask;
      int32_t v = static_cast<int32_t>(u);
      if (is_signed && (u & sign_bit) != 0)
        v = static_cast<int32_t>(u) - static_cast<int32_t>(mask) - 1;
      dst[i] = v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  }
  out->min = lo;
  out->max = hi;
  out->slope = get_double_or(ds, DCM_RescaleSlope, 1.0);
  out->intercept = get_double_or(ds, DCM_RescaleIntercept, 0.0);
  // Release the decoded copies DCMTK may keep with the dataset.
  element->compact();
}

}  // namespace medkern::dicom::detail
