# gpram_add_library(<name> [DEPS <targets>...] [PRIVATE_DEPS <targets>...])
# Sources: libs/<name>/src/*.cpp; public headers: libs/<name>/include/gpram/<name>/*.hpp.
# Defines target gpram_<name> and alias gpram::<name>.
function(gpram_add_library name)
  cmake_parse_arguments(A "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/src/*.c)
  if(_srcs)
    add_library(gpram_${name} STATIC ${_srcs})
    target_include_directories(gpram_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(gpram_${name} PUBLIC ${A_DEPS} PRIVATE gpram_warnings ${A_PRIVATE_DEPS})
    set_target_properties(gpram_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  else()
    add_library(gpram_${name} INTERFACE)
    target_include_directories(gpram_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(gpram_${name} INTERFACE ${A_DEPS})
  endif()
  add_library(gpram::${name} ALIAS gpram_${name})
  set_property(GLOBAL APPEND PROPERTY GPRAM_LIBS gpram_${name})
endfunction()

# gpram_add_test(<name> SOURCES ... DEPS ...): one GoogleTest executable registered with ctest.
function(gpram_add_test name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} gpram_test_support GTest::gtest GTest::gmock GTest::gtest_main gpram_warnings)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "GPRAM_TESTDATA=${GPRAM_TESTDATA_DIR};GPRAM_BIN=${CMAKE_BINARY_DIR}/bin;GPRAM_SOURCE=${CMAKE_SOURCE_DIR}")
endfunction()
