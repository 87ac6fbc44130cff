# Registers unit_tests' gtest tests with ctest (run after each link of unit_tests; the output file is
# a TEST_INCLUDE_FILES script, as gtest_discover_tests writes one). One ctest per TEST, but one ctest
# per TEST_P for its per-folder instances (Fixtures/Suite.Test/<folder>): a process per folder would
# redo the fast kernels' oneDNN primitive creation for every folder (measured: ctest 1.3-1.6x
# slower), while one process per TEST_P keeps the cache warm as the old loops did.
# `unit_tests --gtest_filter='*llama*'` still runs one folder, and a failure names its instance.
# Inputs: -D EXE=<unit_tests> -D WD=<working dir> -D OUT=<script to write>.
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND "${EXE}" --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${rc}):\n${listing}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(script "")
set(groups "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ #][^ ]*)\\.( .*)?$")
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^  ([^ ]+)")
    set(test "${CMAKE_MATCH_1}")
    if(suite MATCHES "/" AND test MATCHES "^([^/]+)/")
      set(name "${suite}.${CMAKE_MATCH_1}")
      if(name IN_LIST groups)
        continue()
      endif()
      list(APPEND groups "${name}")
      set(filter "${name}/*")
    else()
      set(name "${suite}.${test}")
      set(filter "${name}")
    endif()
    string(APPEND script "add_test([=[${name}]=] \"${EXE}\" [==[--gtest_filter=${filter}]==])\n"
                         "set_tests_properties([=[${name}]=] PROPERTIES WORKING_DIRECTORY \"${WD}\" LABELS unit)\n")
  endif()
endforeach()
file(WRITE "${OUT}" "${script}")
