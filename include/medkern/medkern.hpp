// The C++ API of medkern, all of it.
#pragma once

#include "medkern/calcium.hpp"
#include "medkern/context.hpp"
#include "medkern/denoise.hpp"
#include "medkern/dicom.hpp"
#include "medkern/edges.hpp"
#include "medkern/error.hpp"
#include "medkern/gaussian.hpp"
#include "medkern/histogram.hpp"
#include "medkern/label_statistics.hpp"
#include "medkern/labeling.hpp"
#include "medkern/memory.hpp"
#include "medkern/perfusion.hpp"
#include "medkern/region_growing.hpp"
#include "medkern/threshold.hpp"
#include "medkern/volume.hpp"
#include "medkern/watershed.hpp"
