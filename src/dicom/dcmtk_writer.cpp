// Writing one DICOM file with DCMTK. Only this file and dcmtk_reader.cpp include DCMTK; it is
// compiled when MEDKERN_WITH_DCMTK is ON.
#include "dcmtk/config/osconfig.h"  // first, as DCMTK requires

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcxfer.h"

#include <string>

#include "dicom/reader.hpp"
#include "dicom/writer.hpp"
#include "medkern/error.hpp"

namespace medkern::dicom::detail {

namespace {

DcmTagKey key_of(uint32_t tag) {
  return DcmTagKey(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFFu));
}

[[noreturn]] void fail(const ImageFile& file, const std::string& what) {
  throw Error(Status::io, file.path + ": cannot write the DICOM file: " + what);
}

}  // namespace

void write_image_file(const ImageFile& file) {
  initialize();  // the data dictionary gives each attribute its VR
  DcmFileFormat format;
  DcmDataset* ds = format.getDataset();
  for (const auto& [tag, value] : file.text) {
    const OFCondition status = ds->putAndInsertString(key_of(tag), value.c_str());
    if (status.bad())
      fail(file, std::string("attribute ") + key_of(tag).toString().c_str() + ": " + status.text());
  }
  for (const auto& [tag, value] : file.us) {
    const OFCondition status = ds->putAndInsertUint16(key_of(tag), value);
    if (status.bad())
      fail(file, std::string("attribute ") + key_of(tag).toString().c_str() + ": " + status.text());
  }
  const OFCondition pixels = ds->putAndInsertUint16Array(
      DCM_PixelData, file.pixels.data(), static_cast<unsigned long>(file.pixels.size()));
  if (pixels.bad()) fail(file, std::string("PixelData: ") + pixels.text());
  // The meta header (SOP class and instance, transfer syntax) is made from the dataset.
  const OFCondition status =
      format.saveFile(OFFilename(file.path.c_str()), EXS_LittleEndianExplicit, EET_ExplicitLength,
                      EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
  if (status.bad()) fail(file, status.text());
}

}  // namespace medkern::dicom::detail
