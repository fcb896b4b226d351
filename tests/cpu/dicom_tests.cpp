// medkern::dicom from C++: errors of a build with or without DCMTK, and (with DCMTK) a series
// written here byte by byte (explicit VR little endian), so that the order, geometry and HU
// are known by construction; dynamic series written by write_series (the perfusion phantom)
// and read back, grouped into frames by each rule. pytest (tests/python/test_dicom.py)
// compares with pydicom.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <random>
#include <string>
#include <vector>

#include "dicom/reader.hpp"
#include "medkern/dicom.hpp"
#include "medkern/perfusion.hpp"
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

// ---------------------------------------------------------------------------- dynamic series

namespace {

// The perfusion phantom as int16 CT (HU, rounded) over `nz` slices, slice k being the
// phantom plus 10 k HU, so that a slice or frame out of place shows.
struct DynamicCt {
  PerfusionPhantom phantom;
  std::vector<int16_t> hu;  // (nt, nz, ny, nx)
  int64_t nt = 0, nz = 0, ny = 0, nx = 0;

  SeriesRef series(const Spacing3& spacing) const {
    const Shape3 frame{nz, ny, nx};
    return SeriesRef{make_view(hu.data(), frame, spacing), nt, nz * ny * nx};
  }
};

DynamicCt dynamic_ct(int64_t nz, int32_t frames = 24) {
  DynamicCt d;
  PerfusionPhantomParams params;
  params.frames = frames;
  params.block = 1;
  params.cbf = {20, 60};
  params.mtt = {4, 8};
  params.delay = {0, 2};
  params.aif_peak = 300.0;
  d.phantom = perfusion_phantom(params);
  d.nt = d.phantom.shape[0];
  d.nz = nz;
  d.ny = d.phantom.shape[2];
  d.nx = d.phantom.shape[3];
  const int64_t plane = d.ny * d.nx;
  d.hu.resize(static_cast<std::size_t>(d.nt * nz * plane));
  for (int64_t t = 0; t < d.nt; ++t) {
    for (int64_t k = 0; k < nz; ++k) {
      for (int64_t i = 0; i < plane; ++i) {
        const float v = d.phantom.series[static_cast<std::size_t>(t * plane + i)];
        d.hu[static_cast<std::size_t>((t * nz + k) * plane + i)] =
            static_cast<int16_t>(std::lround(v) + 10 * k);
      }
    }
  }
  return d;
}

// Renames the files of `paths` in a shuffled order (names no longer tell the order) and
// returns the new paths.
std::vector<std::string> shuffle_names(const std::vector<std::string>& paths, unsigned seed) {
  std::vector<std::size_t> names(paths.size());
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = i;
  std::mt19937 random(seed);
  std::shuffle(names.begin(), names.end(), random);
  std::vector<std::string> renamed;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const fs::path to =
        fs::path(paths[i]).parent_path() / ("im" + std::to_string(names[i]) + ".dcm");
    fs::rename(paths[i], fs::path(paths[i]).parent_path() / ("tmp" + std::to_string(i)));
    renamed.push_back(to.string());
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    fs::rename(fs::path(paths[i]).parent_path() / ("tmp" + std::to_string(i)), renamed[i]);
  }
  return renamed;
}

// The loaded voxels equal `d`'s, frame by frame.
void check_voxels(const dicom::Series& s, const DynamicCt& d) {
  REQUIRE(s.dtype == DType::int16);
  REQUIRE(s.frames == d.nt);
  REQUIRE(s.shape == Shape3{d.nz, d.ny, d.nx});
  REQUIRE(s.int16_data.size() == d.hu.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < d.hu.size(); ++i) differ += s.int16_data[i] != d.hu[i];
  CHECK(differ == 0);
}

