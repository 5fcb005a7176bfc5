# Interface targets every lifeguard target links: warnings and sanitizers.
# Sanitizer flags enter the build only here, driven by the LIFEGUARD_SANITIZERS
# cache variable that the presets set.

add_library(lifeguard_warnings INTERFACE)
add_library(lifeguard::warnings ALIAS lifeguard_warnings)
target_compile_options(lifeguard_warnings INTERFACE -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(lifeguard_warnings INTERFACE -Wthread-safety)
endif()
target_compile_features(lifeguard_warnings INTERFACE cxx_std_20)

add_library(lifeguard_sanitizers INTERFACE)
add_library(lifeguard::sanitizers ALIAS lifeguard_sanitizers)
if(LIFEGUARD_SANITIZERS)
  target_compile_options(lifeguard_sanitizers INTERFACE
    -fsanitize=${LIFEGUARD_SANITIZERS} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  # fuzzer-no-link instruments code but must not be passed to the linker.
  string(REPLACE "fuzzer-no-link," "" _link_sanitizers "${LIFEGUARD_SANITIZERS}")
  string(REPLACE ",fuzzer-no-link" "" _link_sanitizers "${_link_sanitizers}")
  target_link_options(lifeguard_sanitizers INTERFACE -fsanitize=${_link_sanitizers})
endif()

add_library(lifeguard_common INTERFACE)
target_link_libraries(lifeguard_common INTERFACE lifeguard::warnings lifeguard::sanitizers)
