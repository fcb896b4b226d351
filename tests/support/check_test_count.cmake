# Fails when a Catch2 test binary holds no test case, so that a build which compiled the
# tests away (an empty glob, a wrong define) cannot pass by running nothing.
# Usage: cmake -DBINARY=path -DCATCH2_MAJOR=2|3 -P check_test_count.cmake
if(CATCH2_MAJOR EQUAL 3)
  set(_list_args --list-tests --verbosity quiet)
else()
  set(_list_args --list-test-names-only)
endif()
execute_process(COMMAND ${BINARY} ${_list_args} OUTPUT_VARIABLE _names RESULT_VARIABLE _status)
string(REGEX MATCHALL "[^\n]+" _lines "${_names}")
list(LENGTH _lines _count)
if(_count EQUAL 0)
  message(FATAL_ERROR "${BINARY} holds no test case (listing exited ${_status})")
endif()
message(STATUS "${BINARY}: ${_count} test cases")
