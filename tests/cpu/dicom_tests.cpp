// medkern::dicom from C++: errors of a build with or without DCMTK, and (with DCMTK) a series
// written here byte by byte (explicit VR little endian), so that the order, geometry and HU
// are known by construction. pytest (tests/python/test_dicom.py) compares with pydicom.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "dicom/reader.hpp"
#include "medkern/dicom.hpp"
#include "support/catch.hpp"

using namespace medkern;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("medkern_dicom_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

class Writer {
 public:
  void element(uint16_t group, uint16_t tag, const char vr[2], std::string value) {
    const bool binary = vr[0] == 'U' && vr[1] == 'S';
    const char pad = vr[0] == 'U' && vr[1] == 'I' ? '\0' : ' ';
    if (!binary && value.size() % 2 == 1) value.push_back(pad);
    u16(group);
    u16(tag);
    bytes_.append(vr, 2);
    const bool long_form = vr[0] == 'O';
    if (long_form) {
      u16(0);
      u32(static_cast<uint32_t>(value.size()));
    } else {
      u16(static_cast<uint16_t>(value.size()));
    }
    bytes_ += value;
  }
  void us(uint16_t group, uint16_t tag, uint16_t v) {
    element(group, tag, "US", std::string(reinterpret_cast<const char*>(&v), 2));
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void u16(uint16_t v) { bytes_.append(reinterpret_cast<const char*>(&v), 2); }
  void u32(uint32_t v) { bytes_.append(reinterpret_cast<const char*>(&v), 4); }
  std::string bytes_;
};

// The attributes of a slice that the tests vary, as the bytes written.
struct SliceText {
  std::string character_set;                // (0008,0005); not written when empty
  std::string description = "test series";  // (0008,103E)
  std::string slope = "1";                  // (0028,1053); not written when empty
};

// One CT slice of rows x cols int16 stored values `pixels` at z (axial), intercept -1024.
void write_slice(const fs::path& path, const std::string& series_uid, int index, double z, int rows,
                 int cols, const std::vector<int16_t>& pixels, const SliceText& text = {}) {
  const std::string sop = "1.2.826.0.1.3680043.8.498.77." + std::to_string(index);
  Writer meta;
  meta.element(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.2");
  meta.element(0x0002, 0x0003, "UI", sop);
  meta.element(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1");
  Writer ds;
  if (!text.character_set.empty()) ds.element(0x0008, 0x0005, "CS", text.character_set);
  ds.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2");
  ds.element(0x0008, 0x0018, "UI", sop);
  ds.element(0x0008, 0x0060, "CS", "CT");
  ds.element(0x0008, 0x103E, "LO", text.description);
  ds.element(0x0010, 0x0010, "PN", "Doe^John");
  ds.element(0x0010, 0x0020, "LO", "PID-7");
  ds.element(0x0018, 0x0050, "DS", "3");
  ds.element(0x0020, 0x000D, "UI", "1.2.826.0.1.3680043.8.498.1");
  ds.element(0x0020, 0x000E, "UI", series_uid);
  ds.element(0x0020, 0x0032, "DS", "-10\\-20\\" + std::to_string(z));
  ds.element(0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
  ds.us(0x0028, 0x0002, 1);
  ds.element(0x0028, 0x0004, "CS", "MONOCHROME2");
  ds.us(0x0028, 0x0010, static_cast<uint16_t>(rows));
  ds.us(0x0028, 0x0011, static_cast<uint16_t>(cols));
  ds.element(0x0028, 0x0030, "DS", "0.5\\0.75");
  ds.us(0x0028, 0x0100, 16);
  ds.us(0x0028, 0x0101, 16);
  ds.us(0x0028, 0x0102, 15);
  ds.us(0x0028, 0x0103, 1);
  ds.element(0x0028, 0x1052, "DS", "-1024");
  if (!text.slope.empty()) ds.element(0x0028, 0x1053, "DS", text.slope);
  ds.element(0x7FE0, 0x0010, "OW",
             std::string(reinterpret_cast<const char*>(pixels.data()), pixels.size() * 2));
  std::ofstream out(path, std::ios::binary);
  out << std::string(128, '\0') << "DICM" << meta.bytes() << ds.bytes();
}

}  // namespace

TEST_CASE("dicom: bad paths are errors with a status, in every build", "[dicom]") {
  const fs::path dir = fresh_dir("errors");
  const Status missing_status = dicom::available() ? Status::io : Status::not_supported;
  try {
    dicom::load_series((dir / "missing").string());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == missing_status);
  }
  const Status empty_status = dicom::available() ? Status::invalid_data : Status::not_supported;
  try {
    dicom::list_series({dir.string()});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == empty_status);
  }
  std::ofstream(dir / "notes.txt") << "not DICOM\n";
  try {
    dicom::load_series(dir.string());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == empty_status);
    if (dicom::available()) CHECK(std::string(e.what()).find("notes.txt") != std::string::npos);
  }
  if (!dicom::available()) {
    try {
      dicom::load_series(dir.string());
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("without DICOM support") != std::string::npos);
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("dicom: a shuffled series loads sorted, in HU, with spacing from positions", "[dicom]") {
  if (!dicom::available()) return;  // the case above checks the not-built error
  const fs::path dir = fresh_dir("series");
  const int rows = 3, cols = 4;
  const double z[4] = {100.0, 101.5, 103.0, 104.5};  // step 1.5 mm, SliceThickness 3 mm
  const int names[4] = {2, 0, 3, 1};                 // file names out of order
  for (int k = 0; k < 4; ++k) {
    std::vector<int16_t> pixels(rows * cols);
    for (int i = 0; i < rows * cols; ++i) pixels[i] = static_cast<int16_t>(1000 * k + i);
    write_slice(dir / ("s" + std::to_string(names[k]) + ".dcm"), "1.2.3.4.5", k, z[k], rows, cols,
                pixels);
  }
  std::ofstream(dir / "README") << "a non-DICOM file\n";
  const dicom::Series s = dicom::load_series(dir.string());
  REQUIRE(s.dtype == DType::int16);
  CHECK(s.shape == Shape3{4, rows, cols});
  CHECK(s.spacing[0] == Approx(1.5));
  CHECK(s.spacing[1] == 0.5);
  CHECK(s.spacing[2] == 0.75);
  CHECK(s.slice_thickness == 3.0);
  CHECK(s.origin == std::array<double, 3>{-10.0, -20.0, 100.0});
  CHECK(s.orientation[0] == std::array<double, 3>{0.0, 0.0, 1.0});
  CHECK(s.orientation[1] == std::array<double, 3>{0.0, 1.0, 0.0});
  CHECK(s.orientation[2] == std::array<double, 3>{1.0, 0.0, 0.0});
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < rows * cols; ++i) {
      CHECK(s.int16_data[k * rows * cols + i] == 1000 * k + i - 1024);
    }
  }
  CHECK(s.patient_id == "PID-7");
  CHECK(s.series_uid == "1.2.3.4.5");
  CHECK(s.modality == "CT");
  CHECK(s.series_description == "test series");
  REQUIRE(s.warnings.size() == 1);
  CHECK(s.warnings[0].find("README") != std::string::npos);
  const VolumeRef view = s.view();
  CHECK(view.dtype == DType::int16);
  CHECK(view.data == s.int16_data.data());
  CHECK(view.shape == s.shape);
  CHECK(view.spacing == s.spacing);

  const auto listed = dicom::list_series({dir.string()});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].num_files == 4);
  CHECK(listed[0].rows == rows);

  // A missing slice is an error by default, a warning when allowed.
  fs::remove(dir / "s3.dcm");  // z = 103
  try {
    dicom::load_series(dir.string());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.status() == Status::invalid_data);
    CHECK(std::string(e.what()).find("missing slice") != std::string::npos);
  }
  dicom::LoadOptions lenient;
  lenient.allow_irregular_spacing = true;
  lenient.num_threads = 1;
  const dicom::Series gap = dicom::load_series(dir.string(), lenient);
  CHECK(gap.shape[0] == 3);
  CHECK(gap.spacing[0] == Approx(4.5 / 2));
  fs::remove_all(dir);
}

