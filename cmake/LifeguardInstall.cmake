# `cmake --install BUILD [--prefix P]`: the `lifeguard` program, the public
# headers (harness, sync layer, reference engine) and a CMake package, so
# that an adapter built out of tree (a plug-in, harness/include/lifeguard/
# harness/plugin.h) says
#
#   find_package(lifeguard REQUIRED)
#   add_library(my_plugin MODULE my_adapter.cc)
#   target_link_libraries(my_plugin PRIVATE lifeguard::plugin)
#
# and runs `lifeguard::lifeguard` (an imported executable) with --engine-lib.
# tests/install/ builds such a plug-in against an installed tree.
include(CMakePackageConfigHelpers)

# Engine libraries that the program links (Kuzu's) are installed in
# lib/lifeguard/ (adapters/kuzu/CMakeLists.txt).
set_target_properties(lifeguard PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}/lifeguard")
install(TARGETS lifeguard lifeguard_plugin EXPORT lifeguardTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/harness/include/ ${PROJECT_SOURCE_DIR}/sync/include/
                  ${PROJECT_SOURCE_DIR}/engine/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT lifeguardTargets NAMESPACE lifeguard::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lifeguard)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/lifeguardConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/lifeguardConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lifeguard)
# The plug-in interface is checked at load time (kPluginVersion), so a
# package of another minor version is refused by CMake as well.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/lifeguardConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lifeguardConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/lifeguardConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lifeguard)

# A .deb of the same (cpack -G DEB in a build directory).
set(CPACK_PACKAGE_NAME lifeguard)
set(CPACK_PACKAGE_CONTACT "lifeguard developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Lifecycle test and fuzzing harness for embedded database engines")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
