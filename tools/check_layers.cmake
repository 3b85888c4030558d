# Enforces ARCHITECTURE.md's one-way dependencies and STYLE.md's "who may
# touch what" on the source text. Run as a test:
#   cmake -DSOURCE_DIR=<repo> -DMANIFEST=<build>/layers.txt -P tools/check_layers.cmake
#
# The manifest (written at configure time) lists each part, its folder and the
# parts it may include. A part includes another part's headers as
# <kiosktwin/NAME/...>; anything else is a violation. Independently of the
# manifest:
#   - SFML and Dear ImGui only in twin/panel (the model knows nothing of its viewers);
#   - Asio/Beast only in hw-emulators/host, gateway/server and twin/live;
#   - SQLite only in twin/store and gateway/server; PostgreSQL (libpqxx,
#     libpq) only in twin/store;
#   - the wall clock and sleeping only in the live pacer and the live hosts
#     (twin/live, hw-emulators/host, gateway/server) and the front ends
#     (twin/app for timing benchmarks, twin/panel);
#   - no relative includes that climb out of a folder ("../").
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT MANIFEST)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=... -DMANIFEST=... -P check_layers.cmake")
endif()

file(STRINGS "${MANIFEST}" lines)
set(violations "")
set(files_checked 0)

function(dir_matches dir prefixes out)
  set(${out} FALSE PARENT_SCOPE)
  foreach(p IN LISTS prefixes)
    if(dir STREQUAL p OR dir MATCHES "^${p}/")
      set(${out} TRUE PARENT_SCOPE)
    endif()
  endforeach()
endfunction()

foreach(line IN LISTS lines)
  string(REPLACE "|" ";" fields "${line}")
  list(GET fields 0 part)
  list(GET fields 1 dir)
  list(LENGTH fields nf)
  set(allowed "")
  if(nf GREATER 2)
    list(SUBLIST fields 2 -1 allowed)
  endif()
  file(GLOB_RECURSE sources "${SOURCE_DIR}/${dir}/*.hpp" "${SOURCE_DIR}/${dir}/*.cpp"
                            "${SOURCE_DIR}/${dir}/*.h" "${SOURCE_DIR}/${dir}/*.cc")
  dir_matches("${dir}" "twin/panel" may_ui)
  dir_matches("${dir}" "hw-emulators/host;gateway/server;twin/live" may_asio)
  dir_matches("${dir}" "twin/store;gateway/server" may_sqlite)
  dir_matches("${dir}" "twin/store" may_postgres)
  dir_matches("${dir}" "twin/live;hw-emulators/host;gateway/server;twin/app;twin/panel" may_clock)
  foreach(src IN LISTS sources)
    math(EXPR files_checked "${files_checked} + 1")
    file(RELATIVE_PATH rel "${SOURCE_DIR}" "${src}")
    file(STRINGS "${src}" includes REGEX "^[ \t]*#[ \t]*include")
    foreach(inc IN LISTS includes)
      if(inc MATCHES "[<\"]kiosktwin/([a-z_]+)/")
        set(target "${CMAKE_MATCH_1}")
        list(FIND allowed "${target}" idx)
        if(idx EQUAL -1)
          list(APPEND violations "${rel}: part '${part}' includes '${target}', which it does not depend on (allowed: ${allowed})")
        endif()
      endif()
      if(inc MATCHES "[<\"](SFML/|imgui|backends/imgui)" AND NOT may_ui)
        list(APPEND violations "${rel}: SFML/ImGui outside twin/panel")
      endif()
      if(inc MATCHES "[<\"]boost/(asio|beast)" AND NOT may_asio)
        list(APPEND violations "${rel}: Asio/Beast outside the live hosts")
      endif()
      if(inc MATCHES "[<\"]sqlite3" AND NOT may_sqlite)
        list(APPEND violations "${rel}: SQLite outside twin/store and gateway/server")
      endif()
      if(inc MATCHES "[<\"](pqxx/|libpq-fe)" AND NOT may_postgres)
        list(APPEND violations "${rel}: PostgreSQL outside twin/store")
      endif()
      if(inc MATCHES "\"\\.\\./")
        list(APPEND violations "${rel}: relative include climbing out of its folder: ${inc}")
      endif()
    endforeach()
    if(NOT may_clock)
      file(STRINGS "${src}" clock REGEX "system_clock|steady_clock|high_resolution_clock|sleep_for|sleep_until|time\\(nullptr\\)|time\\(NULL\\)|gettimeofday|clock_gettime")
      foreach(c IN LISTS clock)
        string(STRIP "${c}" c)
        string(REPLACE ";" "," c "${c}")
        list(APPEND violations "${rel}: wall clock or sleep in model code: ${c}")
      endforeach()
    endif()
  endforeach()
endforeach()

if(violations)
  list(LENGTH violations n)
  string(REPLACE ";" "\n  " text "${violations}")
  message(FATAL_ERROR "layering: ${n} violation(s):\n  ${text}")
endif()
message(STATUS "layering: ${files_checked} files respect the part boundaries")
