# genops_configure_target(<target>): the project's warning, sanitizer and
# standard settings, applied per target so third-party code is never affected.
function(genops_configure_target target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(GENOPS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(GENOPS_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${GENOPS_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${GENOPS_SANITIZE})
  endif()
  if(GENOPS_FUZZ)
    # A sanitizer finding is a crash the fuzzer records, not a message it runs past.
    target_compile_options(${target} PRIVATE -fno-sanitize-recover=all)
  endif()
endfunction()

# genops_add_library(<name> SOURCES ... DEPS ...): one folder = one library.
function(genops_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  genops_configure_target(${name})
endfunction()
