# One library per folder under src/ (STYLE.md "Layout"). Files pick their binary by suffix:
#   foo.cpp            -> the layer library tcj_<layer>
#   foo_test.cpp       -> <layer>_test     (ctest label "unit")
#   foo_pgtest.cpp     -> <layer>_pgtest   (ctest label "pg": needs the throwaway PostgreSQL of `make test`)
#   foo_benchmark.cpp  -> <layer>_benchmark (Google Benchmark, not run by ctest)
#   foo_fuzz.cpp       -> fuzz targets, built only by `make fuzz`
set_property(GLOBAL PROPERTY TCJ_LAYERS "")

function(tcj_layer layer)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS;TEST_DEPS;GENERATED" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "_(test|pgtest|benchmark|fuzz)\\.cpp$")
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  add_library(tcj_${layer} STATIC ${sources} ${ARG_GENERATED})
  target_include_directories(tcj_${layer} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tcj_${layer} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  tcj_set_warnings(tcj_${layer})
  set_property(GLOBAL APPEND PROPERTY TCJ_LAYERS ${layer})
  set_property(GLOBAL PROPERTY TCJ_LAYER_DIR_${layer} ${CMAKE_CURRENT_SOURCE_DIR})
  set_property(GLOBAL PROPERTY TCJ_LAYER_TEST_DEPS_${layer} ${ARG_TEST_DEPS})
endfunction()

# COST: how long its tests take, relatively; ctest starts the costliest first, also on a fresh
# clone that has no timings of its own yet (tests/e2e: they mostly wait, and run in parallel).
function(tcj_test_binary name label)
  cmake_parse_arguments(ARG "" "COST" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_COST)
    set(ARG_COST 0)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} tcj_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  # Tests find the repository's files (config/example.toml, tests/fixtures) and the built executable.
  target_compile_definitions(${name} PRIVATE TCJ_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                             TCJ_BINARY_DIR="${PROJECT_BINARY_DIR}")
  tcj_set_warnings(${name})
  if(label STREQUAL "e2e")
    # One ctest test per test: they are long, mostly wait, and run side by side.
    gtest_discover_tests(${name}
      DISCOVERY_MODE PRE_TEST
      PROPERTIES LABELS ${label} COST ${ARG_COST}
      TEST_PREFIX "${label}:")
  else()
    # One ctest test per executable: hundreds of tests of milliseconds each, where starting a
    # sanitized process per test cost more than the tests (130 s of 617 unit tests, against about
    # 30 s as whole executables). Run one test with the executable and --gtest_filter.
    add_test(NAME ${label}:${name} COMMAND ${name})
    set_tests_properties(${label}:${name} PROPERTIES LABELS ${label} COST ${ARG_COST})
  endif()
endfunction()

# Called once at the end of the top-level CMakeLists, after tests/support.
function(tcj_add_layer_tests)
  get_property(layers GLOBAL PROPERTY TCJ_LAYERS)
  foreach(layer IN LISTS layers)
    get_property(dir GLOBAL PROPERTY TCJ_LAYER_DIR_${layer})
    get_property(extra GLOBAL PROPERTY TCJ_LAYER_TEST_DEPS_${layer})
    foreach(kind IN ITEMS test pgtest)
      if(NOT TCJ_BUILD_TESTS)
        break()
      endif()
      file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_${kind}.cpp)
      if(tests)
        if(kind STREQUAL "test")
          set(label unit)
        else()
          set(label pg)
        endif()
        tcj_test_binary(${layer}_${kind} ${label} SOURCES ${tests} DEPS tcj_${layer} ${extra})
      endif()
    endforeach()
    if(TCJ_FUZZ)
      file(GLOB fuzzers CONFIGURE_DEPENDS ${dir}/*_fuzz.cpp)
      foreach(fuzzer IN LISTS fuzzers)
        get_filename_component(name ${fuzzer} NAME_WE)
        add_executable(${name} ${fuzzer})
        target_link_libraries(${name} PRIVATE tcj_${layer} ${extra})
        target_link_options(${name} PRIVATE -fsanitize=fuzzer)
        set_property(GLOBAL APPEND PROPERTY TCJ_FUZZERS ${name})
      endforeach()
    endif()
    if(TCJ_BUILD_BENCHMARKS)
      file(GLOB benches CONFIGURE_DEPENDS ${dir}/*_benchmark.cpp)
      if(benches)
        add_executable(${layer}_benchmark ${benches})
        target_link_libraries(${layer}_benchmark PRIVATE tcj_${layer} ${extra} benchmark::benchmark_main)
        tcj_set_warnings(${layer}_benchmark)
      endif()
    endif()
  endforeach()
endfunction()
