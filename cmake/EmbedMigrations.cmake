# Generates a .cpp holding every migrations/*.sql as a string, so the executable carries the
# schema it needs. Run by a custom command: cmake -DOUTPUT=... -DSOURCES="a.sql|b.sql" -P this file.
# The upgrade test's executable (tests/upgrade) adds two things:
#   -DEXTRA=file.sql  one more migration after the highest of SOURCES, numbered here (so a new
#                     migrations/NNNN file never collides with it): embedded as NNNN_<file>.sql
#   -DVERSION=text    the file also defines core::Version() (see src/core/version.cpp)
string(REPLACE "|" ";" SOURCES "${SOURCES}")
list(SORT SOURCES)
set(entries "")
set(highest 0)
function(embed name file)
  file(READ ${file} sql)
  string(FIND "${sql}" ")tcj_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw-string delimiter )tcj_sql\"")
  endif()
  set(entries "${entries}    {\"${name}\", R\"tcj_sql(${sql})tcj_sql\"},\n" PARENT_SCOPE)
endfunction()
foreach(file IN LISTS SOURCES)
  get_filename_component(name ${file} NAME)
  embed(${name} ${file})
  if(name MATCHES "^([0-9][0-9][0-9][0-9])_")
    math(EXPR number "1${CMAKE_MATCH_1} - 10000")  # the leading 1 keeps 0008 from reading as octal
    if(number GREATER highest)
      set(highest ${number})
    endif()
  endif()
endforeach()
set(version_include "")
set(version_definition "")
if(DEFINED EXTRA)
  math(EXPR next "${highest} + 1")
  string(LENGTH "${next}" digits)
  math(EXPR zeros "4 - ${digits}")
  string(REPEAT "0" ${zeros} padding)
  get_filename_component(extra_name ${EXTRA} NAME)
  embed(${padding}${next}_${extra_name} ${EXTRA})
endif()
if(DEFINED VERSION)
  set(version_include "#include \"core/version.hpp\"\n")
  set(version_definition "
namespace tcj::core {

const char* Version() { return \"${VERSION}\"; }

}  // namespace tcj::core
")
endif()
file(WRITE ${OUTPUT}.tmp
"// Generated from migrations/*.sql by cmake/EmbedMigrations.cmake. Do not edit.
${version_include}#include \"db/migrations.hpp\"

namespace tcj::db {

std::span<const MigrationSource> EmbeddedMigrations() {
  static const MigrationSource kSources[] = {
${entries}  };
  return kSources;
}

}  // namespace tcj::db
${version_definition}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
