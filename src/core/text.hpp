// core: text from other systems made safe: UTF-8 repair, cutting to a length limit without
// breaking characters, one-line excerpts for messages and logs.
#pragma once

// Pure functions on caller-owned strings; thread-safe.
//
// How length is counted: the limits of Jira and of the admin pages ("≤ 255") are checked in Java
// or JavaScript, whose string length counts UTF-16 code units. So a character outside the
// Basic Multilingual Plane (an emoji) counts 2, everything else 1. Cutting happens only between
// code points, so the result is always valid UTF-8 and never splits a surrogate pair; its length in
// code points is therefore also within the limit. Bytes are not what is limited (255 characters of
// CJK text are 765 bytes).

#include <cstddef>
#include <string>
#include <string_view>

namespace tcj::core {

bool IsValidUtf8(std::string_view text);

// Replaces every invalid UTF-8 sequence (stray continuation bytes, overlong forms, surrogates,
// code points above U+10FFFF, truncated sequences) by U+FFFD. Returns whether anything changed.
bool RepairUtf8(std::string& text);

// Length as Java and JavaScript count it (UTF-16 code units). Precondition: text is valid UTF-8.
std::size_t Utf16Length(std::string_view text);

// Cuts text to at most max_length (as Utf16Length counts) at a code point boundary. Returns whether
// anything was cut. Precondition: text is valid UTF-8.
bool CutToUtf16Length(std::string& text, std::size_t max_length);

// A one-line, printable excerpt for messages and logs: invalid UTF-8 and control, line-breaking and
// bidirectional-override characters become spaces, runs of spaces collapse, the ends are trimmed,
// and the result has at most max_length characters, ending in "…" when it was cut.
std::string SafeExcerpt(std::string_view text, std::size_t max_length);

// ASCII only, on purpose: protocol tokens (header names, hosts, issue keys) compare this way, and
// a locale must never change what matches.
bool IsAsciiSpace(char c);  // space, \t, \n, \r, \v, \f
char AsciiLower(char c);
char AsciiUpper(char c);
std::string AsciiLower(std::string_view text);
std::string AsciiUpper(std::string_view text);
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b);
// text without the ASCII white space at either end.
std::string_view TrimAsciiSpace(std::string_view text);

// Lower-case hex, two digits per byte.
std::string HexEncode(std::string_view bytes);
// The value of a hex digit (either case), or -1 when c is not one.
int HexDigitValue(char c);

}  // namespace tcj::core
