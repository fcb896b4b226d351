// NIfTI-1 output and mask input of the command-line tool through libnifti (nifti1_io).
#include "nifti.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#if MEDKERN_WITH_NIFTI
#include <nifti1_io.h>
#endif

namespace medkern::cli::nifti {

bool available() noexcept {
  return MEDKERN_WITH_NIFTI != 0;
}

Affine ras_affine(const std::array<double, 3>& origin,
                  const std::array<std::array<double, 3>, 3>& orientation,
                  const Spacing3& spacing) {
  Affine a{};
  for (int r = 0; r < 3; ++r) {
    const double sign = r < 2 ? -1.0 : 1.0;  // LPS -> RAS
    // "+ 0.0" turns the -0 of a negated zero into 0.
    a[r][0] = sign * spacing[2] * orientation[2][r] + 0.0;  // i: along a row (x of the array)
    a[r][1] = sign * spacing[1] * orientation[1][r] + 0.0;  // j: down a column (y)
    a[r][2] = sign * spacing[0] * orientation[0][r] + 0.0;  // k: from slice to slice (z)
    a[r][3] = sign * origin[r] + 0.0;
  }
  return a;
}

#if MEDKERN_WITH_NIFTI

namespace {

struct ImageFree {
  void operator()(nifti_image* image) const { nifti_image_free(image); }
};
using Image = std::unique_ptr<nifti_image, ImageFree>;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// libnifti prints its own errors to stderr by default; the messages here name the file.
void quiet() {
  nifti_set_debug_level(0);
}

mat44 to_mat44(const Affine& a) {
  mat44 m{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) m.m[r][c] = static_cast<float>(a[r][c]);
  }
  m.m[3][3] = 1.0f;
  return m;
}

Affine from_mat44(const mat44& m) {
  Affine a{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) a[r][c] = m.m[r][c];
  }
  return a;
}

}  // namespace

void write(const std::string& path, const VolumeRef& volume, const Affine& affine,
           const std::string& description) {
  if (volume.dtype != DType::float32 && volume.dtype != DType::uint8) {
    fail(path, std::string("NIfTI output of ") + dtype_name(volume.dtype) +
                   " is not supported (float32 or uint8)");
  }
  if (!volume.device.is_host()) fail(path, "the volume is not in host memory");
  quiet();
  const int64_t nz = volume.shape[0], ny = volume.shape[1], nx = volume.shape[2];
  if (nx > 32767 || ny > 32767 || nz > 32767) {
    fail(path, "NIfTI-1 holds at most 32767 voxels along an axis");
  }
  const int dims[8] = {3, static_cast<int>(nx), static_cast<int>(ny), static_cast<int>(nz), 1, 1, 1,
                       1};
  const int datatype = volume.dtype == DType::float32 ? NIFTI_TYPE_FLOAT32 : NIFTI_TYPE_UINT8;
  Image image(nifti_make_new_nim(dims, datatype, 1));
  if (!image || image->data == nullptr) fail(path, "libnifti could not make the image");
  nifti_image* nim = image.get();
  nim->dx = nim->pixdim[1] = static_cast<float>(volume.spacing[2]);
  nim->dy = nim->pixdim[2] = static_cast<float>(volume.spacing[1]);
  nim->dz = nim->pixdim[3] = static_cast<float>(volume.spacing[0]);
  nim->xyz_units = NIFTI_UNITS_MM;
  nim->time_units = NIFTI_UNITS_SEC;
  // The same affine as sform and qform: readers that take only one (or prefer either) agree.
  const mat44 m = to_mat44(affine);
  nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
  nim->sto_xyz = m;
  nim->sto_ijk = nifti_mat44_inverse(m);
  nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
  float dx = 0, dy = 0, dz = 0;
  nifti_mat44_to_quatern(m, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d, &nim->qoffset_x,
                         &nim->qoffset_y, &nim->qoffset_z, &dx, &dy, &dz, &nim->qfac);
  nim->qto_xyz =
      nifti_quatern_to_mat44(nim->quatern_b, nim->quatern_c, nim->quatern_d, nim->qoffset_x,
                             nim->qoffset_y, nim->qoffset_z, nim->dx, nim->dy, nim->dz, nim->qfac);
  nim->qto_ijk = nifti_mat44_inverse(nim->qto_xyz);
  std::strncpy(nim->descrip, description.c_str(), sizeof nim->descrip - 1);
  nim->descrip[sizeof nim->descrip - 1] = '\0';
  nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
  if (nifti_set_filenames(nim, path.c_str(), 0, 1) != 0) fail(path, "not a NIfTI file name");
  nifti_set_iname_offset(nim);

  // The voxels, i fastest: the C order of (nz, ny, nx).
  const std::size_t size = volume.dtype == DType::float32 ? 4 : 1;
  auto* out = static_cast<unsigned char*>(nim->data);
  const auto* in = static_cast<const unsigned char*>(volume.data);
  for (int64_t k = 0; k < nz; ++k) {
    for (int64_t j = 0; j < ny; ++j) {
      for (int64_t i = 0; i < nx; ++i) {
        const int64_t from = k * volume.strides[0] + j * volume.strides[1] + i * volume.strides[2];
        std::memcpy(out + ((k * ny + j) * nx + i) * size, in + from * static_cast<int64_t>(size),
                    size);
      }
    }
  }
  // Written and left open (1 | 2), so that a failure shows as a null handle; then closed.
  znzFile file = nifti_image_write_hdr_img(nim, 3, "wb");
  if (znz_isnull(file)) fail(path, "cannot write the NIfTI file");
  if (znzclose(file) != 0) fail(path, "cannot write the NIfTI file (closing it failed)");
  std::error_code error;
  const auto bytes = std::filesystem::file_size(path, error);
  const auto expected = static_cast<std::uintmax_t>(nim->iname_offset) +
                        static_cast<std::uintmax_t>(nim->nvox) * nim->nbyper;
  if (error || bytes != expected) {
    fail(path, "the NIfTI file is incomplete (" + std::to_string(error ? 0 : bytes) + " of " +
                   std::to_string(expected) + " bytes)");
  }
}

