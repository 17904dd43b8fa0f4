# Project-wide compiler settings, applied to every hft target through hft_options.
add_library(hft_options INTERFACE)
target_compile_options(hft_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                                             -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(HFT_WERROR)
  target_compile_options(hft_options INTERFACE -Werror)
endif()
if(HFT_SANITIZE)
  target_compile_options(hft_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                               -fno-sanitize-recover=undefined)
  target_link_options(hft_options INTERFACE -fsanitize=address,undefined)
endif()
