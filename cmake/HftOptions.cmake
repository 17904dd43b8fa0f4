# Project-wide compiler settings, applied to every hft target through hft_options.
add_library(hft_options INTERFACE)
target_compile_options(hft_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                                             -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(HFT_WERROR)
  target_compile_options(hft_options INTERFACE -Werror)
  # GCC 12 at -O2/-O3 reports impossible overlaps for `"literal" + std::string` (GCC bug 105651, fixed in 13):
  # still shown, never fatal, so a Release -Werror build works.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(hft_options INTERFACE -Wno-error=restrict)
  endif()
endif()
if(HFT_SANITIZE)
  target_compile_options(hft_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                               -fno-sanitize-recover=undefined)
  target_link_options(hft_options INTERFACE -fsanitize=address,undefined)
endif()
