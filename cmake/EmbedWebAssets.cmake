# Generates a .cpp holding the admin UI (web/*.html and web/static/*) as byte arrays, so the
# executable serves its own pages with nothing to install beside it. Run by a custom command:
# cmake -DOUTPUT=... -DROOT=<web dir> -DSOURCES="a|b" -P this file.
string(REPLACE "|" ";" SOURCES "${SOURCES}")
list(SORT SOURCES)
set(arrays "")
set(entries "")
set(index 0)
foreach(file IN LISTS SOURCES)
  file(RELATIVE_PATH name ${ROOT} ${file})
  file(READ ${file} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND arrays "const char kAsset${index}[] = {${bytes}};\n")
  string(APPEND entries "      {\"${name}\", std::string_view(kAsset${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from web/ by cmake/EmbedWebAssets.cmake. Do not edit.
#include \"web/assets.hpp\"

namespace tcj::web {
namespace {

${arrays}
}  // namespace

std::span<const EmbeddedFile> EmbeddedWebFiles() {
  static const EmbeddedFile kFiles[] = {
${entries}      {\"\", std::string_view()}};
  return std::span<const EmbeddedFile>(kFiles, ${index});
}

}  // namespace tcj::web
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
