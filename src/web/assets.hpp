// web: the admin UI's files (web/*.html, web/static/*), embedded in the executable at build time.
#pragma once

#include <span>
#include <string_view>

namespace tcj::web {

struct EmbeddedFile {
  std::string_view name;  // relative to web/, e.g. "admin.html", "static/app.js"
  std::string_view body;
};

std::span<const EmbeddedFile> EmbeddedWebFiles();

}  // namespace tcj::web
