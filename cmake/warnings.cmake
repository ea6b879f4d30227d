add_library(gpram_warnings INTERFACE)
target_compile_options(gpram_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(GPRAM_WERROR)
  target_compile_options(gpram_warnings INTERFACE -Werror)
endif()
