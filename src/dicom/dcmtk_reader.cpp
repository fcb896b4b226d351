// Reading one DICOM file with DCMTK: its header (identifiers and geometry) and its pixels.
// Only this file includes DCMTK; it is compiled when MEDKERN_WITH_DCMTK is ON.
#include "dcmtk/config/osconfig.h"  // first, as DCMTK requires

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcspchrs.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"
#include "dcmtk/ofstd/ofchrenc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

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

std::string get_raw_string(DcmItem* ds, const DcmTagKey& key) {
  OFString value;
  if (ds->findAndGetOFStringArray(key, value).bad()) return {};
  // Trailing padding (spaces, NUL) is not part of the value.
  std::string s(value.c_str());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

// The text values of one dataset as UTF-8, decoded by its SpecificCharacterSet, so that
// Python (which decodes as UTF-8) and C callers never see the file's own bytes.
class TextDecoder {
 public:
  explicit TextDecoder(DcmItem* ds)
      : ds_(ds), character_set_(get_raw_string(ds, DCM_SpecificCharacterSet)) {}

  std::string operator()(const std::string& bytes) {
    bool plain = true;  // ASCII without ISO 2022 escapes reads the same in every character set
    for (const char c : bytes) plain = plain && static_cast<unsigned char>(c) < 0x80 && c != 0x1B;
    if (plain) return bytes;
    if (needs_conversion() && select()) {
      OFString utf8;
      // Backslash separates the values of a multi-valued string (and resets ISO 2022).
      if (converter_->convertString(bytes.data(), bytes.size(), utf8, "\\").good()) {
        std::string out(utf8.c_str(), utf8.length());
        if (is_valid_utf8(out)) return out;
      }
    }
    return utf8_fallback(bytes, character_set_);
  }

 private:
  // No character set means ASCII, and ISO_IR 192 is UTF-8: both are validated by hand.
  bool needs_conversion() const {
    return !character_set_.empty() && character_set_ != "ISO_IR 192" &&
           DcmSpecificCharacterSet::isConversionAvailable();
  }

  bool select() {
    if (!tried_) {
      tried_ = true;
      auto converter = std::make_unique<DcmSpecificCharacterSet>();
      if (converter->selectCharacterSet(*ds_).good()) {
        // An illegal byte must fail the conversion (and use the fallback) rather than be
        // dropped without a trace.
        const unsigned abort = OFCharacterEncoding::AbortTranscodingOnIllegalSequence;
        if (OFCharacterEncoding::supportsConversionFlags(abort)) {
          converter->setConversionFlags(abort);
        }
        converter_ = std::move(converter);
      }
    }
    return converter_ != nullptr;
  }

  DcmItem* ds_;
  std::string character_set_;
  bool tried_ = false;
  std::unique_ptr<DcmSpecificCharacterSet> converter_;
};

std::string get_string(DcmItem* ds, const DcmTagKey& key, TextDecoder& decode) {
  return decode(get_raw_string(ds, key));
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

bool has_integer(DcmItem* ds, const DcmTagKey& key) {
  Sint32 v = 0;
  return ds->findAndGetSint32(key, v).good();
}

[[noreturn]] void fail(Status status, const std::string& path, const std::string& what) {
  throw Error(status, path + ": " + what);
}

// A decimal string (DS) as DICOM writes one: [+-] digits [. digits] [(e|E) [+-] digits],
// blanks around it. DCMTK's own reading also takes what merely starts with a number.
bool is_decimal_string(const std::string& s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  while (i < s.size() && s[i] == ' ') ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  return i == s.size();
}

// RescaleSlope or RescaleIntercept: `fallback` when absent or empty; a value that is not a
// finite number is an error, because 1 / 0 in its place would give wrong values silently.
double get_rescale(DcmItem* ds, const DcmTagKey& key, const char* name, double fallback,
                   const std::string& path) {
  DcmElement* element = nullptr;
  if (ds->findAndGetElement(key, element).bad() || element == nullptr) return fallback;
  const std::string all = get_raw_string(ds, key);
  if (all.empty()) return fallback;
  const std::string text = all.substr(0, all.find('\\'));  // the value read, as DCMTK does
  Float64 v = 0;
  if (!is_decimal_string(text) || ds->findAndGetFloat64(key, v, 0).bad() || !std::isfinite(v)) {
    fail(Status::invalid_data, path,
         std::string(name) + " '" + utf8_fallback(text, "") + "' is not a finite number");
  }
  return v;
}

bool is_jpeg(E_TransferSyntax xfer) {
  switch (xfer) {
    case EXS_JPEGProcess1:
    case EXS_JPEGProcess2_4:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
    case EXS_JPEGLSLossless:
    case EXS_JPEGLSLossy:
      return true;
    default:
      return false;
  }
}

// What the frame header (SOFn, or SOF55 of JPEG-LS) of a code stream says the decoder will
// produce.
struct CodedFrame {
  int64_t rows = 0;
  int64_t columns = 0;
  int64_t components = 0;
  int64_t precision = 0;
};

enum class Parse { found, need_more, malformed };

Parse parse_frame_header(const std::vector<unsigned char>& b, CodedFrame* frame) {
  if (b.size() < 2) return Parse::need_more;
  if (b[0] != 0xFF || b[1] != 0xD8) return Parse::malformed;  // SOI, where decoders want it
  std::size_t pos = 2;
  for (;;) {
    // Decoders skip stray bytes before a marker, and so does this.
    while (pos < b.size() && b[pos] != 0xFF) ++pos;
    while (pos < b.size() && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return Parse::need_more;
    const unsigned char marker = b[pos++];
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;
    if (marker == 0xD9 || marker == 0xDA) return Parse::malformed;  // EOI or SOS before SOF
    if (pos + 2 > b.size()) return Parse::need_more;
    const std::size_t length = (std::size_t{b[pos]} << 8) | b[pos + 1];
    if (length < 2) return Parse::malformed;
    const bool sof =
        (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
        marker == 0xF7;
    if (sof) {
      if (length < 8) return Parse::malformed;
      if (pos + 8 > b.size()) return Parse::need_more;
      frame->precision = b[pos + 2];
      frame->rows = (int64_t{b[pos + 3]} << 8) | b[pos + 4];
      frame->columns = (int64_t{b[pos + 5]} << 8) | b[pos + 6];
      frame->components = b[pos + 7];
      return Parse::found;
    }
    pos += length;
  }
}

// DCMTK's JPEG decoders write the image of the code stream into a buffer sized by Rows x
// Columns: a smaller image comes back zero-padded and one of as many pixels in another shape
// with its rows wrapped, without an error (a larger one fails, but says nothing of sizes).
// The frame header tells before decoding.
void check_coded_frame(const FileHeader& h, DcmElement* element) {
  auto* pixel_data = dynamic_cast<DcmPixelData*>(element);
  if (pixel_data == nullptr) fail(Status::invalid_data, h.path, "PixelData is not pixel data");
  E_TransferSyntax xfer = EXS_Unknown;
  const DcmRepresentationParameter* parameter = nullptr;
  pixel_data->getOriginalRepresentationKey(xfer, parameter);
  DcmPixelSequence* fragments = nullptr;
  if (!is_jpeg(xfer) ||
      pixel_data->getEncapsulatedRepresentation(xfer, parameter, fragments).bad() ||
      fragments == nullptr) {
    return;  // not JPEG, or not encapsulated: the decoder reports it
  }
  std::vector<unsigned char> stream;
  CodedFrame frame;
  Parse parsed = Parse::need_more;
  // Item 0 is the offset table; one frame (check_image) may span every other item.
  for (unsigned long i = 1; i < fragments->card() && parsed == Parse::need_more; ++i) {
    DcmPixelItem* item = nullptr;
    Uint8* bytes = nullptr;
    if (fragments->getItem(item, i).bad() || item == nullptr) break;
    if (item->getUint8Array(bytes).bad()) break;
    if (bytes != nullptr) stream.insert(stream.end(), bytes, bytes + item->getLength());
    parsed = parse_frame_header(stream, &frame);
  }
  if (parsed != Parse::found) {
    fail(Status::invalid_data, h.path,
         "the JPEG code stream of the pixel data has no frame header (SOF); is it truncated?");
  }
  if (frame.rows != h.rows || frame.columns != h.columns ||
      frame.components != h.samples_per_pixel || frame.precision > h.bits_allocated) {
    fail(Status::invalid_data, h.path,
         "the JPEG frame is " + std::to_string(frame.rows) + " x " + std::to_string(frame.columns) +
             " (rows x columns), " + std::to_string(frame.components) + " component(s) of " +
             std::to_string(frame.precision) +
             " bits, but the header says Rows x Columns = " + std::to_string(h.rows) + " x " +
             std::to_string(h.columns) + ", " + std::to_string(h.samples_per_pixel) +
             " sample(s) of " + std::to_string(h.bits_allocated) + " bits allocated");
  }
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
    // Without O_NONBLOCK, opening a FIFO waits for a writer, possibly forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) fail(Status::io, path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    const bool stat_ok = ::fstat(fd, &st) == 0;
    const int stat_errno = errno;
    ::close(fd);
    if (!stat_ok) fail(Status::io, path, std::string("cannot stat: ") + std::strerror(stat_errno));
    if (!S_ISREG(st.st_mode)) fail(Status::io, path, "not a regular file");
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
  TextDecoder text(ds);
  h->path = path;
  h->series_uid = get_string(ds, DCM_SeriesInstanceUID, text);
  if (!ds->tagExists(DCM_PixelData) || !ds->tagExists(DCM_Rows)) {
    *reason = ds->card() == 0 || h->series_uid.empty() ? "not a DICOM file"
                                                       : "a DICOM file without an image";
    return false;
  }
  if (h->series_uid.empty()) {
    *reason = "a DICOM image without SeriesInstanceUID";
    return false;
  }
  h->sop_uid = get_string(ds, DCM_SOPInstanceUID, text);
  h->study_uid = get_string(ds, DCM_StudyInstanceUID, text);
  h->patient_id = get_string(ds, DCM_PatientID, text);
  h->series_description = get_string(ds, DCM_SeriesDescription, text);
  h->modality = get_string(ds, DCM_Modality, text);
  h->series_number = get_integer_or(ds, DCM_SeriesNumber, -1);
  h->rows = get_integer_or(ds, DCM_Rows, 0);
  h->columns = get_integer_or(ds, DCM_Columns, 0);
  h->frames = get_integer_or(ds, DCM_NumberOfFrames, 1);
  h->samples_per_pixel = get_integer_or(ds, DCM_SamplesPerPixel, 1);
  h->bits_allocated = get_integer_or(ds, DCM_BitsAllocated, 0);
  h->photometric = get_string(ds, DCM_PhotometricInterpretation, text);
  h->has_position = get_doubles(ds, DCM_ImagePositionPatient, h->position.data(), 3);
  h->has_orientation = get_doubles(ds, DCM_ImageOrientationPatient, h->orientation.data(), 6);
  h->has_pixel_spacing = get_doubles(ds, DCM_PixelSpacing, h->pixel_spacing.data(), 2);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  h->slice_thickness = get_double_or(ds, DCM_SliceThickness, nan);
  h->spacing_between_slices = get_double_or(ds, DCM_SpacingBetweenSlices, nan);
  h->gantry_tilt = get_double_or(ds, DCM_GantryDetectorTilt, 0.0);
  h->has_temporal_position = has_integer(ds, DCM_TemporalPositionIdentifier);
  h->temporal_position = get_integer_or(ds, DCM_TemporalPositionIdentifier, 0);
  h->has_instance_number = has_integer(ds, DCM_InstanceNumber);
  h->instance_number = get_integer_or(ds, DCM_InstanceNumber, 0);
  h->has_acquisition_time =
      parse_time_of_day(get_raw_string(ds, DCM_AcquisitionTime), &h->acquisition_time_s);
  h->has_trigger_time = get_doubles(ds, DCM_TriggerTime, &h->trigger_time_ms, 1);
  const DcmXfer xfer(ds->getOriginalXfer());
  h->transfer_syntax_uid = xfer.getXferID();
  h->transfer_syntax_name = xfer.getXferName();
  h->transfer_syntax_supported = supported_syntax(xfer.getXfer());
  // The meta header names the syntax even where DCMTK's dataset reader cannot tell it.
  TextDecoder meta_text(file->getMetaInfo());
  const std::string meta_uid = get_string(file->getMetaInfo(), DCM_TransferSyntaxUID, meta_text);
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
  const std::size_t needed = static_cast<std::size_t>(count) * h.samples_per_pixel * bytes;
  if (frame_size < needed) frame_size = static_cast<Uint32>(needed);
  check_coded_frame(h, element);
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
  out->slope = get_rescale(ds, DCM_RescaleSlope, "RescaleSlope", 1.0, h.path);
  out->intercept = get_rescale(ds, DCM_RescaleIntercept, "RescaleIntercept", 0.0, h.path);
  // Release the decoded copies DCMTK may keep with the dataset.
  element->compact();
}

}  // namespace medkern::dicom::detail
