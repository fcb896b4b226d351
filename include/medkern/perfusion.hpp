// Perfusion: concentration-time curves of a dynamic series (CT perfusion, DSC-MRI), their
// deconvolution by the arterial input function into CBF, CBV, MTT and Tmax maps
// (Østergaard et al., MRM 1996;36:715; Wu et al., MRM 2003;50:164), the time-intensity
// curves of labelled regions, and a digital reference object to validate them. docs/ops.md,
// section "Perfusion", states every convention.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "medkern/context.hpp"
#include "medkern/fields.hpp"

namespace medkern {

// A dynamic series: `frames` volumes of one shape, frame t at data + t * frame_stride
// elements, each described by `first` (dtype, shape, strides, spacing, device).
struct SeriesRef {
  VolumeRef first;
  int64_t frames = 1;
  int64_t frame_stride = 0;  // elements

  // Frame t (0 .. frames - 1) as a volume view.
  VolumeRef frame(int64_t t) const;
};

// Checks a series as validate_volume checks a volume, its frame axis included; `what` names
// it in the message.
void validate_series(const SeriesRef& series, const char* what);

// How the series' values become contrast concentration.
enum class PerfusionModality : int32_t {
  ct = 0,             // C(t) = S(t) - S0 (HU)
  mr = 1,             // DSC: C(t) = -ln(S(t) / S0) / TE
  concentration = 2,  // the series holds concentrations already: C(t) = S(t)
};

enum class DeconvolutionMethod : int32_t {
  ssvd = 0,      // truncated SVD of the lower-triangular convolution matrix (Østergaard 1996)
  csvd = 1,      // block-circulant matrix of the AIF zero-padded to 2N (Wu 2003)
  osvd = 2,      // csvd with a threshold per voxel by the oscillation index (Wu 2003)
  tikhonov = 3,  // Tikhonov-regularised inverse of the circulant matrix
};

struct PerfusionParams {
  PerfusionModality modality = PerfusionModality::ct;
  double te_s = 0.0;  // echo time (s) for modality mr: finite, > 0; unused otherwise
  DeconvolutionMethod method = DeconvolutionMethod::osvd;
  // Fraction of the largest singular value below which singular values are dropped (ssvd,
  // csvd) or the regularisation parameter lambda (tikhonov); finite, in [0, 1). A negative
  // value takes the method's default: 0.2 (ssvd), 0.1 (csvd), 0.1 (tikhonov). osvd tries
  // 0.00, 0.05, ..., 0.95 and takes the smallest whose oscillation index stays below
  // `oscillation_index`.
  double truncation = -1.0;
  double oscillation_index = 0.095;  // osvd only: finite, > 0
  // Frames averaged for the baseline S0 (1 .. frames); 0 finds them: the frames before the
  // AIF's bolus arrival (the first frame whose AIF concentration reaches 10 % of its peak,
  // computed against the first frame), at least one.
  int32_t baseline_frames = 0;
  // Hematocrit correction kH = (1 - hematocrit_large) / (1 - hematocrit_small) and brain
  // density (g/ml) scale CBF and CBV: each finite; hematocrits in [0, 1), density > 0.
  double hematocrit_large = 0.45;
  double hematocrit_small = 0.25;
  double density_g_per_ml = 1.04;
};

template <>
struct FieldsOf<PerfusionParams> {
  static constexpr auto list = fields(
      field("modality", &PerfusionParams::modality), field("te_s", &PerfusionParams::te_s),
      field("method", &PerfusionParams::method), field("truncation", &PerfusionParams::truncation),
      field("oscillation_index", &PerfusionParams::oscillation_index),
      field("baseline_frames", &PerfusionParams::baseline_frames),
      field("hematocrit_large", &PerfusionParams::hematocrit_large),
      field("hematocrit_small", &PerfusionParams::hematocrit_small),
      field("density_g_per_ml", &PerfusionParams::density_g_per_ml));
};

// The output maps, each (nz, ny, nx) like a frame: float32 except `valid` (uint8). Outside
// the mask and where a voxel shows no enhancement every map is 0 and valid is 0; no map
// holds NaN or inf.
struct PerfusionMapsRef {
  VolumeRef cbf;      // ml/100 g/min: the residue function's maximum, scaled
  VolumeRef cbv;      // ml/100 g: the area under the tissue curve over the AIF's, scaled
  VolumeRef mtt;      // s: CBV / CBF
  VolumeRef tmax;     // s: time of the residue's maximum (parabolic sub-frame estimate)
  VolumeRef ttp;      // s after the first frame: time of the tissue curve's peak
  VolumeRef arrival;  // s after the first frame: the tissue curve's bolus arrival
  VolumeRef valid;    // uint8: 1 where the maps hold a value
};

// Everything known of the call besides the maps: what was derived from the arguments.
struct PerfusionInfo {
  std::vector<double> aif;  // the AIF as concentration, on the series' frames
  int32_t baseline_frames = 0;
  double truncation = 0.0;         // the fraction used (osvd: its largest candidate)
  double sample_interval_s = 0.0;  // of the uniform grid the deconvolution ran on
  int32_t samples = 0;             // points of that grid
};

// The maps of `series` (int16, uint16 or float32; frame times `times_s`, increasing, one
// per frame, any spacing: the curves are resampled linearly to a uniform grid of the
// smallest frame interval before deconvolution) against the arterial input `aif`, a curve of
// the series' values, one per frame, converted as the tissue is. `mask` (uint8, a frame's
// shape; may be null) limits the voxels. Maps live where the caller's views do. `vof`
// (optional, empty for none): a venous output curve like `aif`, to whose area the AIF is
// scaled against partial volume.
PerfusionInfo perfusion_maps(const Context& context, const SeriesRef& series,
                             const std::vector<double>& times_s, const std::vector<double>& aif,
                             const VolumeRef* mask, const PerfusionMapsRef& maps,
                             const PerfusionParams& params, const std::vector<double>& vof = {});

// ------------------------------------------------------------------ automatic AIF

// Automatic selection of arterial voxels (Mouridsen et al., MRM 2006;55:524): among the
// voxels of the mask, those whose concentration has the largest areas, of them the least
// rough, then k-means clustering of their area-normalised curves, twice, each time keeping
// the cluster whose mean curve comes earliest (smallest first moment).
struct AifSelectionParams {
  PerfusionModality modality = PerfusionModality::ct;
  double te_s = 0.0;                 // mr: the echo time (s), finite, > 0
  int32_t baseline_frames = 0;       // 1 .. frames; 0: the frames before the mask's mean curve
                                     // reaches 10 % of its peak enhancement, at least one
  double area_fraction = 0.1;        // the largest areas kept, a fraction in (0, 1]
  double roughness_fraction = 0.25;  // of those, the least rough kept, in (0, 1]
  int32_t clusters = 5;              // k of the k-means, 1 .. 64
};

template <>
struct FieldsOf<AifSelectionParams> {
  static constexpr auto list = fields(
      field("modality", &AifSelectionParams::modality), field("te_s", &AifSelectionParams::te_s),
      field("baseline_frames", &AifSelectionParams::baseline_frames),
      field("area_fraction", &AifSelectionParams::area_fraction),
      field("roughness_fraction", &AifSelectionParams::roughness_fraction),
      field("clusters", &AifSelectionParams::clusters));
};

struct AifSelection {
  std::vector<double> curve;  // the mean signal of the selected voxels, one per frame (the
                              // series' units, as perfusion_maps takes an AIF)
  int64_t voxels = 0;         // voxels selected
};

// Selects the AIF voxels of `series` among the non-zero voxels of `mask` (uint8, a frame's
// shape; null: every voxel) and writes them as 1 into `selected` (uint8, a frame's shape,
// host or the context's device; 0 elsewhere). Runs on the host (device data is copied).
AifSelection select_aif(const Context& context, const SeriesRef& series,
                        const std::vector<double>& times_s, const VolumeRef* mask,
                        const VolumeRef& selected, const AifSelectionParams& params);

// ------------------------------------------------------------------ stroke summary

// The figures acute stroke triage reads from the maps (as RAPID and the DEFUSE 3 trial,
// Albers et al., NEJM 2018;378:708, define them): the hypoperfused volume (Tmax above a
// threshold), the ischaemic core (CBF below a fraction of a reference CBF), and their
// mismatch.
struct StrokeParams {
  double tmax_threshold_s = 6.0;        // hypoperfused: Tmax > this; finite, > 0
  double relative_cbf_threshold = 0.3;  // core: CBF < this x reference; in (0, 1)
  // The reference CBF (ml/100 g/min, finite, > 0); 0 takes the mean CBF of the valid voxels
  // of the reference mask (e.g. the unaffected hemisphere), which must then be given.
  double reference_cbf = 0.0;
};

template <>
struct FieldsOf<StrokeParams> {
  static constexpr auto list =
      fields(field("tmax_threshold_s", &StrokeParams::tmax_threshold_s),
             field("relative_cbf_threshold", &StrokeParams::relative_cbf_threshold),
             field("reference_cbf", &StrokeParams::reference_cbf));
};

struct StrokeSummary {
  double hypoperfusion_ml = 0.0;  // valid voxels with Tmax above the threshold
  double core_ml = 0.0;           // valid voxels with CBF below the threshold
  double mismatch_ml = 0.0;       // hypoperfusion_ml - core_ml
  // hypoperfusion_ml / core_ml; infinity where there is hypoperfusion and no core, 0 where
  // there is neither.
  double mismatch_ratio = 0.0;
  double reference_cbf = 0.0;  // the reference used
  int64_t valid_voxels = 0;
};

// The stroke summary of `maps` (its cbf, tmax and valid maps, host or device; voxel volume
// from cbf's spacing) with `reference_mask` (uint8, the maps' shape; may be null when
// params.reference_cbf is given).
StrokeSummary stroke_summary(const Context& context, const PerfusionMapsRef& maps,
                             const VolumeRef* reference_mask, const StrokeParams& params);

// The most values perfusion_residues returns (256 MB of float32): it is for regions.
constexpr int64_t kMaxResidueValues = int64_t(1) << 26;

// The residue functions CBF x R(t) (ml/100 g/min; their peak is the CBF map's value) of the
// voxels of `series` inside `mask` (0 elsewhere) on the uniform grid perfusion_maps reports
// (PerfusionInfo::samples points, sample_interval_s apart), for inspecting a region: samples x
// voxels values, sample after sample. Arguments as perfusion_maps'. Computed on the host
// (device data is copied there). Throws Error(invalid_argument) past kMaxResidueValues.
std::vector<float> perfusion_residues(const Context& context, const SeriesRef& series,
                                      const std::vector<double>& times_s,
                                      const std::vector<double>& aif, const VolumeRef* mask,
                                      const PerfusionParams& params,
                                      const std::vector<double>& vof = {});

// The mean over `aif_mask` (uint8, a frame's shape, at least one voxel) of each frame: the
// AIF curve from a region.
std::vector<double> mean_curve(const Context& context, const SeriesRef& series,
                               const VolumeRef& aif_mask);

// Time-intensity curves of labelled regions: for each label 1 .. max label, its voxel
// count and the mean and standard deviation (population) of its voxels at every frame.
struct TimeIntensityCurves {
  int64_t frames = 0;
  std::vector<int32_t> labels;  // the labels present, increasing
  std::vector<int64_t> count;   // per label
  std::vector<double> mean;     // labels.size() x frames, row by label
  std::vector<double> std;      // likewise
};

// `labels` (int32 or uint8, a frame's shape; 0 is background, at most 2^24 - 1).
TimeIntensityCurves time_intensity_curves(const Context& context, const SeriesRef& series,
                                          const VolumeRef& labels);

// The parameters of one time-intensity curve, as DCE-MRI and CT perfusion reports give them
// (Kuhl et al., Radiology 1999;211:101 for the kinetic curve types).
struct CurveParameterOptions {
  // Frames averaged for the baseline: 1 .. frames; 0 (default): the frames before the curve
  // first reaches 10 % of its peak enhancement over frame 0, at least one.
  int32_t baseline_frames = 0;
  // The early phase: the first `early_window_s` seconds after the bolus arrival; its peak
  // is the "early" signal of the signal enhancement ratio and the kinetic type. Finite, > 0.
  double early_window_s = 120.0;
  // Kinetic type: the late change (last frame against the early peak, over the early
  // enhancement) above +threshold is type 1 (persistent), below -threshold type 3
  // (washout), else type 2 (plateau). Finite, >= 0.
  double type_threshold = 0.1;
};

template <>
struct FieldsOf<CurveParameterOptions> {
  static constexpr auto list =
      fields(field("baseline_frames", &CurveParameterOptions::baseline_frames),
             field("early_window_s", &CurveParameterOptions::early_window_s),
             field("type_threshold", &CurveParameterOptions::type_threshold));
};

struct CurveParameters {
  double baseline = 0.0;                  // mean of the baseline frames
  double peak_enhancement = 0.0;          // peak - baseline
  double relative_enhancement = 0.0;      // (peak - baseline) / baseline, 0 for a baseline <= 0
  double time_to_peak_s = 0.0;            // after the first frame
  double arrival_s = 0.0;                 // first reaching 10 % of the peak enhancement
  double area = 0.0;                      // of (value - baseline) over the frames (trapezoid)
  double wash_in_slope = 0.0;             // steepest rise between frames up to the peak, per s
  double wash_out_slope = 0.0;            // (last - peak) / (its time - the peak's), per s
  double first_moment_s = 0.0;            // of the enhancement, after the first frame
  double fwhm_s = 0.0;                    // width where the enhancement is at least half its peak
  double signal_enhancement_ratio = 0.0;  // (early - baseline) / (last - baseline)
  int32_t kinetic_type = 0;               // 1 persistent, 2 plateau, 3 washout; 0: no enhancement
};

// The parameters of `curve` at `times_s` (same length, at least 2, times increasing).
CurveParameters curve_parameters(const std::vector<double>& curve,
                                 const std::vector<double>& times_s,
                                 const CurveParameterOptions& options);

// The curve parameters of every voxel as maps, each a frame's shape (host or the context's
// device, any strides): float32, but kinetic_type uint8. Voxels outside the mask are 0.
struct KineticMapsRef {
  VolumeRef baseline, peak_enhancement, relative_enhancement, time_to_peak, arrival, area,
      wash_in_slope, wash_out_slope, first_moment, fwhm, signal_enhancement_ratio, kinetic_type;
};

// curve_parameters of each voxel of `series` inside `mask` (uint8, a frame's shape; may be
// null), computed on the host (device data is copied there and the maps back).
void kinetic_maps(const Context& context, const SeriesRef& series,
                  const std::vector<double>& times_s, const VolumeRef* mask,
                  const KineticMapsRef& maps, const CurveParameterOptions& options);

// ------------------------------------------------------------------ digital reference object

enum class ResidueShape : int32_t { exponential = 0, boxcar = 1, linear = 2 };

// A digital reference object in the manner of Kudo et al. (Radiology 2013;267:201) and the
// QIBA DSC DRO: a gamma-variate AIF and, for every combination of CBF x MTT x delay, a block
// of voxels whose tissue curve is CBF * (AIF (x) R)(t - delay) for the residue shape R,
// turned into CT (HU) or MR (DSC) signal, with Gaussian noise of a given SNR.
struct PerfusionPhantomParams {
  PerfusionModality modality = PerfusionModality::ct;
  ResidueShape residue = ResidueShape::exponential;
  std::vector<double> cbf{10, 20, 30, 40, 50, 60, 70};  // ml/100 g/min
  std::vector<double> mtt{2, 4, 6, 8, 12, 16, 24};      // s
  std::vector<double> delay{0, 1, 2, 3, 4};             // s, tissue after the AIF
  int32_t block = 4;  // each combination is a block x block x 1 patch of voxels
  int32_t frames = 60;
  double interval_s = 1.0;  // frame interval
  double snr = 0.0;         // peak tissue enhancement over noise sigma; 0: no noise
  uint64_t seed = 1;
  // Signal model: CT baseline (HU) and enhancement per unit concentration; MR S0, TE and
  // the peak AIF signal drop; hematocrit and density as in PerfusionParams.
  double ct_baseline_hu = 40.0;
  double te_s = 0.03;
  double mr_s0 = 1000.0;
  double aif_peak = 60.0;  // peak AIF concentration (CT: HU above baseline; MR: in 1/s units)
  double aif_arrival_s = 8.0;
  double hematocrit_large = 0.45;
  double hematocrit_small = 0.25;
  double density_g_per_ml = 1.04;
};

struct PerfusionPhantom {
  std::vector<float> series;  // (frames, nz = 1, ny, nx), C order
  std::array<int64_t, 4> shape{0, 0, 0, 0};
  std::vector<double> times_s;
  std::vector<double> aif;  // AIF signal, one per frame (in the series' units)
  // True values per voxel of a frame (ny x nx): CBF, CBV, MTT, delay.
  std::vector<float> cbf, cbv, mtt, delay;
};

PerfusionPhantom perfusion_phantom(const PerfusionPhantomParams& params);

}  // namespace medkern
