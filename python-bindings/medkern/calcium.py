"""Coronary artery calcium scoring."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike
from ._common import Device, defaults, spacing3

__all__ = ["CalciumLesion", "CalciumScore", "CalciumTotals", "calcium_score"]


@dataclass(frozen=True)
class CalciumTotals:
    """Scores summed over a set of lesions (all of them, or one label's)."""

    agatston: float  #: Agatston score (normalised to 3 mm slices unless asked otherwise)
    volume_mm3: float  #: scored voxels times the voxel volume, in mm^3
    mass_mg: Optional[float]  #: calibration * mean HU * volume / 1000 per lesion; None without
    lesions: int  #: scored 2-D lesions


@dataclass(frozen=True)
class CalciumLesion:
    """One scored lesion: voxels >= threshold connected within one slice, of area >= the
    minimum."""

    slice: int  #: z index
    label: int  #: majority label of its voxels (ties: the smaller); 0 without labels
    voxels: int  #: its pixels
    area_mm2: float
    max_hu: int
    mean_hu: float
    weight: int  #: density weight 1..4 from max_hu
    score: float  #: its Agatston score: area * weight (* thickness / 3 when normalised)
    volume_mm3: float
    mass_mg: Optional[float]  #: None without calibration
    centroid_mm: Tuple[float, float, float]  #: (z, y, x): mean voxel index times spacing
    lesion_3d: int  #: 1-based index of its 3-D lesion


@dataclass(frozen=True)
class CalciumScore:
    """The result of :func:`calcium_score`."""

    agatston: float
    volume_mm3: float
    mass_mg: Optional[float]  #: None without calibration
    risk_category: str  #: '0', '1-10', '11-100', '101-400' or '>400'
    per_label: Dict[int, CalciumTotals]  #: labels that have lesions; {} without labels
    lesions: List[CalciumLesion]  #: raster order of their first voxel
    lesions_3d: int  #: 2-D lesions joined across consecutive scored slices
    slice_step: int  #: every slice_step-th slice was scored (1: all)
    voxel_volume_mm3: float  #: sy * sx * slice_step * sz

    def as_dict(self) -> Dict[str, Any]:
        """Plain Python values (what ``medkern calcium --json`` prints; JSON keys of
        `per_label` are strings there)."""
        return dataclasses.asdict(self)


def _mass(value: float, has_mass: bool) -> Optional[float]:
    return float(value) if has_mass else None


def _calcium_totals(d: Dict[str, Any], has_mass: bool) -> CalciumTotals:
    return CalciumTotals(
        float(d["agatston"]), float(d["volume_mm3"]), _mass(d["mass_mg"], has_mass),
        int(d["lesions"]),
    )


# slice_thickness defaults to the z spacing (contiguous slices); the C++ struct's 0 is no
# thickness, which it refuses, since C++ has no spacing to fall back on there.
def calcium_score(
    ct: ArrayLike,
    spacing: Sequence[float],
    slice_thickness: Optional[float] = None,
    labels: Optional[ArrayLike] = None,
    threshold: float = defaults("calcium_score", "threshold_hu"),
    min_area_mm2: float = defaults("calcium_score", "min_area_mm2"),
    connectivity: int = defaults("calcium_score", "connectivity"),
    normalize_thickness: bool = defaults("calcium_score", "normalize_thickness"),
    calibration: Optional[float] = defaults("calcium_score", "calibration_mg_per_cm3_per_hu"),
    *,
    device: Device = None,
) -> CalciumScore:
    """Coronary artery calcium scores: Agatston, volume and mass (Agatston et al., J Am Coll
    Cardiol 1990; McCollough et al., Radiology 2007; 243:527).

    Parameters
    ----------
    ct : array of int16, 3-D (z, y, x)
        CT in Hounsfield units: numpy array, CuPy array or PyTorch tensor; any strides.
    spacing : sequence of 3 floats
        Voxel size (z, y, x) in mm, each finite and > 0.
    slice_thickness : float, optional
        The reconstructed slice thickness in mm; None: the z spacing (contiguous slices).
        When the z spacing is smaller (overlapping slices), only slices 0, k, 2k, ... are
        scored, k = ceil(slice_thickness / z spacing), so that scored slices do not overlap.
    labels : array of uint8 or bool, the shape of `ct`, optional
        Where calcium is counted, and its artery: 0 not counted, 1 LM, 2 LAD, 3 LCX, 4 RCA,
        other values user-defined. A mask (bool, or one non-zero value) restricts scoring.
    threshold : float
        Voxels with HU >= threshold are calcium (> 0; 130 is Agatston's). The density
        weight's bands scale with it (threshold * 200/130, 300/130, 400/130: 200, 300, 400
        HU at 130).
    min_area_mm2 : float
        Lesions of smaller in-plane area are dropped (>= 0).
    connectivity : {8, 4}
        In-plane connectivity of a lesion's pixels (8: edges and corners; 4: edges).
    normalize_thickness : bool
        Multiply Agatston scores by slice_thickness / 3 mm.
    calibration : float, optional
        mg of calcium hydroxyapatite per cm^3 per HU, from a calibration phantom; without it
        ``mass_mg`` is None.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    CalciumScore
        ``agatston``, ``volume_mm3``, ``mass_mg``, ``risk_category``, ``per_label`` (label ->
        :class:`CalciumTotals`), ``lesions`` (:class:`CalciumLesion` records), ``lesions_3d``.

    Notes
    -----
    Lesions are the connected components of the voxels >= threshold (inside `labels`) of
    each scored slice. A lesion scores area (mm^2) times the density weight of its maximum
    HU (1: 130-199, 2: 200-299, 3: 300-399, 4: >= 400 at the default threshold); the
    Agatston score is their sum, times slice_thickness / 3 when normalised. Volume: voxels
    times ``voxel_volume_mm3`` (sy * sx * slice_step * sz). Mass: calibration * mean HU *
    volume (mm^3) / 1000 per lesion (mg/cm^3 times cm^3). A lesion over two labels goes to
    the label of most of its voxels, the smaller label on a tie. 3-D lesions: lesions on
    consecutive scored slices that share at least one (y, x) position are joined. The risk
    category is that of the unrounded total. docs/ops.md ("Calcium scoring") has every
    convention. CPU and GPU give identical results.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        `ct` not int16, `labels` not uint8 / bool.
    ValueError (InvalidArgumentError, ShapeMismatchError)
        Not 3-D; bad spacing, thickness, threshold, area, connectivity or calibration;
        `labels` of another shape.
    """
    op_ct = ar.as_operand(ct, "ct", ("int16",))
    if len(op_ct.shape) != 3:
        raise _core.InvalidArgumentError(
            f"ct: has {len(op_ct.shape)} dimensions; calcium scoring takes a 3-D (z, y, x) volume"
        )
    op_labels = (
        None if labels is None
        else ar.as_operand(labels, "labels", ("uint8",), bool_as_uint8=True)
    )
    if op_labels is not None:
        ar.require_same_shape(op_ct, op_labels)
    try:
        n_spacing = len(spacing)
    except TypeError:
        raise _core.InvalidArgumentError(
            f"spacing: {spacing!r} is not a sequence of 3 values (z, y, x)"
        ) from None
    if n_spacing != 3:
        raise _core.InvalidArgumentError(
            f"spacing: has {n_spacing} values; give 3 (z, y, x) in mm"
        )
    sp = spacing3(spacing, 3)
    if op_ct.size == 0:
        raise _core.InvalidArgumentError(f"ct: shape {op_ct.shape} is empty")
    p = ar.plan([op_ct, op_labels], device)
    result = ar.run(
        p,
        _core.calcium_score,
        ar.descriptor(op_ct, sp),
        None if op_labels is None else ar.descriptor(op_labels),
        host_arrays=[op_ct.array, None if op_labels is None else op_labels.array],
        slice_thickness_mm=sp[0] if slice_thickness is None else slice_thickness,
        threshold_hu=threshold,
        min_area_mm2=min_area_mm2,
        connectivity=connectivity,
        normalize_thickness=normalize_thickness,
        calibration_mg_per_cm3_per_hu=calibration,
    )
    has_mass = bool(result["has_mass"])
    les = result["lesions"]
    columns = [
        les["slice"].tolist(), les["label"].tolist(), les["voxels"].tolist(),
        les["area_mm2"].tolist(), les["max_hu"].tolist(), les["mean_hu"].tolist(),
        les["weight"].tolist(), les["score"].tolist(), les["volume_mm3"].tolist(),
        [m if has_mass else None for m in les["mass_mg"].tolist()],
        [tuple(c) for c in les["centroid_mm"].tolist()], les["lesion_3d"].tolist(),
    ]
    total = _calcium_totals(result["total"], has_mass)
    return CalciumScore(
        agatston=total.agatston,
        volume_mm3=total.volume_mm3,
        mass_mg=total.mass_mg,
        risk_category=str(result["risk_category"]),
        per_label={int(k): _calcium_totals(v, has_mass) for k, v in result["per_label"].items()},
        lesions=[CalciumLesion(*row) for row in zip(*columns)],
        lesions_3d=int(result["lesions_3d"]),
        slice_step=int(result["slice_step"]),
        voxel_volume_mm3=float(result["voxel_volume_mm3"]),
    )