std::string error_of(const std::function<void()>& call, Status* status = nullptr) {
  try {
    call();
  } catch (const Error& e) {
    if (status != nullptr) *status = e.status();
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("dicom: TM times of day", "[dicom]") {
  using dicom::detail::parse_time_of_day;
  double s = -1;
  CHECK((parse_time_of_day("103000.5", &s) && s == 37800.5));
  CHECK((parse_time_of_day("10:30:00.25 ", &s) && s == 37800.25));
  CHECK((parse_time_of_day("1030", &s) && s == 37800.0));
  CHECK((parse_time_of_day("10", &s) && s == 36000.0));
  CHECK((parse_time_of_day("235959.999999", &s) && s == Approx(86399.999999).epsilon(1e-15)));
  for (const char* bad : {"", "25", "1060", "103000.", "10300", "1030.5", "abc", "103000.1234567",
                          "10:3000", "103000x"}) {
    CHECK_FALSE(parse_time_of_day(bad, &s));
  }
}

TEST_CASE("dicom: the perfusion phantom written by write_series loads as a 4-D series", "[dicom]") {
  if (!dicom::available()) {
    const DynamicCt d = dynamic_ct(1, 4);
    Status status = Status::ok;
    error_of(
        [&] {
          dicom::write_series("/nonexistent", d.series({1, 1, 1}), d.phantom.times_s);
        },
        &status);
    CHECK(status == Status::not_supported);
    return;
  }
  const fs::path dir = fresh_dir("dynamic");
  const DynamicCt d = dynamic_ct(3);
  const Spacing3 spacing{2.5, 0.8, 0.7};
  // Non-uniform times: faster sampling over the bolus, slower after it.
  std::vector<double> uneven(static_cast<std::size_t>(d.nt));
  for (int64_t t = 0; t < d.nt; ++t) uneven[t] = t < 12 ? 1.5 * t : 16.5 + 3.25 * (t - 11);
  for (const std::vector<double>* times :
       {&d.phantom.times_s, static_cast<const std::vector<double>*>(&uneven)}) {
    fs::remove_all(dir);
    dicom::WriteOptions options;
    options.origin = {-100.5, 50.25, 30.0};
    const double c = std::cos(0.3), sn = std::sin(0.3);
    // Oblique: rows along (c, sn, 0), columns along (0, 0, -1), slices along row x column.
    options.orientation = {{{-sn, c, 0.0}, {0.0, 0.0, -1.0}, {c, sn, 0.0}}};
    options.patient_id = "DRO-1";
    options.series_description = "perfusion DRO";
    const std::vector<std::string> written =
        dicom::write_series(dir.string(), d.series(spacing), *times, options);
    REQUIRE(written.size() == static_cast<std::size_t>(d.nt * d.nz));
    CHECK(fs::path(written[1]).filename() == "t0000_z0001.dcm");
    shuffle_names(written, 3);

    const dicom::Series s = dicom::load_series(dir.string());
    CHECK(s.warnings.empty());
    CHECK(s.frame_grouping == dicom::FrameGrouping::temporal_position);
    check_voxels(s, d);
    REQUIRE(s.frame_times_s.size() == times->size());
    for (std::size_t t = 0; t < times->size(); ++t) {
      CHECK(s.frame_times_s[t] == Approx((*times)[t]).margin(1e-6));
    }
    CHECK(s.spacing[0] == Approx(2.5));
    CHECK(s.spacing[1] == 0.8);
    CHECK(s.spacing[2] == 0.7);
    for (int a = 0; a < 3; ++a) {
      CHECK(s.origin[a] == Approx(options.origin[a]).margin(1e-9));
      for (int b = 0; b < 3; ++b) {
        CHECK(s.orientation[a][b] == Approx(options.orientation[a][b]).margin(1e-9));
      }
    }
    CHECK(s.slice_thickness == 2.5);
    CHECK(s.modality == "CT");
    CHECK(s.patient_id == "DRO-1");
    CHECK(s.series_description == "perfusion DRO");

    // The views: a frame, every frame, and no single volume.
    const SeriesRef ref = s.series_view();
    CHECK(ref.frames == d.nt);
    CHECK(ref.frame_stride == d.nz * d.ny * d.nx);
    CHECK(ref.first.data == s.int16_data.data());
    CHECK(ref.first.spacing == s.spacing);
    CHECK(s.frame(2).data == s.int16_data.data() + 2 * ref.frame_stride);
    CHECK_THROWS_AS(s.view(), Error);
    CHECK_THROWS_AS(s.frame(d.nt), Error);

    // The loaded series gives the maps of the data written.
    const Shape3 frame{d.nz, d.ny, d.nx};
    const std::size_t voxels = static_cast<std::size_t>(d.nz * d.ny * d.nx);
    std::vector<float> a(7 * voxels), b(7 * voxels);
    std::vector<uint8_t> va(voxels), vb(voxels);
    const auto maps_of = [&](std::vector<float>& m, std::vector<uint8_t>& valid) {
      return PerfusionMapsRef{make_view(m.data(), frame),
                              make_view(m.data() + voxels, frame),
                              make_view(m.data() + 2 * voxels, frame),
                              make_view(m.data() + 3 * voxels, frame),
                              make_view(m.data() + 4 * voxels, frame),
                              make_view(m.data() + 5 * voxels, frame),
                              make_view(valid.data(), frame)};
    };
    PerfusionParams params;
    params.method = DeconvolutionMethod::csvd;
    perfusion_maps(Context::cpu(), d.series(spacing), *times, d.phantom.aif, nullptr,
                   maps_of(a, va), params);
    perfusion_maps(Context::cpu(), ref, s.frame_times_s, d.phantom.aif, nullptr, maps_of(b, vb),
                   params);
    CHECK(va == vb);
    int64_t valid = 0;
    for (const uint8_t v : va) valid += v;
    CHECK(valid > 0);
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
      worst = std::max(worst, double(std::fabs(a[i] - b[i])));
    CHECK(worst < 1e-4);
  }
  fs::remove_all(dir);
}

TEST_CASE("dicom: frames grouped by each rule, files in any order", "[dicom]") {
  if (!dicom::available()) return;
  const fs::path dir = fresh_dir("grouping");
  const DynamicCt d = dynamic_ct(3, 10);
  std::vector<double> times(static_cast<std::size_t>(d.nt));
  for (int64_t t = 0; t < d.nt; ++t) times[t] = 2.0 * t + 0.25 * t * t;  // uneven
  struct Case {
    const char* name;
    bool temporal_position, acquisition_time, trigger_time, instance_number;
    double slice_interval_s;
    dicom::FrameGrouping grouping;
    bool timed;
  };
  const Case cases[] = {
      {"tpi, no times", true, false, false, true, 0.0, dicom::FrameGrouping::temporal_position,
       false},
      {"acquisition time", false, true, false, false, 0.0, dicom::FrameGrouping::acquisition_time,
       true},
      {"trigger time over acquisition time", false, true, true, true, 0.0,
       dicom::FrameGrouping::trigger_time, true},
      {"trigger time, slices one after another", false, true, true, true, 0.1,
       dicom::FrameGrouping::trigger_time, true},
      {"acquisition time per slice", false, true, false, true, 0.1,
       dicom::FrameGrouping::repeated_positions, true},
      {"instance numbers only", false, false, false, true, 0.0,
       dicom::FrameGrouping::repeated_positions, false},
  };
  unsigned seed = 11;
  for (const Case& c : cases) {
    INFO(c.name);
    fs::remove_all(dir);
    dicom::WriteOptions options;
    options.temporal_position = c.temporal_position;
    options.acquisition_time = c.acquisition_time;
    options.trigger_time = c.trigger_time;
    options.instance_number = c.instance_number;
    options.slice_interval_s = c.slice_interval_s;
    const auto written = dicom::write_series(dir.string(), d.series({2, 1, 1}), times, options);
    std::vector<std::string> shuffled = shuffle_names(written, seed++);
    // A list of files in any order as well as the directory.
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(seed++));
    for (const dicom::Series& s :
         {dicom::load_series(dir.string()), dicom::load_series(shuffled)}) {
      CHECK(s.frame_grouping == c.grouping);
      check_voxels(s, d);
      REQUIRE(s.frame_times_s.size() == times.size());
      if (c.timed) {
        CHECK(s.warnings.empty());
        for (std::size_t t = 0; t < times.size(); ++t) {
          CHECK(s.frame_times_s[t] == Approx(times[t]).margin(1e-6));
        }
      } else {
        for (const double t : s.frame_times_s) CHECK(std::isnan(t));
        REQUIRE(s.warnings.size() == 1);
        CHECK(s.warnings[0].find("frame times are unknown") != std::string::npos);
      }
    }
  }

  // Nothing to order the images at one position by: an error naming what is missing.
  fs::remove_all(dir);
  dicom::WriteOptions bare;
  bare.temporal_position = bare.acquisition_time = bare.instance_number = false;
  dicom::write_series(dir.string(), d.series({2, 1, 1}), times, bare);
  Status status = Status::ok;
  const std::string message = error_of([&] { dicom::load_series(dir.string()); }, &status);
  CHECK(status == Status::invalid_data);
  CHECK(message.find("nothing tells their order in time") != std::string::npos);
  CHECK(message.find("InstanceNumber") != std::string::npos);

  // A series that passes midnight keeps its order and times.
  fs::remove_all(dir);
  dicom::WriteOptions late;
  late.temporal_position = false;
  late.start_time_of_day_s = 86400.0 - 7.5;
  dicom::write_series(dir.string(), d.series({2, 1, 1}), times, late);
  const dicom::Series s = dicom::load_series(dir.string());
  CHECK(s.frame_grouping == dicom::FrameGrouping::acquisition_time);
  check_voxels(s, d);
  for (std::size_t t = 0; t < times.size(); ++t) {
    CHECK(s.frame_times_s[t] == Approx(times[t]).margin(1e-6));
  }
  fs::remove_all(dir);
}

TEST_CASE("dicom: a frame without one of the slices is an error naming it", "[dicom]") {
  if (!dicom::available()) return;
  const fs::path dir = fresh_dir("frame_errors");
  const DynamicCt d = dynamic_ct(3, 6);
  const std::vector<double>& times = d.phantom.times_s;
  const auto missing_slice = [&](const dicom::WriteOptions& options) {
    fs::remove_all(dir);
    const auto written = dicom::write_series(dir.string(), d.series({2, 1, 1}), times, options);
    fs::remove(written[2 * 3 + 1]);  // frame 2, slice 1
    Status status = Status::ok;
    const std::string message = error_of([&] { dicom::load_series(dir.string()); }, &status);
    CHECK(status == Status::invalid_data);
    return message;
  };
  {
    const std::string message = missing_slice({});
    INFO(message);
    CHECK(message.find("frame 2 (TemporalPositionIdentifier 3) has no image at slice position 2 "
                       "mm along the normal (2 of the series' 3 positions") != std::string::npos);
  }
  {
    dicom::WriteOptions by_time;
    by_time.temporal_position = false;
    const std::string message = missing_slice(by_time);
    INFO(message);
    CHECK(message.find("frame 2 (AcquisitionTime 10:00:02.000000) has no image at slice "
                       "position 2 mm") != std::string::npos);
  }
  {
    dicom::WriteOptions by_order;
    by_order.temporal_position = false;
    by_order.acquisition_time = false;
    const std::string message = missing_slice(by_order);
    INFO(message);
    CHECK(message.find("frame 5 has no image at 2 mm along the normal") != std::string::npos);
  }
  // The same series written twice (other SOPInstanceUIDs): two images at one position.
  fs::remove_all(dir);
  dicom::WriteOptions same;
  same.series_uid = "1.2.826.0.1.3680043.8.498.4242";
  same.study_uid = "1.2.826.0.1.3680043.8.498.4243";
  dicom::write_series((dir / "a").string(), d.series({2, 1, 1}), times, same);
  dicom::write_series((dir / "b").string(), d.series({2, 1, 1}), times, same);
  Status status = Status::ok;
  const std::string twice = error_of(
      [&] {
        dicom::load_series(std::vector<std::string>{(dir / "a").string(), (dir / "b").string()});
      },
      &status);
  CHECK(status == Status::invalid_data);
  CHECK(twice.find("frame 0 (TemporalPositionIdentifier 1) has two images at one position") !=
        std::string::npos);
  // Each copy alone is the whole series.
  const dicom::Series one = dicom::load_series((dir / "a").string());
  CHECK(one.frames == d.nt);
  fs::remove_all(dir);
}

TEST_CASE("dicom: write_series refuses what it cannot write", "[dicom]") {
  if (!dicom::available()) return;
  const fs::path dir = fresh_dir("write_errors");
  const DynamicCt d = dynamic_ct(2, 4);
  const SeriesRef good = d.series({1, 1, 1});
  const std::vector<double>& times = d.phantom.times_s;
  const auto status_of = [&](const std::function<void()>& call, const char* part) {
    Status status = Status::ok;
    const std::string message = error_of(call, &status);
    INFO(message);
    CHECK(message.find(part) != std::string::npos);
    return status;
  };
  const std::string out = (dir / "out").string();
  CHECK(status_of(
            [&] {
              dicom::write_series(out, good, {0, 1, 1, 2});
            },
            "times_s[2]") == Status::invalid_argument);
  CHECK(status_of(
            [&] {
              dicom::write_series(out, good, {0, 1});
            },
            "2 times for 4 frames") == Status::invalid_argument);
  std::vector<float> floats(d.hu.size());
  SeriesRef float_series{make_view(floats.data(), good.first.shape), d.nt, good.frame_stride};
  CHECK(status_of([&] { dicom::write_series(out, float_series, times); }, "float32") ==
        Status::unsupported_dtype);
  std::vector<int16_t> hot = d.hu;
  hot[5] = 32000;  // 32000 + 1024 does not fit int16
  SeriesRef hot_series{make_view(hot.data(), good.first.shape), d.nt, good.frame_stride};
  CHECK(status_of([&] { dicom::write_series(out, hot_series, times); },
                  "the value 32000 at (0, 0, 2, 1)") == Status::invalid_argument);
  CHECK_FALSE(fs::exists(out));  // nothing written
  dicom::WriteOptions zero_intercept;
  zero_intercept.rescale_intercept = 0;
  CHECK(dicom::write_series(out, hot_series, times, zero_intercept).size() == 8);
  CHECK(dicom::load_series(out).int16_data[5] == 32000);
  dicom::WriteOptions flipped;
  flipped.orientation[0] = {0, 0, -1};
  CHECK(status_of([&] { dicom::write_series(out, good, times, flipped); }, "orientation[0]") ==
        Status::invalid_argument);
  dicom::WriteOptions bad_uid;
  bad_uid.series_uid = "1.2.03";
  CHECK(status_of([&] { dicom::write_series(out, good, times, bad_uid); }, "not a UID") ==
        Status::invalid_argument);
  dicom::WriteOptions bad_modality;
  bad_modality.modality = "PT";
  CHECK(status_of([&] { dicom::write_series(out, good, times, bad_modality); }, "'PT'") ==
        Status::invalid_argument);
  std::ofstream(dir / "file") << "x";
  CHECK(status_of([&] { dicom::write_series((dir / "file" / "sub").string(), good, times); },
                  "cannot create the directory") == Status::io);

  // A static volume: one frame, and no TemporalPositionIdentifier.
  fs::remove_all(out);
  const VolumeRef volume = good.frame(1);
  const auto written = dicom::write_series(out, volume);
  CHECK(written.size() == 2);
  const dicom::Series s = dicom::load_series(out);
  CHECK(s.frames == 1);
  CHECK(s.frame_grouping == dicom::FrameGrouping::none);
  CHECK(s.frame_times_s == std::vector<double>{0.0});
  CHECK(s.view().shape == volume.shape);
  CHECK(std::equal(s.int16_data.begin(), s.int16_data.end(), d.hu.begin() + good.frame_stride));

  // MR: uint16 without rescale.
  fs::remove_all(out);
  std::vector<uint16_t> mr(d.hu.size());
  for (std::size_t i = 0; i < mr.size(); ++i) mr[i] = static_cast<uint16_t>(40000 + d.hu[i]);
  SeriesRef mr_series{make_view(mr.data(), good.first.shape), d.nt, good.frame_stride};
  dicom::WriteOptions mr_options;
  mr_options.echo_time_s = 0.03;
  dicom::write_series(out, mr_series, times, mr_options);
  const dicom::Series m = dicom::load_series(out);
  CHECK(m.modality == "MR");
  CHECK(m.frames == d.nt);
  REQUIRE(m.dtype == DType::float32);  // above int16
  for (std::size_t i = 0; i < mr.size(); ++i) REQUIRE(m.float32_data[i] == float(mr[i]));
  fs::remove_all(dir);
}
