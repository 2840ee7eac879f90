# Generates a .cpp defining `std::string_view <NAMESPACE>::<FUNCTION>()` that returns the bytes of
# one file, so the executable carries it. Run by a custom command:
# cmake -DINPUT=<file> -DOUTPUT=<.cpp> -DHEADER=<include> -DNAMESPACE=tcj::x -DFUNCTION=Name -P this file.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(RELATIVE_PATH name ${CMAKE_CURRENT_LIST_DIR}/.. ${INPUT})
file(WRITE ${OUTPUT}.tmp
"// Generated from ${name} by cmake/EmbedText.cmake. Do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {
namespace {

const char kText[] = {${bytes}'\\0'};

}  // namespace

std::string_view ${FUNCTION}() { return std::string_view(kText, ${size}); }

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
