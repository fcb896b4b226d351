// Catch2 v2 (Debian 12) and v3 (the GPU machine) behind one include.
#pragma once

#if MEDKERN_CATCH2_MAJOR == 3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#if MEDKERN_CATCH2_MAJOR == 3
using Catch::Approx;
#endif
