// The `medkern` command-line tool: device information, histograms of raw volumes,
// synthetic CT volumes, coronary calcium scores, and perfusion maps of a dynamic DICOM series
// (as NIfTI files, nifti.cpp) or of the perfusion phantom, on the C++ API.
//
// Exit status: 0 success, 1 an error while working (a medkern::Error, a file that cannot be
// read or written, a size that does not match), 2 a usage error (unknown option, missing or
// malformed value). Nothing on the command line or in a file may crash the tool.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "json.hpp"
#include "medkern/medkern.hpp"
#include "nifti.hpp"
#include "phantoms/calcium_phantom.hpp"
#include "phantoms/ct_phantom.hpp"

namespace {

using medkern::cli::JsonWriter;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// A mistake on the command line: reported with a hint to --help, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A failure while doing the work (files, sizes): exit status 1, like medkern::Error.
struct RunError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------- help texts

constexpr const char* kMainHelp = R"(usage: medkern <command> [options]

commands:
  info          the library version, CUDA support, devices and the host memory pool
  histogram     the histogram of a raw volume (numpy.histogram's bins)
  generate-ct   write a synthetic CT-like int16 volume
  calcium       coronary calcium scores (Agatston, volume, mass) of a CT
  perfusion     CBF, CBV, MTT, Tmax maps and stroke summary of a dynamic DICOM series
                (NIfTI output), or of the perfusion phantom against its truth

  medkern <command> --help   the options of a command
  medkern --version          the library version
)";

constexpr const char* kInfoHelp = R"(usage: medkern info [--json]

Prints the medkern version, whether it was built with CUDA, the CUDA driver and runtime
versions, each CUDA device (name, compute capability, multiprocessors, total and free
memory) and the statistics of the host memory pool.

options:
  --json    one JSON object instead of text
  --help    this text
)";

constexpr const char* kHistogramHelp =
    R"(usage: medkern histogram FILE.raw --shape Z Y X --dtype int16|uint16|float32
                         --bins N --range LO HI [--mask MASK.raw]
                         [--device cpu|cuda:N|auto] [--json]

Counts the voxels of a raw little-endian volume (C order, x fastest) into N uniform bins
over [LO, HI], as numpy.histogram(volume, N, range=(LO, HI)) does: the last bin includes
HI; values outside the range and NaN are not counted. The file must hold exactly
Z*Y*X voxels of the dtype.

options:
  --shape Z Y X     the extents, slowest axis first
  --dtype T         int16 (CT), uint16 (MR) or float32
  --bins N          1 .. 65536
  --range LO HI     the range of the bins; LO == HI widens to (LO - 0.5, HI + 0.5)
  --mask FILE       a uint8 volume of the same shape: only voxels where it is non-zero count
  --device D        cpu, cuda:N (or cuda for cuda:0), or auto (the first GPU, else the CPU;
                    the default)
  --json            {"counts": [...], "bin_edges": [...], "bins": N, "range": [LO, HI],
                     "total": n, "device": "..."} instead of a table
  --help            this text
)";

constexpr const char* kGenerateHelp =
    R"(usage: medkern generate-ct FILE.raw --shape Z Y X [--seed S]

Writes a synthetic CT-like volume, int16 little-endian in Hounsfield units, C order:
air (-1000) around an elliptic body with a rim of fat (-100), soft tissue (40), two lungs
(-850), a vertebral body (700), a few small calcifications (300 to 900) and noise with a
standard deviation of 20 HU. The same seed gives the same file on every machine.

options:
  --shape Z Y X   the extents, slowest axis first (a slice is at most 16384 x 16384)
  --seed S        an unsigned 64-bit integer (default 0)
  --help          this text
)";

constexpr const char* kCalciumHelp =
    R"(usage: medkern calcium --phantom [--thickness T] [options]
       medkern calcium DIR [options]

Scores coronary artery calcium as Agatston et al. (1990) defined it, with the conventions of
McCollough et al. (Radiology 2007; 243:527) (docs/ops.md, "Calcium scoring"): per slice,
voxels >= the threshold connected in-plane form lesions; lesions below the minimum area are
dropped; each scores area (mm2) x density weight of its maximum HU (1: 130-199, 2: 200-299,
3: 300-399, 4: >= 400), times slice thickness / 3 mm. Prints the total Agatston, volume and
mass scores, the per-artery table (LM, LAD, LCX, RCA) and the risk category (0, 1-10, 11-100,
101-400, >400).

input:
  --phantom         the synthetic calcium phantom (generated): 12 cylindrical inserts of 1,
                    3 and 5 mm diameter at 150, 250, 350 and 600 HU, one row per artery,
                    0.5 mm pixels, 60 mm of slices of thickness T
  --thickness T     the phantom's slice thickness and spacing in mm (default 3)
  DIR               a DICOM series (needs a build with DICOM support)

options:
  --threshold HU    calcium threshold, > 0 (default 130; the weight bands scale with it)
  --min-area A      minimum lesion area in mm2, >= 0 (default 1)
  --connectivity C  in-plane connectivity, 8 (default) or 4
  --no-normalize    do not multiply by slice thickness / 3 mm
  --calibration K   mg/cm3 per HU for the mass score (default: no mass score)
  --device D        cpu, cuda:N (or cuda), or auto (the default)
  --json            the fields of the Python result (medkern.calcium_score) as JSON:
                    agatston, volume_mm3, mass_mg, risk_category, per_label, lesions,
                    lesions_3d, slice_step, voxel_volume_mm3
  --help            this text
)";

constexpr const char* kPerfusionHelp =
    R"(usage: medkern perfusion DIR [--aif auto|MASK.nii] [--method M] [--out OUTDIR]
                         [--modality ct|mr] [--te S] [options]
       medkern perfusion --phantom [options]
       medkern perfusion --phantom --dicom OUTDIR [options]

Computes perfusion maps (CBF, CBV, MTT, Tmax, TTP, bolus arrival) by deconvolution of the
tissue curves with the arterial input function (docs/ops.md, "Perfusion").

DIR: a dynamic DICOM series (CT perfusion or DSC-MR: the same slice positions repeated over
time; its frames and times as medkern's DICOM loader finds them; needs a build with DICOM
support). The AIF is selected automatically or taken from a mask; the maps are written as
NIfTI-1 files (cbf.nii, cbv.nii, mtt.nii, tmax.nii, ttp.nii, arrival.nii, valid.nii, and
aif_mask.nii for --aif auto) with the series' geometry (DICOM's LPS turned into NIfTI's RAS);
the stroke summary (Tmax > 6 s, CBF < 30 % of the reference) is printed.

--phantom: the digital reference object: a gamma-variate AIF and a block of voxels for every
CBF (10-70 ml/100 g/min) x MTT (2-24 s) x delay (0-4 s), with a chosen residue function, as
CT (HU) or DSC-MR signal, optionally with noise. Prints, for each method, the mean relative
error of CBF, CBV and MTT against the phantom's truth, and the time taken. With --dicom
OUTDIR it writes the phantom instead as a dynamic DICOM series (int16 HU for CT, its AIF
300 HU above baseline; uint16 for MR; one 5 mm slice of 1 x 1 mm pixels), with four rows
of arterial voxels (the AIF's signal) below the tissue, for `medkern perfusion OUTDIR`.

options of DIR:
  --aif A            auto (default): select_aif over every voxel; or a NIfTI mask of the
                     arterial voxels on the series' grid (e.g. drawn on the maps written)
  --out OUTDIR       where the NIfTI maps go (created when missing); without it nothing is
                     written, and the summary is printed
  --modality M       ct or mr (default: the series' Modality)
  --te S             the echo time in seconds, for mr
  --reference-cbf X  the reference CBF of the summary in ml/100 g/min (default: the mean CBF
                     of the valid voxels outside the AIF)

options of --phantom:
  --residue R        exponential (default), boxcar or linear
  --modality M       ct (default) or mr
  --frames N         frames, 1 s apart (default 90)
  --snr S            signal-to-noise ratio; 0: no noise (default 0)
  --seed N           the noise's seed (default 1)
  --dicom OUTDIR     write the phantom as a DICOM series instead of computing its maps

common options:
  --method M         ssvd, csvd, osvd, tikhonov (default osvd for DIR), or all (--phantom's
                     default)
  --device D         cpu, cuda:N (or cuda), or auto (the default)
  --json             the output as JSON (--phantom: one object per method)
  --help             this text
)";

// ---------------------------------------------------------------------------- parsing

int64_t parse_int64(std::string_view text, const std::string& what) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    throw UsageError(fmt::format("{}: '{}' is out of range", what, text));
  }
  if (ec != std::errc() || ptr != end || text.empty()) {
    throw UsageError(fmt::format("{}: '{}' is not an integer", what, text));
  }
  return value;
}

