// NIfTI-1 files for the command-line tool (libnifti's nifti1_io): the perfusion maps of a
// DICOM series written with the series' geometry, and masks read back onto its grid. Built
// when CMake finds libnifti (MEDKERN_WITH_NIFTI); otherwise available() is false and the
// other functions throw std::runtime_error saying so.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "medkern/volume.hpp"

namespace medkern::cli::nifti {

// True when this build writes NIfTI (it was built with libnifti).
bool available() noexcept;

// A 3 x 4 affine: (x, y, z, 1) of the world from (i, j, k, 1) of the voxel.
using Affine = std::array<std::array<double, 4>, 3>;

// The NIfTI (RAS) affine of voxel (i, j, k) = (column, row, slice) of a volume whose DICOM
// geometry (LPS, as dicom::Series holds it) is `origin`, `orientation` (unit vectors of the
// array axes z, y, x) and `spacing` (z, y, x): the DICOM position with x and y negated,
// since DICOM's patient axes point to the left and posterior and NIfTI's to the right and
// anterior.
Affine ras_affine(const std::array<double, 3>& origin,
                  const std::array<std::array<double, 3>, 3>& orientation, const Spacing3& spacing);

// Writes `volume` (host, float32 or uint8, any strides; (nz, ny, nx) becomes NIfTI's
// (i, j, k) = (x, y, z) with i fastest, the same memory order) as an uncompressed NIfTI-1
// file (.nii) with sform and qform `affine` (scanner anatomical), spacing in mm, and
// `description` (at most 79 characters kept). Throws std::runtime_error naming the path when
// it cannot be written.
void write(const std::string& path, const VolumeRef& volume, const Affine& affine,
           const std::string& description);

// A mask read from a NIfTI file: 1 where the file's value is non-zero (NaN counts as zero).
struct Mask {
  std::vector<uint8_t> values;  // (nz, ny, nx), C order
  Shape3 shape{0, 0, 0};
  bool has_affine = false;  // sform, else qform, of the file; absent when neither is set
  Affine affine{};
};

// Reads `path` (NIfTI-1 or -2, .nii or .nii.gz, or an .hdr/.img pair) of any integer or
// floating type; higher dimensions must be 1. Throws std::runtime_error naming the path.
Mask read_mask(const std::string& path);

}  // namespace medkern::cli::nifti