// A small series of `n` slices 1 mm apart whose stored values are 1000 k + i.
void write_series(const fs::path& dir, int n, const SliceText& text = {}) {
  fs::create_directories(dir);
  for (int k = 0; k < n; ++k) {
    std::vector<int16_t> pixels(6);
    for (int i = 0; i < 6; ++i) pixels[i] = static_cast<int16_t>(1000 * k + i);
    write_slice(dir / ("s" + std::to_string(k) + ".dcm"), "1.2.3.4.6", k, k, 2, 3, pixels, text);
  }
}

TEST_CASE("dicom: text by hand is always UTF-8 (the fallback of DCMTK's conversion)", "[dicom]") {
  using dicom::detail::is_valid_utf8;
  using dicom::detail::utf8_fallback;
  CHECK(utf8_fallback("Thorax t\xEAte", "ISO_IR 100") == "Thorax t\xC3\xAAte");
  CHECK(utf8_fallback("Thorax t\xEAte", "ISO 2022 IR 6\\ISO 2022 IR 100") == "Thorax t\xC3\xAAte");
  CHECK(utf8_fallback("\xFF", "ISO_IR 100") == "\xC3\xBF");
  // Other character sets: UTF-8 is kept, every other byte becomes U+FFFD.
  CHECK(utf8_fallback("Thorax t\xEAte", "") == "Thorax t\xEF\xBF\xBDte");
  CHECK(utf8_fallback("t\xC3\xAAte", "") == "t\xC3\xAAte");
  CHECK(utf8_fallback("t\xC3\xAAte", "ISO_IR 192") == "t\xC3\xAAte");
  CHECK(utf8_fallback("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xE2\x82", "ISO_IR 144") ==
        "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD");
  for (const char* bytes : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    CHECK_FALSE(is_valid_utf8(bytes));
    CHECK(is_valid_utf8(utf8_fallback(bytes, "")));
  }
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80 \xE2\x9C\x93 \xC3\xAA ascii"));
}