uint64_t parse_uint64(std::string_view text, const std::string& what) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    throw UsageError(fmt::format("{}: '{}' is out of range", what, text));
  }
  if (ec != std::errc() || ptr != end || text.empty()) {
    throw UsageError(fmt::format("{}: '{}' is not an unsigned integer", what, text));
  }
  return value;
}

double parse_double(std::string_view text, const std::string& what) {
  // from_chars takes no leading '+'; accept it as people write it.
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    throw UsageError(fmt::format("{}: '{}' is not a number", what, text));
  }
  return value;
}

// The words after the command name: options (--name, --name=value) and positionals.
class Arguments {
 public:
  Arguments(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) words_.emplace_back(argv[i]);
  }

  bool wants_help() const {
    for (const std::string& word : words_) {
      if (word == "--") return false;
      if (word == "--help" || word == "-h") return true;
    }
    return false;
  }

  // Calls on_option(name, inline_value) for each option and on_positional(word) for each
  // other word; option handlers take their values with take_value().
  template <class OnOption, class OnPositional>
  void parse(OnOption&& on_option, OnPositional&& on_positional) {
    bool options_done = false;
    for (index_ = 0; index_ < words_.size();) {
      const std::string word = words_[index_++];
      if (!options_done && word == "--") {
        options_done = true;
      } else if (!options_done && word.size() > 2 && word.compare(0, 2, "--") == 0) {
        const std::size_t equals = word.find('=');
        inline_value_.reset();
        if (equals != std::string::npos) inline_value_ = word.substr(equals + 1);
        const std::string name = word.substr(0, equals);
        on_option(name);
        if (inline_value_) {
          throw UsageError(fmt::format("{} takes no value '={}'", name, *inline_value_));
        }
      } else if (!options_done && word.size() > 1 && word[0] == '-' &&
                 !(word[1] >= '0' && word[1] <= '9') && word[1] != '.') {
        throw UsageError(fmt::format("unknown option '{}'", word));
      } else {
        on_positional(word);
      }
    }
  }

  // The next value of `option` (one of `count`, for messages): from --option=value or from
  // the next word. Words that look like options are not values; negative numbers are.
  std::string take_value(const std::string& option, int count = 1) {
    if (inline_value_) {
      if (count != 1) {
        throw UsageError(
            fmt::format("{} takes {} values, not '={}'", option, count, *inline_value_));
      }
      std::string value = *inline_value_;
      inline_value_.reset();
      return value;
    }
    if (index_ >= words_.size() || words_[index_].compare(0, 2, "--") == 0) {
      throw UsageError(count == 1 ? fmt::format("{} needs a value", option)
                                  : fmt::format("{} needs {} values", option, count));
    }
    return words_[index_++];
  }

 private:
  std::vector<std::string> words_;
  std::size_t index_ = 0;
  std::optional<std::string> inline_value_;
};

medkern::Shape3 take_shape(Arguments& args, const std::string& option) {
  medkern::Shape3 shape{};
  for (int axis = 0; axis < 3; ++axis) {
    shape[axis] = parse_int64(args.take_value(option, 3), option);
    if (shape[axis] < 1) {
      throw UsageError(fmt::format("{}: extents must be at least 1, got {}", option, shape[axis]));
    }
  }
  return shape;
}

medkern::DType parse_dtype(const std::string& text) {
  if (text == "int16") return medkern::DType::int16;
  if (text == "uint16") return medkern::DType::uint16;
  if (text == "float32") return medkern::DType::float32;
  throw UsageError(fmt::format("--dtype: '{}' is not one of int16, uint16, float32", text));
}

// The output options of the commands that compute something: --device D and --json. Returns
// whether `name` was one of them.
bool take_output_option(Arguments& args, const std::string& name, std::string& device, bool& json) {
  if (name == "--device") {
    device = args.take_value(name);
  } else if (name == "--json") {
    json = true;
  } else {
    return false;
  }
  return true;
}

medkern::Context make_context(const std::string& device) {
  if (device == "auto") return medkern::Context::automatic();
  if (device == "cpu") return medkern::Context::cpu();
  if (device == "cuda") return medkern::Context::cuda(0);
  if (device.compare(0, 5, "cuda:") == 0) {
    const int64_t ordinal = parse_int64(std::string_view(device).substr(5), "--device");
    if (ordinal < 0 || ordinal > std::numeric_limits<int>::max()) {
      throw UsageError(fmt::format("--device: '{}' is not a CUDA ordinal", device));
    }
    return medkern::Context::cuda(static_cast<int>(ordinal));
  }
  throw UsageError(fmt::format("--device: '{}' is not cpu, cuda:N or auto", device));
}

// ---------------------------------------------------------------------------- raw files

