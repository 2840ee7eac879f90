# Generates a .cpp holding every migrations/*.sql as a string, so the executable carries the
# schema it needs. Run by a custom command: cmake -DOUTPUT=... -DSOURCES="a.sql|b.sql" -P this file.
string(REPLACE "|" ";" SOURCES "${SOURCES}")
list(SORT SOURCES)
set(entries "")
foreach(file IN LISTS SOURCES)
  get_filename_component(name ${file} NAME)
  file(READ ${file} sql)
  string(FIND "${sql}" ")tcj_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw-string delimiter )tcj_sql\"")
  endif()
  string(APPEND entries "    {\"${name}\", R\"tcj_sql(${sql})tcj_sql\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from migrations/*.sql by cmake/EmbedMigrations.cmake. Do not edit.
#include \"db/migrations.hpp\"

namespace tcj::db {

std::span<const MigrationSource> EmbeddedMigrations() {
  static const MigrationSource kSources[] = {
${entries}  };
  return kSources;
}

}  // namespace tcj::db
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