Mask read_mask(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    fail(path, "no such NIfTI file");
  }
  quiet();
  Image image(nifti_image_read(path.c_str(), 1));
  if (!image || image->data == nullptr) fail(path, "cannot read it as NIfTI");
  const nifti_image* nim = image.get();
  for (int d = 4; d <= nim->ndim && d < 8; ++d) {
    if (nim->dim[d] != 1) {
      fail(path, "a mask has 3 dimensions; dimension " + std::to_string(d) + " has " +
                     std::to_string(nim->dim[d]) + " values");
    }
  }
  Mask mask;
  mask.shape = {nim->ndim >= 3 ? static_cast<int64_t>(nim->dim[3]) : 1,
                nim->ndim >= 2 ? static_cast<int64_t>(nim->dim[2]) : 1,
                static_cast<int64_t>(nim->dim[1])};
  const std::size_t count = static_cast<std::size_t>(mask.shape[0] * mask.shape[1] * mask.shape[2]);
  if (count != static_cast<std::size_t>(nim->nvox)) fail(path, "its dimensions and voxels differ");
  mask.values.resize(count);
  const auto set = [&](auto* data) {
    for (std::size_t i = 0; i < count; ++i) {
      const auto v = data[i];
      mask.values[i] = v == v && v != 0 ? 1 : 0;  // NaN is outside
    }
  };
  switch (nim->datatype) {
    case NIFTI_TYPE_UINT8:
      set(static_cast<const uint8_t*>(nim->data));
      break;
    case NIFTI_TYPE_INT8:
      set(static_cast<const int8_t*>(nim->data));
      break;
    case NIFTI_TYPE_INT16:
      set(static_cast<const int16_t*>(nim->data));
      break;
    case NIFTI_TYPE_UINT16:
      set(static_cast<const uint16_t*>(nim->data));
      break;
    case NIFTI_TYPE_INT32:
      set(static_cast<const int32_t*>(nim->data));
      break;
    case NIFTI_TYPE_UINT32:
      set(static_cast<const uint32_t*>(nim->data));
      break;
    case NIFTI_TYPE_INT64:
      set(static_cast<const int64_t*>(nim->data));
      break;
    case NIFTI_TYPE_UINT64:
      set(static_cast<const uint64_t*>(nim->data));
      break;
    case NIFTI_TYPE_FLOAT32:
      set(static_cast<const float*>(nim->data));
      break;
    case NIFTI_TYPE_FLOAT64:
      set(static_cast<const double*>(nim->data));
      break;
    default:
      fail(path, std::string("a mask of NIfTI type ") + nifti_datatype_string(nim->datatype) +
                     " is not supported (integers or floats)");
  }
  if (nim->sform_code > 0) {
    mask.has_affine = true;
    mask.affine = from_mat44(nim->sto_xyz);
  } else if (nim->qform_code > 0) {
    mask.has_affine = true;
    mask.affine = from_mat44(nim->qto_xyz);
  }
  return mask;
}

#else

namespace {
[[noreturn]] void not_built() {
  throw std::runtime_error(
      "NIfTI output is not built: install libnifti (Debian: libnifti2-dev) and configure with "
      "-DMEDKERN_WITH_NIFTI=ON");
}
}  // namespace

void write(const std::string&, const VolumeRef&, const Affine&, const std::string&) {
  not_built();
}

Mask read_mask(const std::string&) {
  not_built();
}

#endif

}  // namespace medkern::cli::nifti