TEST_CASE("dicom: strings come back as UTF-8, decoded by SpecificCharacterSet", "[dicom]") {
  if (!dicom::available()) return;
  const fs::path dir = fresh_dir("charset");
  SliceText latin1;
  latin1.character_set = "ISO_IR 100";
  latin1.description = "Thorax t\xEAte";
  write_series(dir / "latin1", 2, latin1);
  CHECK(dicom::load_series((dir / "latin1").string()).series_description == "Thorax t\xC3\xAAte");
  CHECK(dicom::list_series({(dir / "latin1").string()}).at(0).series_description ==
        "Thorax t\xC3\xAAte");
  // Without a character set the text is ASCII; what is not (nor UTF-8) is replaced.
  SliceText undeclared;
  undeclared.description = "Thorax t\xEAte";
  write_series(dir / "undeclared", 2, undeclared);
  CHECK(dicom::load_series((dir / "undeclared").string()).series_description ==
        "Thorax t\xEF\xBF\xBDte");
  fs::remove_all(dir);
}

TEST_CASE("dicom: a RescaleSlope that is not a finite number is an error naming it", "[dicom]") {
  if (!dicom::available()) return;
  const fs::path dir = fresh_dir("rescale");
  for (const char* bad : {"abc", "NaN", "inf", "1e999", "1.5x", "--1"}) {
    SliceText text;
    text.slope = bad;
    fs::remove_all(dir);
    write_series(dir, 3, text);
    try {
      dicom::load_series(dir.string());
      FAIL("no error for RescaleSlope " << bad);
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      const std::string message = e.what();
      CHECK(message.find("s0.dcm") != std::string::npos);
      CHECK(message.find(std::string("RescaleSlope '") + bad + "'") != std::string::npos);
    }
    CHECK(dicom::list_series({dir.string()}).at(0).num_files == 3);  // headers alone are fine
  }
  // Absent: the default slope 1.
  SliceText absent;
  absent.slope = "";
  fs::remove_all(dir);
  write_series(dir, 3, absent);
  const dicom::Series s = dicom::load_series(dir.string());
  REQUIRE(s.dtype == DType::int16);
  CHECK(s.int16_data[6 + 2] == 1000 + 2 - 1024);
  fs::remove_all(dir);
}

TEST_CASE("dicom: a FIFO or a path with a NUL byte is refused, not read", "[dicom]") {
  if (!dicom::available()) return;
  const fs::path dir = fresh_dir("fifo");
  write_series(dir / "series", 2);
  const fs::path fifo = dir / "pipe.dcm";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // call()'s error, run with a deadline: a reader blocked on `pipe` fails the test.
  const auto refused = [](const fs::path& pipe, auto call) {
    auto result = std::async(std::launch::async, [&] {
      try {
        call();
      } catch (const Error& e) {
        return std::make_pair(e.status(), std::string(e.what()));
      }
      return std::make_pair(Status::ok, std::string());
    });
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      // A writer that comes and goes releases each open() of the reader, so that the test
      // fails instead of hanging.
      do {
        const int fd = ::open(pipe.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
      } while (result.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready);
      FAIL_CHECK("still reading the FIFO after 10 s");
    }
    return result.get();
  };
  const auto load = refused(fifo, [&] { dicom::load_series(fifo.string()); });
  CHECK(load.first == Status::io);
  CHECK(load.second.find(fifo.string() + ": not a regular file") != std::string::npos);
  CHECK(load.second.find("FIFO") != std::string::npos);
  const auto list = refused(fifo, [&] {
    dicom::list_series({(dir / "series").string(), fifo.string()});
  });
  CHECK(list.first == Status::io);
  // Inside a directory it is skipped, as any file that is not an image.
  fs::rename(fifo, dir / "series" / "pipe.dcm");
  int64_t slices = 0;
  const auto in_dir = refused(dir / "series" / "pipe.dcm", [&] {
    slices = dicom::load_series((dir / "series").string()).shape[0];
  });
  CHECK(in_dir.first == Status::ok);
  CHECK(slices == 2);

  // "series/s0.dcm\0x" would open series/s0.dcm.
  const std::string nul = (dir / "series" / "s0.dcm").string() + std::string("\0x", 2);
  for (int overload = 0; overload < 3; ++overload) {
    try {
      if (overload == 0) dicom::load_series(nul);
      if (overload == 1) dicom::load_series(std::vector<std::string>{nul});
      if (overload == 2) dicom::list_series({nul});
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_argument);
      CHECK(std::string(e.what()).find("s0.dcm\\0x' contains a NUL byte") != std::string::npos);
    }
  }
  fs::remove_all(dir);
}
