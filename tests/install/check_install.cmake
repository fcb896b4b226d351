# The installed package as its users see it, run by ctest (install_consumer) in script mode:
#   cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DGENERATOR=... -P check_install.cmake
#
# 1. `cmake --install` of BUILD_DIR into a fresh prefix under BUILD_DIR;
# 2. libmedkern.so.0 is there and is the SONAME of the library;
# 3. the library exports every function of medkern.h and nothing but medkern_* symbols;
# 4. a C-only project finds it with find_package(medkern), links medkern::medkern and runs;
# 5. where pkg-config exists, main.c builds from `pkg-config --cflags --libs medkern` alone
#    and runs.
# Any failed step stops the script with a message that says which step and why.
cmake_minimum_required(VERSION 3.25)

foreach(variable SOURCE_DIR BUILD_DIR GENERATOR)
  if(NOT DEFINED ${variable} OR "${${variable}}" STREQUAL "")
    message(FATAL_ERROR "check_install: pass -D${variable}=...")
  endif()
endforeach()

set(work_dir "${BUILD_DIR}/install-check")
set(prefix "${work_dir}/prefix")
set(consumer_source "${SOURCE_DIR}/tests/install/consumer")
set(consumer_build "${work_dir}/consumer-build")

# What the build was configured with: the install layout, the tools and the C compiler.
load_cache("${BUILD_DIR}" READ_WITH_PREFIX build_
  CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR CMAKE_NM CMAKE_READELF CMAKE_OBJDUMP
  CMAKE_C_COMPILER CMAKE_BUILD_TYPE)
if(NOT build_CMAKE_INSTALL_LIBDIR)
  set(build_CMAKE_INSTALL_LIBDIR lib)
endif()
if(NOT build_CMAKE_INSTALL_INCLUDEDIR)
  set(build_CMAKE_INSTALL_INCLUDEDIR include)
endif()
if(IS_ABSOLUTE "${build_CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "check_install: CMAKE_INSTALL_LIBDIR is absolute "
                      "(${build_CMAKE_INSTALL_LIBDIR}); cannot install into a test prefix")
endif()
set(libdir "${prefix}/${build_CMAKE_INSTALL_LIBDIR}")

function(run_step description)
  cmake_parse_arguments(PARSE_ARGV 1 step "" "WORKING_DIRECTORY" "COMMAND")
  if(NOT step_WORKING_DIRECTORY)
    set(step_WORKING_DIRECTORY "${work_dir}")
  endif()
  execute_process(COMMAND ${step_COMMAND}
    WORKING_DIRECTORY "${step_WORKING_DIRECTORY}"
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command_line "${step_COMMAND}")
    message(FATAL_ERROR "check_install: ${description} failed (${result}).\n"
                        "command: ${command_line}\n${output}")
  endif()
  set(step_output "${output}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------- 1. install
file(REMOVE_RECURSE "${work_dir}")
file(MAKE_DIRECTORY "${work_dir}")
set(install_config_args)
if(build_CMAKE_BUILD_TYPE)
  set(install_config_args --config "${build_CMAKE_BUILD_TYPE}")
endif()
run_step("cmake --install into ${prefix}"
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${install_config_args})
message(STATUS "installed into ${prefix}")

foreach(file
    "${prefix}/${build_CMAKE_INSTALL_INCLUDEDIR}/medkern/medkern.h"
    "${libdir}/libmedkern.so"
    "${libdir}/cmake/medkern/medkernConfig.cmake"
    "${libdir}/cmake/medkern/medkernConfigVersion.cmake")
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "check_install: the install lacks ${file}")
  endif()
endforeach()

# ---------------------------------------------------------------------------- 2. SONAME
set(library "${libdir}/libmedkern.so.0")
if(NOT EXISTS "${library}")
  file(GLOB installed_libraries "${libdir}/libmedkern*")
  message(FATAL_ERROR "check_install: ${library} is missing; the install has: "
                      "${installed_libraries}")
endif()
if(build_CMAKE_READELF AND EXISTS "${build_CMAKE_READELF}")
  run_step("readelf -d libmedkern.so.0" COMMAND "${build_CMAKE_READELF}" -d "${library}")
elseif(build_CMAKE_OBJDUMP AND EXISTS "${build_CMAKE_OBJDUMP}")
  run_step("objdump -p libmedkern.so.0" COMMAND "${build_CMAKE_OBJDUMP}" -p "${library}")
else()
  message(FATAL_ERROR "check_install: neither readelf nor objdump was found to read the SONAME")
