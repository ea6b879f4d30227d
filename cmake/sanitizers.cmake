# GPRAM_SANITIZE: ASan + UBSan on everything (tests included).
# GPRAM_FUZZ (clang-14 only): implies GPRAM_SANITIZE and builds the libFuzzer harnesses in fuzz/.
if(GPRAM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GPRAM_FUZZ needs clang (configure with CC=clang-14 CXX=clang++-14)")
  endif()
  set(GPRAM_SANITIZE ON)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(GPRAM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
