# One way to declare a library, a test and a fuzz target, so every CMakeLists.txt reads the same.

# sesame_cc_library(NAME sesame_util SRCS a.cpp b.cpp DEPS other_lib [PRIVATE_DEPS x])
function(sesame_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT ARG_SRCS)  # a module with headers only so far
    add_library(${ARG_NAME} INTERFACE)
    target_include_directories(${ARG_NAME} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(${ARG_NAME} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# sesame_cc_test(NAME util_hex_test SRCS hex_test.cpp DEPS sesame_util [LABELS unit] [PROPERTIES k v ...])
function(sesame_cc_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  include(GoogleTest)
  # Prefix "<module>_test." so ctest -R util (or iso7816, store...) selects a module's tests.
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 TEST_PREFIX "${ARG_NAME}." PROPERTIES LABELS "${ARG_LABELS}" ${ARG_PROPERTIES})
endfunction()

# sesame_fuzz_target(NAME fuzz_tlv SRCS fuzz_tlv.cpp DEPS sesame_util CORPUS dir)
# Every fuzz target is built twice: as a libFuzzer binary under SESAME_FUZZ (make fuzz), and in the
# ordinary test build as a regression test that replays its seed corpus, so make test covers it.
function(sesame_fuzz_target)
  cmake_parse_arguments(ARG "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  if(SESAME_FUZZ)
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${ARG_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME ${ARG_NAME}_replay COMMAND ${ARG_NAME} ${ARG_CORPUS})
    set_tests_properties(${ARG_NAME}_replay PROPERTIES LABELS fuzz)
  endif()
endfunction()