endif()
if(NOT step_output MATCHES "SONAME[^\n]*libmedkern\\.so\\.0(\\]|\n| |$)")
  string(REGEX MATCH "SONAME[^\n]*" soname_line "${step_output}")
  message(FATAL_ERROR "check_install: the SONAME of ${library} is not libmedkern.so.0 "
                      "(found: '${soname_line}')")
endif()
message(STATUS "SONAME libmedkern.so.0")

# ---------------------------------------------------------------------------- 3. exports
# With capi/medkern.map (global: medkern_*; local: *) GNU ld leaves no other defined dynamic
# symbol, not even _init, _fini, _edata, _end or __bss_start, with or without CUDA (cudart
# is linked as a shared library). So nothing else is allowed: anything else that shows up is
# a C++ or third-party symbol that leaked, which would clash with the caller's own copy.
set(nm "${build_CMAKE_NM}")
if(NOT nm OR NOT EXISTS "${nm}")
  find_program(nm NAMES nm)
endif()
if(NOT nm)
  message(FATAL_ERROR "check_install: nm was not found")
endif()
run_step("nm -D --defined-only libmedkern.so.0"
  COMMAND "${nm}" -D --defined-only "${library}")
string(REPLACE "\n" ";" nm_lines "${step_output}")
set(exported)
set(unexpected)
foreach(line IN LISTS nm_lines)
  string(STRIP "${line}" line)
  if(line STREQUAL "")
    continue()
  endif()
  # "<address> <type> <name>[@version]"
  string(REGEX REPLACE "^.* " "" name "${line}")
  string(REGEX REPLACE "@.*$" "" name "${name}")
  if(name MATCHES "^medkern_[A-Za-z0-9_]+$")
    list(APPEND exported "${name}")
  else()
    list(APPEND unexpected "${line}")
  endif()
endforeach()
if(unexpected)
  list(JOIN unexpected "\n  " unexpected_text)
  message(FATAL_ERROR "check_install: libmedkern.so.0 exports symbols other than medkern_*:\n"
                      "  ${unexpected_text}")
endif()

# Every function that medkern.h declares must be exported.
file(READ "${prefix}/${build_CMAKE_INSTALL_INCLUDEDIR}/medkern/medkern.h" header)
string(REGEX MATCHALL "MEDKERN_API[^;(]*[ *](medkern_[A-Za-z0-9_]+)[ \n]*\\(" declarations
  "${header}")
set(declared)
foreach(declaration IN LISTS declarations)
  string(REGEX MATCH "medkern_[A-Za-z0-9_]+[ \n]*\\($" name "${declaration}")
  string(REGEX REPLACE "[ \n]*\\($" "" name "${name}")
  list(APPEND declared "${name}")
endforeach()
list(LENGTH declared declared_count)
if(declared_count LESS 20)
  message(FATAL_ERROR "check_install: found only ${declared_count} functions in medkern.h; "
                      "the declaration pattern of this script is out of date")
endif()
set(missing)
foreach(name IN LISTS declared)
  if(NOT name IN_LIST exported)
    list(APPEND missing "${name}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "check_install: medkern.h declares functions that libmedkern.so.0 does "
                      "not export: ${missing}")
endif()
list(LENGTH exported exported_count)
message(STATUS "exports: ${exported_count} medkern_* symbols, all ${declared_count} functions "
               "of medkern.h, nothing else")

# ---------------------------------------------------------------------------- 4. find_package
set(consumer_args -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}")
if(build_CMAKE_C_COMPILER)
  list(APPEND consumer_args "-DCMAKE_C_COMPILER=${build_CMAKE_C_COMPILER}")
endif()
if(build_CMAKE_BUILD_TYPE)
  list(APPEND consumer_args "-DCMAKE_BUILD_TYPE=${build_CMAKE_BUILD_TYPE}")