bool host_is_little_endian() {
  const uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

template <class T>
void swap_bytes(std::vector<T>& values) {
  for (T& value : values) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
    std::memcpy(&value, bytes, sizeof(T));
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads a raw little-endian file of exactly `count` values of T, named `what` in messages.
template <class T>
std::vector<T> read_raw(const std::string& path, int64_t count, const char* type_name,
                        const char* what) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    throw RunError(fmt::format("{} '{}': cannot read it: {}", what, path,
                               error ? error.message() : "no such file"));
  }
  if (std::filesystem::is_directory(status)) {
    throw RunError(fmt::format("{} '{}' is a directory", what, path));
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw RunError(fmt::format("{} '{}': {}", what, path, error.message()));
  const uintmax_t expected = static_cast<uintmax_t>(count) * sizeof(T);
  if (size != expected) {
    throw RunError(fmt::format(
        "{} '{}' has {} bytes, but the shape needs {} bytes ({} voxels of {}, {} byte{} each)",
        what, path, size, expected, count, type_name, sizeof(T), sizeof(T) == 1 ? "" : "s"));
  }
  if (expected > std::numeric_limits<std::size_t>::max()) {
    throw RunError(fmt::format("{} '{}' is too large for this machine", what, path));
  }
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) throw RunError(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
  std::vector<T> values(static_cast<std::size_t>(count));
  const std::size_t read = std::fread(values.data(), sizeof(T), values.size(), file.get());
  if (read != values.size()) {
    throw RunError(fmt::format(
        "{} '{}': read {} of {} values{}", what, path, read, values.size(),
        std::ferror(file.get()) ? fmt::format(": {}", std::strerror(errno)) : std::string()));
  }
  if (!host_is_little_endian()) swap_bytes(values);
  return values;
}

// ---------------------------------------------------------------------------- info

std::string cuda_version_text(int version) {
  if (version <= 0) return "none";
  return fmt::format("{}.{}", version / 1000, (version % 1000) / 10);
}

std::string bytes_text(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

int run_info(Arguments& args) {
  bool json = false;
  args.parse(
      [&](const std::string& name) {
        if (name == "--json") {
          json = true;
        } else {
          throw UsageError(fmt::format("unknown option '{}'", name));
        }
      },
      [&](const std::string& word) {
        throw UsageError(fmt::format("unexpected argument '{}'", word));
      });

  const int count = medkern::device_count();
  struct DeviceEntry {
    int ordinal;
    std::optional<medkern::DeviceProperties> properties;
    std::string error;
  };
  // One device that cannot be queried does not hide the others.
  std::vector<DeviceEntry> devices;
  for (int ordinal = 0; ordinal < count; ++ordinal) {
    DeviceEntry entry{ordinal, std::nullopt, {}};
    try {
      entry.properties = medkern::device_properties(ordinal);
    } catch (const medkern::Error& error) {
      entry.error = error.what();
    }
    devices.push_back(std::move(entry));
  }
  const medkern::PoolStats pool = medkern::pool_for(medkern::Device::host()).stats();
  const int driver = medkern::cuda_driver_version();
  const int runtime = medkern::cuda_runtime_version();

  if (json) {
    JsonWriter out(2);
    out.begin_object();
    out.member("version", medkern::version_string());
    out.key("cuda").begin_object();
    out.member("built_with_cuda", medkern::built_with_cuda());
    out.member("driver_version", driver);
    out.member("runtime_version", runtime);
    out.end_object();
    out.key("devices").begin_array();
    for (const DeviceEntry& entry : devices) {
      out.begin_object();
      out.member("ordinal", entry.ordinal);
      if (entry.properties) {
        const medkern::DeviceProperties& p = *entry.properties;
        out.member("name", p.name);
        out.key("compute_capability").begin_array();
        out.value(p.compute_capability_major).value(p.compute_capability_minor).end_array();
        out.member("multiprocessors", p.multiprocessors);
        out.member("total_memory_bytes", p.total_memory_bytes);
        out.member("free_memory_bytes", p.free_memory_bytes);
      } else {
        out.member("error", entry.error);
      }
      out.end_object();
    }
    out.end_array();
    out.key("host_pool").begin_object();
    out.member("bytes_in_use", pool.bytes_in_use);
    out.member("peak_bytes_in_use", pool.peak_bytes_in_use);
    out.member("bytes_reserved", pool.bytes_reserved);
    out.member("limit_bytes", pool.limit_bytes);
    out.member("allocations", pool.allocations);
    out.member("deallocations", pool.deallocations);
    out.member("failures", pool.failures);
    out.member("live_allocations", pool.live_allocations);
    out.end_object();
    out.end_object();
    fmt::print("{}\n", out.str());
    return kExitOk;
  }

  fmt::print("medkern {}\n", medkern::version_string());
  fmt::print("CUDA support: {}\n", medkern::built_with_cuda() ? "yes" : "no (CPU-only build)");
  fmt::print("CUDA driver: {}, runtime: {}\n", cuda_version_text(driver),
             cuda_version_text(runtime));
  fmt::print("CUDA devices: {}\n", count);
  for (const DeviceEntry& entry : devices) {
    if (!entry.properties) {
      fmt::print("  cuda:{}  (cannot be queried: {})\n", entry.ordinal, entry.error);
      continue;
    }
    const medkern::DeviceProperties& p = *entry.properties;
    fmt::print("  cuda:{}  {}, compute capability {}.{}, {} multiprocessors, {} total, {} free\n",
               entry.ordinal, p.name, p.compute_capability_major, p.compute_capability_minor,
               p.multiprocessors, bytes_text(p.total_memory_bytes),
               bytes_text(p.free_memory_bytes));
  }
  fmt::print("host pool: {} in use (peak {}), {} reserved, limit {}\n",
             bytes_text(pool.bytes_in_use), bytes_text(pool.peak_bytes_in_use),
             bytes_text(pool.bytes_reserved),
             pool.limit_bytes == 0 ? std::string("none") : bytes_text(pool.limit_bytes));
  fmt::print("           {} allocations, {} deallocations, {} live, {} refused\n", pool.allocations,
             pool.deallocations, pool.live_allocations, pool.failures);
  return kExitOk;
}

// ---------------------------------------------------------------------------- histogram

// The bin edges as numpy.histogram returns them: linspace(lo, hi, bins + 1) in double, cast
// to float32 for float32 input.
std::vector<double> bin_edges(uint32_t bins, double lo, double hi, medkern::DType dtype) {
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  std::vector<double> edges(static_cast<std::size_t>(bins) + 1);
  const double step = (hi - lo) / bins;
  for (uint32_t i = 0; i < bins; ++i) edges[i] = static_cast<double>(i) * step + lo;
  edges[bins] = hi;
  if (dtype == medkern::DType::float32) {
    for (double& edge : edges) edge = static_cast<double>(static_cast<float>(edge));
  }
  return edges;
}

// The shortest text of an edge: of the float for float32 input, of the double otherwise.
std::string edge_text(double edge, medkern::DType dtype) {
  if (dtype == medkern::DType::float32) return fmt::format("{}", static_cast<float>(edge));
  return fmt::format("{}", edge);
}

int run_histogram(Arguments& args) {
  std::optional<std::string> path, mask_path;
  std::optional<medkern::Shape3> shape;
  std::optional<medkern::DType> dtype;
  std::string dtype_text;
  std::optional<int64_t> bins;
  std::optional<std::pair<double, double>> range;
  std::string device = "auto";
  bool json = false;

  args.parse(
      [&](const std::string& name) {
        if (name == "--shape") {
          shape = take_shape(args, name);
        } else if (name == "--dtype") {
          dtype_text = args.take_value(name);
          dtype = parse_dtype(dtype_text);
        } else if (name == "--bins") {
          bins = parse_int64(args.take_value(name), name);
        } else if (name == "--range") {
          const double lo = parse_double(args.take_value(name, 2), name);
          const double hi = parse_double(args.take_value(name, 2), name);
          range = std::make_pair(lo, hi);
        } else if (name == "--mask") {
          mask_path = args.take_value(name);
        } else if (!take_output_option(args, name, device, json)) {
          throw UsageError(fmt::format("unknown option '{}'", name));
        }
      },
      [&](const std::string& word) {
        if (path) {
          throw UsageError(fmt::format("one input file only, got '{}' and '{}'", *path, word));
        }
        path = word;
      });
  if (!path) throw UsageError("the input FILE.raw is missing");
  if (!shape) throw UsageError("--shape Z Y X is required");
  if (!dtype) throw UsageError("--dtype is required");
  if (!bins) throw UsageError("--bins is required");
  if (!range) throw UsageError("--range LO HI is required");
  if (*bins < 0 || *bins > std::numeric_limits<uint32_t>::max()) {
    throw UsageError(fmt::format("--bins: {} is outside 1..{}", *bins, medkern::kMaxHistogramBins));
  }

  // The shape must describe a volume whose byte count fits, before any size is computed.
  medkern::VolumeRef probe;
  probe.data = reinterpret_cast<void*>(alignof(std::max_align_t));
  probe.dtype = *dtype;
  probe.shape = *shape;
  probe.strides = {0, 0, 0};
  medkern::validate_volume(probe, "--shape");
  const int64_t count = probe.numel();

  medkern::HistogramParams params;
  params.bins = static_cast<uint32_t>(*bins);
  params.lo = range->first;
  params.hi = range->second;

  medkern::Context context = make_context(device);
  const medkern::Shape3 extents = *shape;
  std::vector<uint8_t> mask;
  std::optional<medkern::VolumeRef> mask_view;
  if (mask_path) {
    mask = read_raw<uint8_t>(*mask_path, count, "uint8", "mask");
    mask_view = medkern::make_view(mask.data(), extents);
  }
  std::vector<uint64_t> counts;
  switch (*dtype) {
    case medkern::DType::int16: {
      const auto data = read_raw<int16_t>(*path, count, "int16", "input");
      counts = medkern::histogram(context, medkern::make_view(data.data(), extents), params,
                                  mask_view ? &*mask_view : nullptr);
      break;
    }
    case medkern::DType::uint16: {
      const auto data = read_raw<uint16_t>(*path, count, "uint16", "input");
      counts = medkern::histogram(context, medkern::make_view(data.data(), extents), params,
                                  mask_view ? &*mask_view : nullptr);
      break;
    }
    default: {
      const auto data = read_raw<float>(*path, count, "float32", "input");
      counts = medkern::histogram(context, medkern::make_view(data.data(), extents), params,
                                  mask_view ? &*mask_view : nullptr);
      break;
    }
  }
  uint64_t total = 0;
  for (const uint64_t c : counts) total += c;
  const std::vector<double> edges = bin_edges(params.bins, params.lo, params.hi, *dtype);
  const std::string device_name = context.device().name();

  if (json) {
    JsonWriter out;
    out.begin_object();
    out.key("counts").begin_array();
    for (const uint64_t c : counts) out.value(c);
    out.end_array();
    out.key("bin_edges").begin_array();
    for (const double edge : edges) {
      if (*dtype == medkern::DType::float32) {
        out.value(static_cast<float>(edge));
      } else {
        out.value(edge);
      }
    }
    out.end_array();
    out.member("bins", params.bins);
    out.key("range").begin_array().value(params.lo).value(params.hi).end_array();
    out.member("total", total);
    out.member("device", device_name);
    out.member("file", *path);
    out.member("dtype", dtype_text);
    out.key("shape").begin_array();
    for (const int64_t extent : extents) out.value(extent);
    out.end_array();
    out.member("voxels", count);
    out.end_object();
    fmt::print("{}\n", out.str());
    return kExitOk;
  }

  fmt::print("{}: {} ({}, {}, {}), {} voxels{}, on {}\n", *path, dtype_text, extents[0], extents[1],
             extents[2], count, mask_path ? fmt::format(", mask {}", *mask_path) : "", device_name);
  fmt::print("{} bins over [{}, {}]: {} voxels counted, {} not (outside the range{})\n",
             params.bins, edge_text(edges.front(), *dtype), edge_text(edges.back(), *dtype), total,
             static_cast<uint64_t>(count) - total, mask_path ? ", NaN or masked out" : " or NaN");
  // Many bins: only the non-empty ones, so that the table stays readable.
  constexpr uint32_t kFullTableBins = 64;
  const bool compact = params.bins > kFullTableBins;
  fmt::print("{:>7}  {:>32}  {:>12}\n", "bin", "interval", "count");
  uint32_t hidden = 0;
  for (uint32_t i = 0; i < params.bins; ++i) {
    if (compact && counts[i] == 0) {
      ++hidden;
      continue;
    }
    const bool last = i + 1 == params.bins;
    const std::string interval = fmt::format("[{}, {}{}", edge_text(edges[i], *dtype),
                                             edge_text(edges[i + 1], *dtype), last ? "]" : ")");
    fmt::print("{:>7}  {:>32}  {:>12}\n", i, interval, counts[i]);
  }
  if (hidden > 0) fmt::print("({} empty bins not shown)\n", hidden);
  return kExitOk;
}

// ---------------------------------------------------------------------------- generate-ct

int run_generate_ct(Arguments& args) {
  std::optional<std::string> path;
  std::optional<medkern::Shape3> shape;
  uint64_t seed = 0;
  args.parse(
      [&](const std::string& name) {
        if (name == "--shape") {
          shape = take_shape(args, name);
        } else if (name == "--seed") {
          seed = parse_uint64(args.take_value(name), name);
        } else {
          throw UsageError(fmt::format("unknown option '{}'", name));
        }
      },
      [&](const std::string& word) {
        if (path) {
          throw UsageError(fmt::format("one output file only, got '{}' and '{}'", *path, word));
        }
        path = word;
      });
  if (!path) throw UsageError("the output FILE.raw is missing");
  if (!shape) throw UsageError("--shape Z Y X is required");

  medkern::VolumeRef probe;
  probe.data = reinterpret_cast<void*>(alignof(std::max_align_t));
  probe.dtype = medkern::DType::int16;
  probe.shape = *shape;
  probe.strides = {0, 0, 0};
  medkern::validate_volume(probe, "--shape");

  const medkern::phantoms::CtPhantom phantom(*shape, seed);
  const int64_t slice_voxels = (*shape)[1] * (*shape)[2];
  std::vector<int16_t> slice(static_cast<std::size_t>(slice_voxels));
  std::vector<unsigned char> bytes(slice.size() * 2);

  File file(std::fopen(path->c_str(), "wb"));
  if (!file) throw RunError(fmt::format("'{}': cannot write it: {}", *path, std::strerror(errno)));
  for (int64_t z = 0; z < (*shape)[0]; ++z) {
    phantom.slice(z, slice.data());
    // Little-endian whatever the host is.
    for (std::size_t i = 0; i < slice.size(); ++i) {
      const auto value = static_cast<uint16_t>(slice[i]);
      bytes[2 * i] = static_cast<unsigned char>(value & 0xFF);
      bytes[2 * i + 1] = static_cast<unsigned char>(value >> 8);
    }
    if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
      throw RunError(
          fmt::format("'{}': writing slice {} failed: {}", *path, z, std::strerror(errno)));
    }
  }
  if (std::fclose(file.release()) != 0) {
    throw RunError(fmt::format("'{}': closing failed: {}", *path, std::strerror(errno)));
  }
  fmt::print("wrote {}: int16 ({}, {}, {}), {} bytes, seed {}\n", *path, (*shape)[0], (*shape)[1],
             (*shape)[2], probe.bytes(), seed);
  for (const medkern::phantoms::Calcification& spot : phantom.calcifications()) {
    fmt::print("  calcification at (z, y, x) = ({}, {}, {}), radius {} voxels, {} HU\n", spot.z,
               spot.y, spot.x, spot.radius, spot.hu);
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------- calcium

// A CT to score, however it was obtained (the phantom or a DICOM series):
// every source fills this and goes through score_and_print.
struct CalciumInput {
  std::string source;  // for the text output
  medkern::Shape3 shape{};
  medkern::Spacing3 spacing{};
  double slice_thickness_mm = 0.0;
  std::vector<int16_t> hu;
  std::vector<uint8_t> labels;  // empty: no label volume
};

CalciumInput load_calcium_phantom(double thickness) {
  if (!(std::isfinite(thickness) && thickness >= 0.1 && thickness <= 10.0)) {
    throw UsageError(fmt::format("--thickness: {} is outside 0.1..10 mm", thickness));
  }
  CalciumInput input;
  input.shape = {std::max<int64_t>(1, std::llround(60.0 / thickness)), 256, 256};
  input.spacing = {thickness, 0.5, 0.5};
  input.slice_thickness_mm = thickness;
  const auto phantom = medkern::phantoms::CalciumPhantom::standard(input.shape, input.spacing);
  input.hu.resize(static_cast<std::size_t>(input.shape[0] * input.shape[1] * input.shape[2]));
  input.labels.resize(input.hu.size());
  phantom.generate(input.hu.data(), input.labels.data());
  input.source = fmt::format("calcium phantom ({} inserts)", phantom.inserts().size());
  return input;
}

// A DICOM series (the largest of the directory) in HU; its warnings go to stderr.
CalciumInput load_calcium_dicom(const std::string& directory) {
  if (!medkern::dicom::available()) {
    throw RunError(fmt::format(
        "'{}': DICOM support not built (rebuild with -DMEDKERN_WITH_DCMTK=ON), or use --phantom",
        directory));
  }
  medkern::dicom::LoadOptions options;
  options.output = medkern::dicom::OutputType::int16;  // HU, or an error naming the file
  medkern::dicom::Series series = medkern::dicom::load_series(directory, options);
  for (const std::string& warning : series.warnings) {
    fmt::print(stderr, "medkern: warning: {}\n", warning);
  }
  if (series.frames > 1) {
    throw RunError(
        fmt::format("'{}' is a dynamic series ({} frames); calcium scoring takes one "
                    "volume",
                    directory, series.frames));
  }
  CalciumInput input;
  input.shape = series.shape;
  input.spacing = series.spacing;
  // Without SliceThickness the slices are taken to be as thick as they are apart.
  input.slice_thickness_mm = std::isfinite(series.slice_thickness) && series.slice_thickness > 0
                                 ? series.slice_thickness
                                 : series.spacing[0];
  input.hu = std::move(series.int16_data);
  input.source =
      fmt::format("DICOM series {} ({}, {} slices)", series.series_uid, directory, series.shape[0]);
  return input;
}

const char* artery_name(int32_t label) {
  switch (label) {
    case medkern::kLeftMain:
      return "LM";
    case medkern::kLad:
      return "LAD";
    case medkern::kLcx:
      return "LCX";
    case medkern::kRca:
      return "RCA";
    default:
      return nullptr;
  }
}

void write_totals(JsonWriter& out, const medkern::CalciumTotals& totals) {
  out.begin_object();
  out.member("agatston", totals.agatston);
  out.member("volume_mm3", totals.volume_mm3);
  out.member("mass_mg", totals.mass_mg);  // NaN (no calibration) is null
  out.member("lesions", totals.lesions);
  out.end_object();
}

int score_and_print(const CalciumInput& input, const medkern::CalciumParams& params,
                    const std::string& device, bool json) {
  medkern::Context context = make_context(device);
  const medkern::VolumeRef ct = medkern::make_view(input.hu.data(), input.shape, input.spacing);
  const medkern::VolumeRef labels =
      medkern::make_view(input.labels.data(), input.shape, input.spacing);
  const medkern::CalciumResult r =
      medkern::calcium_score(context, ct, input.labels.empty() ? nullptr : &labels, params);
  const char* risk = medkern::risk_category_name(r.risk_category);

  if (json) {
    JsonWriter out(2);
    out.begin_object();
    out.member("agatston", r.total.agatston);
    out.member("volume_mm3", r.total.volume_mm3);
    out.member("mass_mg", r.total.mass_mg);
    out.member("risk_category", risk);
    out.key("per_label").begin_object();
    for (const medkern::CalciumLabelTotals& entry : r.per_label) {
      out.key(std::to_string(entry.label));
      write_totals(out, entry.totals);
    }
    out.end_object();
    out.key("lesions").begin_array();
    for (const medkern::CalciumLesion& l : r.lesions) {
      out.begin_object();
      out.member("slice", l.slice);
      out.member("label", l.label);
      out.member("voxels", l.voxels);
      out.member("area_mm2", l.area_mm2);
      out.member("max_hu", l.max_hu);
      out.member("mean_hu", l.mean_hu);
      out.member("weight", l.weight);
      out.member("score", l.score);
      out.member("volume_mm3", l.volume_mm3);
      out.member("mass_mg", l.mass_mg);
      out.key("centroid_mm").begin_array();
      for (const double c : l.centroid_mm) out.value(c);
      out.end_array();
      out.member("lesion_3d", l.lesion_3d);
      out.end_object();
    }
    out.end_array();
    out.member("lesions_3d", r.lesions_3d);
    out.member("slice_step", r.slice_step);
    out.member("voxel_volume_mm3", r.voxel_volume_mm3);
    out.end_object();
    fmt::print("{}\n", out.str());
    return kExitOk;
  }

  fmt::print("{}: ({}, {}, {}) voxels of {} x {} x {} mm, slice thickness {} mm, on {}\n",
             input.source, input.shape[0], input.shape[1], input.shape[2], input.spacing[0],
             input.spacing[1], input.spacing[2], params.slice_thickness_mm,
             context.device().name());
  if (r.slice_step > 1) {
    fmt::print("overlapping slices: every {}th slice scored\n", r.slice_step);
  }
  const std::string mass =
      r.has_mass ? fmt::format("{:.1f} mg", r.total.mass_mg) : std::string("- (no --calibration)");
  fmt::print("Agatston score: {:.1f}\nvolume score:   {:.1f} mm3\nmass score:     {}\n",
             r.total.agatston, r.total.volume_mm3, mass);
  fmt::print("risk category:  {}\n", risk);
  fmt::print("lesions: {} in 2-D, {} in 3-D\n\n", r.total.lesions, r.lesions_3d);
  fmt::print("{:<8} {:>8} {:>10} {:>12} {:>10}\n", "artery", "lesions", "Agatston", "volume mm3",
             "mass mg");
  auto row = [&](const std::string& name, const medkern::CalciumTotals& t) {
    const std::string m = r.has_mass ? fmt::format("{:.1f}", t.mass_mg) : std::string("-");
    fmt::print("{:<8} {:>8} {:>10.1f} {:>12.1f} {:>10}\n", name, t.lesions, t.agatston,
               t.volume_mm3, m);
  };
  // The four arteries always (zero when they have no calcium), then the user's labels.
  if (!input.labels.empty()) {
    for (int32_t label = medkern::kLeftMain; label <= medkern::kRca; ++label) {
      medkern::CalciumTotals totals;
      if (!r.has_mass) totals.mass_mg = std::nan("");
      for (const medkern::CalciumLabelTotals& entry : r.per_label) {
        if (entry.label == label) totals = entry.totals;
      }
      row(artery_name(label), totals);
    }
    for (const medkern::CalciumLabelTotals& entry : r.per_label) {
      if (artery_name(entry.label) == nullptr) {
        row(fmt::format("label {}", entry.label), entry.totals);
      }
    }
  }
  row("total", r.total);
  return kExitOk;
}

int run_calcium(Arguments& args) {
  std::optional<std::string> directory;
  bool phantom = false;
  std::optional<double> thickness;
  medkern::CalciumParams params;
  std::string device = "auto";
  bool json = false;
  args.parse(
      [&](const std::string& name) {
        if (name == "--phantom") {
          phantom = true;
        } else if (name == "--thickness") {
          thickness = parse_double(args.take_value(name), name);
        } else if (name == "--threshold") {
          params.threshold_hu = parse_double(args.take_value(name), name);
        } else if (name == "--min-area") {
          params.min_area_mm2 = parse_double(args.take_value(name), name);
        } else if (name == "--connectivity") {
          const int64_t c = parse_int64(args.take_value(name), name);
          if (c != 4 && c != 8)
            throw UsageError(fmt::format("--connectivity: {} is not 8 or 4", c));
          params.connectivity = int(c);
        } else if (name == "--no-normalize") {
          params.normalize_thickness = false;
        } else if (name == "--calibration") {
          params.calibration_mg_per_cm3_per_hu = parse_double(args.take_value(name), name);
        } else if (!take_output_option(args, name, device, json)) {
          throw UsageError(fmt::format("unknown option '{}'", name));
        }
      },
      [&](const std::string& word) {
        if (directory) {
          throw UsageError(
              fmt::format("one DICOM directory only, got '{}' and '{}'", *directory, word));
        }
        directory = word;
      });
  if (phantom == directory.has_value()) {
    throw UsageError("give either --phantom or a DICOM directory");
  }
  if (directory && thickness) throw UsageError("--thickness is for --phantom only");
  const CalciumInput input =
      phantom ? load_calcium_phantom(thickness.value_or(3.0)) : load_calcium_dicom(*directory);
  params.slice_thickness_mm = input.slice_thickness_mm;
  return score_and_print(input, params, device, json);
}

// ---------------------------------------------------------------------------- perfusion

constexpr const char* kMethodNames[] = {"ssvd", "csvd", "osvd", "tikhonov"};

struct PerfusionErrors {
  double cbf = 0.0, cbv = 0.0, mtt = 0.0;  // mean relative errors, signed for CBF
  double milliseconds = 0.0;
  int64_t valid = 0;
};

PerfusionErrors score_perfusion(const medkern::Context& context,
                                const medkern::PerfusionPhantom& phantom,
                                const medkern::PerfusionParams& params) {
  const medkern::Shape3 frame{phantom.shape[1], phantom.shape[2], phantom.shape[3]};
  const int64_t voxels = frame[0] * frame[1] * frame[2];
  std::vector<float> cbf(voxels), cbv(voxels), mtt(voxels), tmax(voxels), ttp(voxels),
      arrival(voxels);
  std::vector<uint8_t> valid(voxels);
  using medkern::make_view;
  const medkern::PerfusionMapsRef maps{
      make_view(cbf.data(), frame),  make_view(cbv.data(), frame), make_view(mtt.data(), frame),
      make_view(tmax.data(), frame), make_view(ttp.data(), frame), make_view(arrival.data(), frame),
      make_view(valid.data(), frame)};
  const medkern::SeriesRef series{make_view(phantom.series.data(), frame), phantom.shape[0],
                                  voxels};
  const auto start = std::chrono::steady_clock::now();
  medkern::perfusion_maps(context, series, phantom.times_s, phantom.aif, nullptr, maps, params);
  PerfusionErrors errors;
  errors.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (int64_t i = 0; i < voxels; ++i) {
    errors.cbf += (cbf[i] - phantom.cbf[i]) / phantom.cbf[i];
    errors.cbv += std::abs(cbv[i] - phantom.cbv[i]) / phantom.cbv[i];
    errors.mtt += std::abs(mtt[i] - phantom.mtt[i]) / phantom.mtt[i];
    errors.valid += valid[i];
  }
  errors.cbf /= double(voxels);
  errors.cbv /= double(voxels);
  errors.mtt /= double(voxels);
  return errors;
}

// The phantom's errors per method, as a table or JSON.
int run_perfusion_phantom(const medkern::PerfusionPhantomParams& phantom_params,
                          const std::vector<int>& methods, const std::string& device, bool json) {
  const medkern::Context context = make_context(device);
  const medkern::PerfusionPhantom phantom = medkern::perfusion_phantom(phantom_params);
  JsonWriter out(2);
  if (json) {
    out.begin_array();
  } else {
    fmt::print("perfusion phantom: {} frames of {} x {} voxels, {} residue, {}, SNR {}\n",
               phantom.shape[0], phantom.shape[2], phantom.shape[3],
               phantom_params.residue == medkern::ResidueShape::exponential ? "exponential"
               : phantom_params.residue == medkern::ResidueShape::boxcar    ? "boxcar"
                                                                            : "linear",
               phantom_params.modality == medkern::PerfusionModality::ct ? "CT" : "DSC-MR",
               phantom_params.snr > 0.0 ? fmt::format("{:g}", phantom_params.snr) : "none");
    fmt::print("on {}\n\n", context.device().name());
    fmt::print("{:10} {:>14} {:>14} {:>14} {:>8} {:>10}\n", "method", "CBF error", "|CBV error|",
               "|MTT error|", "valid", "time ms");
  }
  for (int code : methods) {
    medkern::PerfusionParams params;
    params.modality = phantom_params.modality;
    params.te_s = phantom_params.te_s;
    params.method = medkern::DeconvolutionMethod(code);
    const PerfusionErrors e = score_perfusion(context, phantom, params);
    if (json) {
      out.begin_object()
          .member("method", kMethodNames[code])
          .member("cbf_mean_relative_error", e.cbf)
          .member("cbv_mean_absolute_relative_error", e.cbv)
          .member("mtt_mean_absolute_relative_error", e.mtt)
          .member("valid", e.valid)
          .member("milliseconds", e.milliseconds)
          .end_object();
    } else {
      fmt::print("{:10} {:>13.1f}% {:>13.1f}% {:>13.1f}% {:>8} {:>10.1f}\n", kMethodNames[code],
                 100.0 * e.cbf, 100.0 * e.cbv, 100.0 * e.mtt, e.valid, e.milliseconds);
    }
  }
  if (json) {
    out.end_array();
    fmt::print("{}\n", out.str());
  } else {
    fmt::print(
        "\nCBF error: mean of (measured - true) / true; the others: mean of |...| / true.\n");
  }
  return kExitOk;
}

medkern::PerfusionModality modality_of(const std::string& text) {
  if (text == "ct") return medkern::PerfusionModality::ct;
  if (text == "mr") return medkern::PerfusionModality::mr;
  throw UsageError(fmt::format("--modality: '{}' is not ct or mr", text));
}

// The phantom as a dynamic DICOM series (`--phantom --dicom OUTDIR`): its tissue, and below it
// four rows of arterial voxels holding the AIF's signal, so that `medkern perfusion OUTDIR`
// finds the AIF on its own. CT is int16 HU: integer HU would be coarse against the 60 HU
// AIF of the error table (the tissue enhances by a few HU), so the AIF peaks 300 HU above
// baseline, as in arteries. MR is uint16.
int write_phantom_dicom(medkern::PerfusionPhantomParams params, const std::string& directory,
                        bool json) {
  if (!medkern::dicom::available()) {
    throw RunError(fmt::format(
        "'{}': DICOM support not built (rebuild with -DMEDKERN_WITH_DCMTK=ON)", directory));
  }
  const bool ct = params.modality == medkern::PerfusionModality::ct;
  if (ct) params.aif_peak = 300.0;
  const medkern::PerfusionPhantom phantom = medkern::perfusion_phantom(params);
  constexpr int64_t kArterialRows = 4;
  const int64_t nt = phantom.shape[0], ny = phantom.shape[2], nx = phantom.shape[3];
  const int64_t rows = ny + kArterialRows, voxels = rows * nx;
  const double lo = ct ? -32768.0 : 0.0, hi = ct ? 32767.0 : 65535.0;
  std::vector<int16_t> hu;
  std::vector<uint16_t> signal;
  if (ct) {
    hu.resize(static_cast<std::size_t>(nt * voxels));
  } else {
    signal.resize(static_cast<std::size_t>(nt * voxels));
  }
  for (int64_t t = 0; t < nt; ++t) {
    for (int64_t i = 0; i < voxels; ++i) {
      const double v = i < ny * nx ? phantom.series[static_cast<std::size_t>(t * ny * nx + i)]
                                   : phantom.aif[static_cast<std::size_t>(t)];
      const double stored = std::min(hi, std::max(lo, std::round(v)));
      const auto at = static_cast<std::size_t>(t * voxels + i);
      if (ct) {
        hu[at] = static_cast<int16_t>(stored);
      } else {
        signal[at] = static_cast<uint16_t>(stored);
      }
    }
  }
  const medkern::Shape3 frame{1, rows, nx};
  const medkern::Spacing3 spacing{5.0, 1.0, 1.0};
  const medkern::SeriesRef series{
      ct ? medkern::VolumeRef(medkern::make_view(hu.data(), frame, spacing))
         : medkern::VolumeRef(medkern::make_view(signal.data(), frame, spacing)),
      nt, voxels};
  medkern::dicom::WriteOptions options;
  options.modality = ct ? "CT" : "MR";
  if (!ct) options.echo_time_s = params.te_s;
  options.patient_id = "MEDKERN-DRO";
  options.series_description = ct ? "medkern perfusion DRO, CT" : "medkern perfusion DRO, MR";
  const std::vector<std::string> paths =
      medkern::dicom::write_series(directory, series, phantom.times_s, options);
  if (json) {
    JsonWriter out(2);
    out.begin_object()
        .member("directory", directory)
        .member("files", static_cast<int64_t>(paths.size()))
        .member("frames", nt);
    out.key("shape").begin_array().value(int64_t{1}).value(rows).value(nx).end_array();
    out.member("modality", options.modality).end_object();
    fmt::print("{}\n", out.str());
    return kExitOk;
  }
  fmt::print(
      "wrote {} DICOM files to {}: the perfusion phantom as {}, {} frames of 1 x {} x {} "
      "voxels (the last {} rows arterial)\nnext: medkern perfusion {} --out MAPS_DIR\n",
      paths.size(), directory, options.modality, nt, rows, nx, kArterialRows, directory);
  return kExitOk;
}

struct PerfusionDicomRequest {
  std::string directory;
  std::string aif = "auto";
  medkern::DeconvolutionMethod method = medkern::DeconvolutionMethod::osvd;
  std::optional<std::string> out;
  std::optional<medkern::PerfusionModality> modality;
  std::optional<double> te_s;
  std::optional<double> reference_cbf;
  std::string device = "auto";
  bool json = false;
};

// The maps of a dynamic DICOM series, written as NIfTI, and its stroke summary.
int run_perfusion_dicom(const PerfusionDicomRequest& request) {
  const std::string& directory = request.directory;
  if (!medkern::dicom::available()) {
    throw RunError(fmt::format(
        "'{}': DICOM support not built (rebuild with -DMEDKERN_WITH_DCMTK=ON), or use --phantom",
        directory));
  }
  if (request.out && !medkern::cli::nifti::available()) {
    throw RunError(
        "NIfTI output is not built (install libnifti2-dev and rebuild with "
        "-DMEDKERN_WITH_NIFTI=ON); without --out the stroke summary alone is printed");
  }
  medkern::dicom::Series series = medkern::dicom::load_series(directory);
  for (const std::string& warning : series.warnings) {
    fmt::print(stderr, "medkern: warning: {}\n", warning);
  }
  if (series.frames < 2) {
    throw RunError(fmt::format(
        "'{}' holds a static series ({} slices, one frame); perfusion needs a dynamic series",
        directory, series.shape[0]));
  }
  for (const double t : series.frame_times_s) {
    if (!std::isfinite(t)) {
      throw RunError(
          fmt::format("the frame times of '{}' are unknown: its files have no TriggerTime or "
                      "AcquisitionTime that varies",
                      directory));
    }
  }
  medkern::PerfusionModality modality;
  if (request.modality) {
    modality = *request.modality;
  } else if (series.modality == "CT" || series.modality == "MR") {
    modality =
        series.modality == "CT" ? medkern::PerfusionModality::ct : medkern::PerfusionModality::mr;
  } else {
    throw UsageError(
        fmt::format("the series' Modality is '{}': give --modality ct or mr", series.modality));
  }
  const bool mr = modality == medkern::PerfusionModality::mr;
  if (mr && !request.te_s) throw UsageError("--te S (the echo time in seconds) is needed for MR");
  if (!mr && request.te_s) throw UsageError("--te is for MR series only");

  const medkern::Context context = make_context(request.device);
  const medkern::SeriesRef frames = series.series_view();
  const std::vector<double>& times = series.frame_times_s;
  const medkern::Shape3 shape = series.shape;
  const auto voxels = static_cast<std::size_t>(shape[0] * shape[1] * shape[2]);
  const medkern::cli::nifti::Affine affine =
      medkern::cli::nifti::ras_affine(series.origin, series.orientation, series.spacing);

  // The AIF: selected among every voxel, or the mean curve of a mask on the series' grid.
  std::vector<uint8_t> aif_mask(voxels, 0);
  const medkern::VolumeRef aif_view = medkern::make_view(aif_mask.data(), shape, series.spacing);
  std::vector<double> aif;
  int64_t aif_voxels = 0;
  if (request.aif == "auto") {
    medkern::AifSelectionParams selection;
    selection.modality = modality;
    selection.te_s = request.te_s.value_or(0.0);
    const medkern::AifSelection chosen =
        medkern::select_aif(context, frames, times, nullptr, aif_view, selection);
    aif = chosen.curve;
    aif_voxels = chosen.voxels;
  } else {
    medkern::cli::nifti::Mask mask = medkern::cli::nifti::read_mask(request.aif);
    if (mask.shape != shape) {
      throw RunError(fmt::format(
          "--aif '{}': a mask of {} x {} x {} voxels (z, y, x); the series' frames are {} x {} x "
          "{}",
          request.aif, mask.shape[0], mask.shape[1], mask.shape[2], shape[0], shape[1], shape[2]));
    }
    if (mask.has_affine) {
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 4; ++c) {
          // NIfTI keeps its affine in float32: a relative tolerance covers its rounding.
          if (std::abs(mask.affine[r][c] - affine[r][c]) >
              1e-3 * std::max(1.0, std::abs(affine[r][c]))) {
            throw RunError(fmt::format(
                "--aif '{}': its affine (row {}: {:g} {:g} {:g} {:g}) is not the series' (row "
                "{}: {:g} {:g} {:g} {:g}); the mask lies on another grid",
                request.aif, r, mask.affine[r][0], mask.affine[r][1], mask.affine[r][2],
                mask.affine[r][3], r, affine[r][0], affine[r][1], affine[r][2], affine[r][3]));
          }
        }
      }
    } else {
      fmt::print(stderr,
                 "medkern: warning: --aif '{}' has no sform or qform; its voxels are taken as "
                 "the series'\n",
                 request.aif);
    }
    aif_mask = std::move(mask.values);
    for (const uint8_t v : aif_mask) aif_voxels += v;
    if (aif_voxels == 0) throw RunError(fmt::format("--aif '{}': the mask is empty", request.aif));
    aif = medkern::mean_curve(context, frames,
                              medkern::make_view(aif_mask.data(), shape, series.spacing));
  }

  // The maps, on the host with the series' spacing (the summary's voxel volume).
  std::vector<float> values(6 * voxels);
  std::vector<uint8_t> valid(voxels);
  const auto map = [&](int index) {
    return medkern::VolumeRef(
        medkern::make_view(values.data() + index * voxels, shape, series.spacing));
  };
  const medkern::PerfusionMapsRef maps{map(0),
                                       map(1),
                                       map(2),
                                       map(3),
                                       map(4),
                                       map(5),
                                       medkern::make_view(valid.data(), shape, series.spacing)};
  medkern::PerfusionParams params;
  params.modality = modality;
  params.te_s = request.te_s.value_or(0.0);
  params.method = request.method;
  medkern::perfusion_maps(context, frames, times, aif, nullptr, maps, params);
  int64_t valid_voxels = 0;
  for (const uint8_t v : valid) valid_voxels += v;

  // The stroke summary: the reference CBF given, or the mean over the valid voxels that are
  // not the AIF's (arteries are no reference for tissue).
  medkern::StrokeParams stroke;
  std::vector<uint8_t> reference(voxels, 0);
  int64_t reference_voxels = 0;
  for (std::size_t i = 0; i < voxels; ++i) {
    reference[i] = valid[i] != 0 && aif_mask[i] == 0 ? 1 : 0;
    reference_voxels += reference[i];
  }
  if (request.reference_cbf) {
    stroke.reference_cbf = *request.reference_cbf;
  } else if (reference_voxels == 0) {
    throw RunError(
        "no valid voxel outside the AIF to take the reference CBF from; give --reference-cbf");
  }
  const medkern::VolumeRef reference_view =
      medkern::make_view(reference.data(), shape, series.spacing);
  const medkern::StrokeSummary summary = medkern::stroke_summary(
      context, maps, request.reference_cbf ? nullptr : &reference_view, stroke);

  struct Output {
    const char* name;
    medkern::VolumeRef volume;
    const char* description;
  };
  std::vector<Output> outputs = {
      {"cbf", maps.cbf, "medkern CBF ml/100g/min"},
      {"cbv", maps.cbv, "medkern CBV ml/100g"},
      {"mtt", maps.mtt, "medkern MTT s"},
      {"tmax", maps.tmax, "medkern Tmax s"},
      {"ttp", maps.ttp, "medkern TTP s after the first frame"},
      {"arrival", maps.arrival, "medkern bolus arrival s after the first frame"},
      {"valid", maps.valid, "medkern 1 where the maps hold a value"}};
  if (request.aif == "auto") outputs.push_back({"aif_mask", aif_view, "medkern AIF voxels"});
  std::vector<std::string> written;
  if (request.out) {
    std::error_code error;
    std::filesystem::create_directories(*request.out, error);
    if (error || !std::filesystem::is_directory(*request.out)) {
      throw RunError(fmt::format("--out '{}': cannot create the directory{}", *request.out,
                                 error ? ": " + error.message() : std::string()));
    }
    for (const Output& o : outputs) {
      const std::string path =
          (std::filesystem::path(*request.out) / (std::string(o.name) + ".nii")).string();
      medkern::cli::nifti::write(path, o.volume, affine, o.description);
      written.push_back(path);
    }
  }

  const char* method_name = kMethodNames[static_cast<int>(request.method)];
  if (request.json) {
    JsonWriter out(2);
    out.begin_object();
    out.member("series_uid", series.series_uid);
    out.member("modality", mr ? "mr" : "ct");
    out.member("frames", series.frames);
    out.key("shape").begin_array().value(shape[0]).value(shape[1]).value(shape[2]).end_array();
    out.key("frame_times_s").begin_array();
    for (const double t : times) out.value(t);
    out.end_array();
    out.member("method", method_name);
    out.member("aif", request.aif);
    out.member("aif_voxels", aif_voxels);
    out.key("aif_curve").begin_array();
    for (const double v : aif) out.value(v);
    out.end_array();
    out.member("valid_voxels", valid_voxels);
    out.key("stroke").begin_object();
    out.member("hypoperfusion_ml", summary.hypoperfusion_ml);
    out.member("core_ml", summary.core_ml);
    out.member("mismatch_ml", summary.mismatch_ml);
    out.member("mismatch_ratio", summary.mismatch_ratio);  // infinity is null
    out.member("reference_cbf", summary.reference_cbf);
    out.member("tmax_threshold_s", stroke.tmax_threshold_s);
    out.member("relative_cbf_threshold", stroke.relative_cbf_threshold);
    out.end_object();
    out.key("files").begin_array();
    for (const std::string& path : written) out.value(path);
    out.end_array();
    out.end_object();
    fmt::print("{}\n", out.str());
    return kExitOk;
  }
  fmt::print(
      "{}: DICOM series {} ({}), {} frames of {} x {} x {} voxels of {:g} x {:g} x {:g} "
      "mm, {:g} to {:g} s\n",
      directory, series.series_uid, mr ? "DSC-MR" : "CT", series.frames, shape[0], shape[1],
      shape[2], series.spacing[0], series.spacing[1], series.spacing[2], times.front(),
      times.back());
  fmt::print("AIF: {} voxel{} {}\n", aif_voxels, aif_voxels == 1 ? "" : "s",
             request.aif == "auto" ? std::string("selected automatically")
                                   : fmt::format("of {}", request.aif));
  fmt::print("maps: {} deconvolution on {}, {} of {} voxels valid\n", method_name,
             context.device().name(), valid_voxels, voxels);
  for (const std::string& path : written) fmt::print("wrote {}\n", path);
  if (!request.out) fmt::print("(no --out: the maps were not written)\n");
  fmt::print("\nstroke summary (reference CBF {:.1f} ml/100 g/min, {}):\n", summary.reference_cbf,
             request.reference_cbf ? "given" : "the mean of the valid voxels outside the AIF");
  const auto line = [](const std::string& label, double value, const char* unit) {
    fmt::print("  {:<34}{:>8.2f}{}\n", label + ":", value, unit);
  };
  line(fmt::format("hypoperfusion (Tmax > {:g} s)", stroke.tmax_threshold_s),
       summary.hypoperfusion_ml, " ml");
  line(fmt::format("core (CBF < {:g} % of reference)", 100.0 * stroke.relative_cbf_threshold),
       summary.core_ml, " ml");
  line("mismatch volume", summary.mismatch_ml, " ml");
  line("mismatch ratio", summary.mismatch_ratio, "");  // inf prints as inf
  return kExitOk;
}

int run_perfusion(Arguments& args) {
  bool phantom_wanted = false;
  std::optional<std::string> directory, dicom_out, method;
  std::optional<std::string> modality;
  PerfusionDicomRequest request;
  medkern::PerfusionPhantomParams phantom_params;
  phantom_params.frames = 90;
  std::vector<std::string> phantom_only, dicom_only;  // the options given, for the checks
  args.parse(
      [&](const std::string& name) {
        if (name == "--phantom") {
          phantom_wanted = true;
        } else if (name == "--method") {
          method = args.take_value(name);
        } else if (name == "--modality") {
          modality = args.take_value(name);
          modality_of(*modality);  // checked here, used below
        } else if (name == "--residue") {
          phantom_only.push_back(name);
          const std::string residue = args.take_value(name);
          if (residue == "exponential") {
            phantom_params.residue = medkern::ResidueShape::exponential;
          } else if (residue == "boxcar") {
            phantom_params.residue = medkern::ResidueShape::boxcar;
          } else if (residue == "linear") {
            phantom_params.residue = medkern::ResidueShape::linear;
          } else {
            throw UsageError(
                fmt::format("--residue: '{}' is not one of exponential, boxcar, linear", residue));
          }
        } else if (name == "--frames") {
          phantom_only.push_back(name);
          const int64_t frames = parse_int64(args.take_value(name), name);
          if (frames < 2 || frames > 512) {
            throw UsageError(fmt::format("--frames: {} is not in 2 .. 512", frames));
          }
          phantom_params.frames = int32_t(frames);
        } else if (name == "--snr") {
          phantom_only.push_back(name);
          phantom_params.snr = parse_double(args.take_value(name), name);
        } else if (name == "--seed") {
          phantom_only.push_back(name);
          phantom_params.seed = parse_uint64(args.take_value(name), name);
        } else if (name == "--dicom") {
          phantom_only.push_back(name);
          dicom_out = args.take_value(name);
        } else if (name == "--aif") {
          dicom_only.push_back(name);
          request.aif = args.take_value(name);
        } else if (name == "--out") {
          dicom_only.push_back(name);
          request.out = args.take_value(name);
        } else if (name == "--te") {
          dicom_only.push_back(name);
          request.te_s = parse_double(args.take_value(name), name);
          if (!std::isfinite(*request.te_s) || *request.te_s <= 0) {
            throw UsageError(fmt::format("--te: {} s is not a positive echo time", *request.te_s));
          }
        } else if (name == "--reference-cbf") {
          dicom_only.push_back(name);
          request.reference_cbf = parse_double(args.take_value(name), name);
          if (!std::isfinite(*request.reference_cbf) || *request.reference_cbf <= 0) {
            throw UsageError(
                fmt::format("--reference-cbf: {} is not a positive CBF", *request.reference_cbf));
          }
        } else if (!take_output_option(args, name, request.device, request.json)) {
          throw UsageError(fmt::format("unknown option '{}'", name));
        }
      },
      [&](const std::string& word) {
        if (directory) {
          throw UsageError(
              fmt::format("one DICOM directory only, got '{}' and '{}'", *directory, word));
        }
        directory = word;
      });
  if (phantom_wanted == directory.has_value()) {
    throw UsageError("give either --phantom or a DICOM directory");
  }
  if (directory && !phantom_only.empty()) {
    throw UsageError(fmt::format("{} is for --phantom only", phantom_only.front()));
  }
  if (phantom_wanted && !dicom_only.empty()) {
    throw UsageError(fmt::format("{} is for a DICOM directory only", dicom_only.front()));
  }
  const std::string method_text = method.value_or(directory ? "osvd" : "all");
  std::vector<int> methods;
  for (int code = 0; code < 4; ++code) {
    if (method_text == "all" || method_text == kMethodNames[code]) methods.push_back(code);
  }
  if (methods.empty()) {
    throw UsageError(
        fmt::format("--method: '{}' is not one of ssvd, csvd, osvd, tikhonov, all", method_text));
  }
  if (directory) {
    if (methods.size() != 1) throw UsageError("--method: a DICOM series takes one method");
    request.directory = *directory;
    request.method = medkern::DeconvolutionMethod(methods.front());
    if (modality) request.modality = modality_of(*modality);
    return run_perfusion_dicom(request);
  }
  if (modality) phantom_params.modality = modality_of(*modality);
  if (dicom_out) {
    if (method) throw UsageError("--method is not used with --dicom");
    return write_phantom_dicom(phantom_params, *dicom_out, request.json);
  }
  return run_perfusion_phantom(phantom_params, methods, request.device, request.json);
}

// ---------------------------------------------------------------------------- main

struct Command {
  const char* name;
  const char* help;
  int (*run)(Arguments&);
};

constexpr Command kCommands[] = {
    {"info", kInfoHelp, run_info},
    {"histogram", kHistogramHelp, run_histogram},
    {"generate-ct", kGenerateHelp, run_generate_ct},
    {"calcium", kCalciumHelp, run_calcium},
    {"perfusion", kPerfusionHelp, run_perfusion},
};

const Command* find_command(std::string_view name) {
  for (const Command& command : kCommands) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kMainHelp, stderr);
    return kExitUsage;
  }
  const std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    if (first == "help" && argc > 2) {
      const Command* command = find_command(argv[2]);
      if (command == nullptr) {
        fmt::print(stderr, "medkern: unknown command '{}'\n\n{}", argv[2], kMainHelp);
        return kExitUsage;
      }
      fmt::print("{}", command->help);
      return kExitOk;
    }
    fmt::print("{}", kMainHelp);
    return kExitOk;
  }
  if (first == "--version") {
    fmt::print("medkern {}\n", medkern::version_string());
    return kExitOk;
  }
  const Command* command = find_command(first);
  if (command == nullptr) {
    fmt::print(stderr, "medkern: unknown command '{}'\n\n{}", first, kMainHelp);
    return kExitUsage;
  }
  Arguments args(argc, argv, 2);
  if (args.wants_help()) {
    fmt::print("{}", command->help);
    return kExitOk;
  }
  try {
    return command->run(args);
  } catch (const UsageError& error) {
    fmt::print(stderr, "medkern {}: {}\n(see 'medkern {} --help')\n", command->name, error.what(),
               command->name);
    return kExitUsage;
  } catch (const medkern::Error& error) {
    fmt::print(stderr, "medkern {}: error: {}\n", command->name, error.what());
    return kExitError;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "medkern {}: error: out of host memory\n", command->name);
    return kExitError;
  } catch (const std::exception& error) {
    fmt::print(stderr, "medkern {}: error: {}\n", command->name, error.what());
    return kExitError;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (...) {
    // Only printing can throw here (e.g. fmt on a closed stream); still no crash.
    std::fputs("medkern: error: unexpected failure\n", stderr);
    return kExitError;
  }
}
