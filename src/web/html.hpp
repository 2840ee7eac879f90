// web: HTML text escaping for the few pages the service renders itself.
#pragma once

#include <string>
#include <string_view>

namespace tcj::web {

// Text safe in element content and in quoted attribute values: & < > " ' are escaped.
std::string HtmlEscape(std::string_view text);

// A URL safe to put in an href: http or https only (never javascript: or data:), escaped; "" otherwise.
std::string SafeHref(std::string_view url);

}  // namespace tcj::web
