// The CUDA perfusion maps against the CPU's on fresh noisy phantoms. The per-voxel code is
// shared; the kernel of the fixed methods on uniform frames fuses its multiply-adds, and MR
// takes the device's logarithm, so a map may differ in its last bits, and where a residue's
// two largest samples nearly tie, its Tmax by a sample: at most 0.2 % of the voxels may differ
// by more than 1e-5 relative.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gpu/close_to.hpp"
#include "medkern/perfusion.hpp"
#include "support/catch.hpp"
#include "support/device_copies.hpp"
#include "support/perfusion_maps.hpp"
#include "support/random_volumes.hpp"

using namespace medkern;

namespace {

using test::HostMaps;

// The share of voxels where `a` and `b` differ by more than `relative` of the larger.
double share_differing(const std::vector<float>& a, const std::vector<float>& b, double relative) {
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double scale = std::max(std::abs(double(a[i])), std::abs(double(b[i])));
    if (std::abs(double(a[i]) - b[i]) > relative * scale + 1e-30) ++differing;
  }
  return double(differing) / double(a.size());
}

}  // namespace

TEST_CASE("GPU perfusion maps equal CPU perfusion maps", "[gpu][perfusion]") {
  const uint64_t seed = test::fresh_seed();
  auto cpu = Context::cpu();
  auto gpu = Context::cuda(0);
  for (auto modality :
       {PerfusionModality::ct, PerfusionModality::mr, PerfusionModality::concentration}) {
    for (int method = 0; method < 4; ++method) {
      PerfusionPhantomParams phantom_params;
      phantom_params.modality = modality;
      phantom_params.frames = 45;
      phantom_params.block = 3;  // 105 x 21 voxels a frame: not a multiple of a block
      phantom_params.snr = 30.0;
      phantom_params.seed = seed + uint64_t(method);
      const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
      const Shape3 frame{1, phantom.shape[2], phantom.shape[3]};
      const int64_t voxels = frame[1] * frame[2];
      SeriesRef host_series{make_view(phantom.series.data(), frame), phantom.shape[0], voxels};
      PerfusionParams params;
      params.modality = modality;
      params.te_s = phantom_params.te_s;
      params.method = DeconvolutionMethod(method);
      // A mask with holes, and a baseline found from the AIF.
      std::vector<uint8_t> mask(voxels);
      for (int64_t i = 0; i < voxels; ++i) mask[i] = (i * 7 + seed) % 11 != 0;
      const VolumeRef mask_view = make_view(mask.data(), frame);
      INFO("seed " << seed << " modality " << int(modality) << " method " << method);

      HostMaps expected(frame);
      perfusion_maps(cpu, host_series, phantom.times_s, phantom.aif, &mask_view, expected.ref(),
                     params);
      // Host series and maps through the GPU context (staged), then device-resident ones.
      HostMaps staged(frame);
      perfusion_maps(gpu, host_series, phantom.times_s, phantom.aif, &mask_view, staged.ref(),
                     params);
      auto device_series =
          test::to_device(gpu, phantom.series, {phantom.shape[0], frame[1], frame[2]});
      SeriesRef resident{device_series.view(), phantom.shape[0], voxels};
      resident.first.shape = frame;
      Volume<float> cbf(gpu, frame), cbv(gpu, frame), mtt(gpu, frame), tmax(gpu, frame),
          ttp(gpu, frame), arrival(gpu, frame);
      Volume<uint8_t> valid(gpu, frame);
      auto device_mask = test::to_device(gpu, mask, frame);
      const VolumeRef device_mask_view = device_mask;
      perfusion_maps(gpu, resident, phantom.times_s, phantom.aif, &device_mask_view,
                     {cbf, cbv, mtt, tmax, ttp, arrival, valid}, params);
      const double allowed = 0.002;
      for (const HostMaps* actual : {&staged}) {
        CHECK(share_differing(actual->cbf, expected.cbf, 1e-5) <= allowed);
        CHECK(share_differing(actual->cbv, expected.cbv, 1e-5) <= allowed);
        CHECK(share_differing(actual->mtt, expected.mtt, 1e-5) <= allowed);
        CHECK(share_differing(actual->tmax, expected.tmax, 1e-5) <= allowed);
        CHECK(share_differing(actual->ttp, expected.ttp, 1e-5) <= allowed);
        CHECK(share_differing(actual->arrival, expected.arrival, 1e-5) <= allowed);
        CHECK(actual->valid == expected.valid);
      }
      CHECK(share_differing(test::to_host<float>(gpu, cbf), expected.cbf, 1e-5) <= allowed);
      CHECK(share_differing(test::to_host<float>(gpu, mtt), expected.mtt, 1e-5) <= allowed);
      CHECK(share_differing(test::to_host<float>(gpu, tmax), expected.tmax, 1e-5) <= allowed);
      CHECK(test::to_host<uint8_t>(gpu, valid) == expected.valid);
    }
  }
}