endif()
# Only the test prefix may satisfy find_package(medkern), not a copy installed elsewhere.
list(APPEND consumer_args -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
run_step("configuring the consumer project with find_package(medkern)"
  COMMAND "${CMAKE_COMMAND}" -S "${consumer_source}" -B "${consumer_build}" ${consumer_args})
if(NOT step_output MATCHES "medkern [0-9.]+ from ([^\n]*)")
  message(FATAL_ERROR "check_install: the consumer did not report where it found medkern:\n"
                      "${step_output}")
endif()
string(FIND "${CMAKE_MATCH_1}" "${prefix}" where)
if(NOT where EQUAL 0)
  message(FATAL_ERROR "check_install: find_package(medkern) found ${CMAKE_MATCH_1}, "
                      "not the test prefix ${prefix}")
endif()
run_step("building the consumer project"
  COMMAND "${CMAKE_COMMAND}" --build "${consumer_build}")
set(consumer_exe "${consumer_build}/medkern_consumer")
if(NOT EXISTS "${consumer_exe}")
  file(GLOB_RECURSE consumer_exe "${consumer_build}/medkern_consumer")
endif()
# The build-tree RPATH that CMake sets for imported libraries finds libmedkern there.
run_step("running the find_package consumer" COMMAND "${consumer_exe}")
if(NOT step_output MATCHES "medkern consumer: OK")
  message(FATAL_ERROR "check_install: the find_package consumer did not print OK:\n"
                      "${step_output}")
endif()
message(STATUS "find_package(medkern) consumer: OK")

# ---------------------------------------------------------------------------- 5. pkg-config
find_program(pkg_config NAMES pkg-config pkgconf)
if(NOT pkg_config)
  message(STATUS "pkg-config not found: the pkg-config consumer is skipped")
  return()
endif()
set(pc_file "${libdir}/pkgconfig/medkern.pc")
if(NOT EXISTS "${pc_file}")
  message(FATAL_ERROR "check_install: ${pc_file} was not installed")
endif()
set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
# Without the system's own .pc directories, so that only the test prefix is seen.
set(ENV{PKG_CONFIG_LIBDIR} "${libdir}/pkgconfig")
run_step("pkg-config --modversion medkern" COMMAND "${pkg_config}" --modversion medkern)
string(STRIP "${step_output}" pc_version)
file(STRINGS "${prefix}/${build_CMAKE_INSTALL_INCLUDEDIR}/medkern/medkern.h" version_lines
  REGEX "#define MEDKERN_VERSION_(MAJOR|MINOR|PATCH) ")
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "MEDKERN_VERSION_${part} ([0-9]+)" _ "${version_lines}")
  set(header_${part} "${CMAKE_MATCH_1}")
endforeach()
set(header_version "${header_MAJOR}.${header_MINOR}.${header_PATCH}")
if(NOT pc_version STREQUAL header_version)
  message(FATAL_ERROR "check_install: medkern.pc says version '${pc_version}', medkern.h says "
                      "${header_version}")
endif()
run_step("pkg-config --cflags --libs medkern" COMMAND "${pkg_config}" --cflags --libs medkern)
string(STRIP "${step_output}" pc_flags)
# A .pc file that names the configure-time prefix instead of where it was installed sends
# the consumer to another (or no) copy of medkern: relocatable is what `--prefix` needs.
if(NOT pc_flags MATCHES "-L[^ ]*${build_CMAKE_INSTALL_LIBDIR}" OR NOT pc_flags MATCHES "-I")
  message(FATAL_ERROR "check_install: pkg-config gives '${pc_flags}', without -I and -L")
endif()
string(REGEX MATCHALL "-[IL][^ ]+" pc_dirs "${pc_flags}")
foreach(flag IN LISTS pc_dirs)
  string(SUBSTRING "${flag}" 2 -1 dir)
  get_filename_component(dir "${dir}" REALPATH)
  get_filename_component(real_prefix "${prefix}" REALPATH)
  string(FIND "${dir}/" "${real_prefix}/" where)
  if(NOT where EQUAL 0)
    message(FATAL_ERROR "check_install: pkg-config points at ${dir}, outside the install "
                        "prefix ${prefix} ('${pc_flags}'): medkern.pc is not relocatable "
                        "(compute prefix from \${pcfiledir})")
  endif()
endforeach()
separate_arguments(pc_arguments UNIX_COMMAND "${pc_flags}")
set(cc "${build_CMAKE_C_COMPILER}")
if(NOT cc)
  set(cc cc)
endif()
set(pc_exe "${work_dir}/medkern_consumer_pkgconfig")
run_step("compiling main.c with pkg-config's flags"
  COMMAND "${cc}" -std=c99 -Wall -Werror -pedantic "${consumer_source}/main.c" -o "${pc_exe}"
          ${pc_arguments})
set(ENV{LD_LIBRARY_PATH} "${libdir}")
run_step("running the pkg-config consumer" COMMAND "${pc_exe}")
if(NOT step_output MATCHES "medkern consumer: OK")
  message(FATAL_ERROR "check_install: the pkg-config consumer did not print OK:\n${step_output}")
endif()
message(STATUS "pkg-config consumer: OK")
