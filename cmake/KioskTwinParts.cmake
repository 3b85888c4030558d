# One CMake target per architectural part, with explicit one-way links.
#
#   kiosktwin_add_part(<name> DIR <dir> [SOURCES ...] [PARTS <lower parts>...]
#                      [LIBS <third-party targets>...] [INTERFACE])
#
# creates the library target kiosktwin_<name> (alias kiosktwin::<name>) whose
# public headers live in <dir>/include/kiosktwin/<name>/. A part may include
# only its own headers and those of the parts it names in PARTS (transitively).
# The compiler enforces that through include directories; the `layering` test
# (tools/check_layers.cmake) enforces it on the source text as well, together
# with the rules on which parts may touch SFML/ImGui, Asio, SQLite and the
# wall clock.

set_property(GLOBAL PROPERTY KIOSKTWIN_PARTS "")

function(kiosktwin_target_defaults target)
  if(MSVC)
    return()
  endif()
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                                           -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(KIOSKTWIN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Coroutine frames are freed through a sized operator delete; clang needs to be told.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_options(-fsized-deallocation)
endif()

if(KIOSKTWIN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# A unity build compiles each part's sources in batches, so that the headers
# they share (nlohmann/json, Asio and Beast above all) are parsed once per
# batch rather than once per file: the dev preset builds the parts in about
# half the time. So sources of a part must not define the same name twice,
# even in anonymous namespaces — which also keeps helpers from being copied.
option(KIOSKTWIN_UNITY "Unity build of the parts and the program (the dev preset)" OFF)

function(kiosktwin_unity target)
  if(KIOSKTWIN_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
    # GCC meant this for headers: in a unity source every .cpp is an include,
    # so an Impl holding a type from its own file's anonymous namespace trips it.
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  endif()
endfunction()

function(kiosktwin_add_part name)
  cmake_parse_arguments(P "INTERFACE" "DIR" "SOURCES;PARTS;LIBS" ${ARGN})
  if(NOT P_DIR)
    message(FATAL_ERROR "kiosktwin_add_part(${name}): DIR is required")
  endif()
  set(target kiosktwin_${name})
  set(allowed ${name})
  foreach(dep IN LISTS P_PARTS)
    get_property(dep_allowed GLOBAL PROPERTY KIOSKTWIN_PART_ALLOWED_${dep})
    if(NOT dep_allowed)
      message(FATAL_ERROR "part ${name} names ${dep}, which is not (yet) defined: parts must be added bottom-up")
    endif()
    list(APPEND allowed ${dep_allowed})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY KIOSKTWIN_PART_ALLOWED_${name} "${allowed}")
  set_property(GLOBAL APPEND PROPERTY KIOSKTWIN_PARTS "${name}")
  set_property(GLOBAL PROPERTY KIOSKTWIN_PART_DIR_${name} "${P_DIR}")

  list(TRANSFORM P_PARTS PREPEND kiosktwin_ OUTPUT_VARIABLE part_targets)
  if(P_INTERFACE OR NOT P_SOURCES)
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/${P_DIR}/include)
    target_link_libraries(${target} INTERFACE ${part_targets} ${P_LIBS})
  else()
    add_library(${target} STATIC ${P_SOURCES})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/${P_DIR}/include)
    target_link_libraries(${target} PUBLIC ${part_targets} ${P_LIBS})
    kiosktwin_target_defaults(${target})
    kiosktwin_unity(${target})
  endif()
  add_library(kiosktwin::${name} ALIAS ${target})
endfunction()

# Writes build/layers.txt: one line per part, "<name>|<dir>|<allowed;parts>".
function(kiosktwin_write_layer_manifest)
  get_property(parts GLOBAL PROPERTY KIOSKTWIN_PARTS)
  set(text "")
  foreach(p IN LISTS parts)
    get_property(dir GLOBAL PROPERTY KIOSKTWIN_PART_DIR_${p})
    get_property(allowed GLOBAL PROPERTY KIOSKTWIN_PART_ALLOWED_${p})
    string(APPEND text "${p}|${dir}|${allowed}\n")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/layers.txt "${text}")
endfunction()