TEST_CASE("GPU perfusion maps of an int16 CT series with strided frames", "[gpu][perfusion]") {
  const uint64_t seed = test::fresh_seed();
  PerfusionPhantomParams phantom_params;
  phantom_params.frames = 30;
  phantom_params.block = 2;
  phantom_params.snr = 20.0;
  phantom_params.seed = seed;
  const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
  const int64_t nt = phantom.shape[0], ny = phantom.shape[2], nx = phantom.shape[3];
  // int16 HU, frames interleaved with a second copy (frame stride twice a frame's size).
  std::vector<int16_t> hu(std::size_t(2 * nt * ny * nx));
  for (int64_t t = 0; t < nt; ++t) {
    for (int64_t i = 0; i < ny * nx; ++i) {
      hu[std::size_t(2 * t * ny * nx + i)] = int16_t(std::lround(phantom.series[t * ny * nx + i]));
    }
  }
  const Shape3 frame{1, ny, nx};
  SeriesRef series{make_view(hu.data(), frame), nt, 2 * ny * nx};
  PerfusionParams params;
  params.method = DeconvolutionMethod::csvd;
  params.baseline_frames = 5;
  HostMaps expected(frame), actual(frame);
  INFO("seed " << seed);
  perfusion_maps(Context::cpu(), series, phantom.times_s, phantom.aif, nullptr, expected.ref(),
                 params);
  perfusion_maps(Context::cuda(0), series, phantom.times_s, phantom.aif, nullptr, actual.ref(),
                 params);
  CHECK(share_differing(actual.cbf, expected.cbf, 1e-5) <= 0.002);
  CHECK(share_differing(actual.cbv, expected.cbv, 1e-5) <= 0.002);
  CHECK(share_differing(actual.tmax, expected.tmax, 1e-5) <= 0.002);
  CHECK(actual.valid == expected.valid);
  CHECK(std::count(actual.valid.begin(), actual.valid.end(), 1) > int64_t(actual.valid.size() / 2));
}

// Random labels in runs along x: warps whose 32 voxels share a label, warps across labels
// and warps of background, in int16 and uint16 (sums exact: equal to the bit), float32 with
// NaN (double sums in another order: equal to 1e-12) and uint8 labels.
TEST_CASE("GPU time-intensity curves equal the CPU's", "[gpu][perfusion]") {
  const uint64_t seed = test::fresh_seed();
  for (const Shape3& frame : {Shape3{3, 17, 29}, Shape3{4, 64, 96}}) {
    const int64_t nt = 7, voxels = frame[0] * frame[1] * frame[2];
    const Shape3 all{nt * frame[0], frame[1], frame[2]};
    const auto labels = test::random_labels(frame, seed + 1, 40);
    std::vector<uint8_t> small_labels(labels.begin(), labels.end());
    const auto ct = test::random_ct(all, seed);
    const auto mr = test::random_uint16(all, seed + 2);
    const auto floats = test::random_float(all, seed + 3, 0.01);
    INFO("seed " << seed << " frame " << frame[0] << "x" << frame[1] << "x" << frame[2]);
    const auto compare = [&](const SeriesRef& series, const VolumeRef& label_view, bool exact) {
      const auto expected = time_intensity_curves(Context::cpu(), series, label_view);
      const auto actual = time_intensity_curves(Context::cuda(0), series, label_view);
      CHECK(actual.labels == expected.labels);
      CHECK(actual.count == expected.count);
      REQUIRE(actual.mean.size() == expected.mean.size());
      for (std::size_t i = 0; i < actual.mean.size(); ++i) {
        if (exact) {
          CHECK(actual.mean[i] == expected.mean[i]);
          CHECK(actual.std[i] == expected.std[i]);
        } else {
          CHECK(actual.mean[i] == Approx(expected.mean[i]).epsilon(1e-12).margin(1e-12));
          CHECK(actual.std[i] == Approx(expected.std[i]).epsilon(1e-9).margin(1e-9));
        }
      }
    };
    compare(SeriesRef{make_view(ct.data(), frame), nt, voxels}, make_view(labels.data(), frame),
            true);
    compare(SeriesRef{make_view(mr.data(), frame), nt, voxels},
            make_view(small_labels.data(), frame), true);
    compare(SeriesRef{make_view(floats.data(), frame), nt, voxels}, make_view(labels.data(), frame),
            false);
  }
}

// Frames that are not the uniform grid (resampled: the tiled kernels keep grid and frames
// apart), and a series longer than the tiled kernels' shared memory takes (the
// one-thread-a-voxel kernel).
TEST_CASE("GPU perfusion maps of non-uniform and long series", "[gpu][perfusion]") {
  const uint64_t seed = test::fresh_seed();
  for (int32_t frames : {60, 130}) {
    PerfusionPhantomParams phantom_params;
    phantom_params.frames = frames;
    phantom_params.block = 2;
    phantom_params.snr = 40.0;
    phantom_params.seed = seed;
    const PerfusionPhantom phantom = perfusion_phantom(phantom_params);
    const int64_t voxels = phantom.shape[2] * phantom.shape[3];
    const Shape3 frame{1, phantom.shape[2], phantom.shape[3]};
    std::vector<float> series;
    std::vector<double> times, aif;
    for (int64_t t = 0; t < phantom.shape[0]; ++t) {
      if (frames == 60 && t >= 30 && t % 3 != 0) continue;  // 3 s apart after 30 s
      series.insert(series.end(), phantom.series.begin() + t * voxels,
                    phantom.series.begin() + (t + 1) * voxels);
      times.push_back(phantom.times_s[t]);
      aif.push_back(phantom.aif[t]);
    }
    const SeriesRef ref{make_view(series.data(), frame), int64_t(times.size()), voxels};
    for (auto method :
         {DeconvolutionMethod::csvd, DeconvolutionMethod::ssvd, DeconvolutionMethod::osvd}) {
      PerfusionParams params;
      params.method = method;
      HostMaps expected(frame), actual(frame);
      INFO("seed " << seed << " frames " << frames << " method " << int(method));
      perfusion_maps(Context::cpu(), ref, times, aif, nullptr, expected.ref(), params);
      perfusion_maps(Context::cuda(0), ref, times, aif, nullptr, actual.ref(), params);
      CHECK(share_differing(actual.cbf, expected.cbf, 1e-5) <= 0.002);
      CHECK(share_differing(actual.cbv, expected.cbv, 1e-5) <= 0.002);
      CHECK(share_differing(actual.tmax, expected.tmax, 1e-5) <= 0.002);
      CHECK(actual.valid == expected.valid);
    }
  }
}
