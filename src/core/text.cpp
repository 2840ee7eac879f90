#include "core/text.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace tcj::core {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

struct Decoded {
  char32_t code_point = 0;
  std::size_t length = 1;  // bytes consumed; for an invalid sequence, its maximal valid prefix (≥ 1)
  bool valid = false;
};

bool IsContinuation(unsigned char byte) {
  return (byte & 0xC0U) == 0x80U;
}

// Decodes the sequence at text[pos] following RFC 3629 (the table of well-formed byte sequences).
Decoded DecodeAt(std::string_view text, std::size_t pos) {
  const auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte_at(pos);
  if (lead < 0x80U) {
    return {lead, 1, true};
  }
  std::size_t needed = 0;
  unsigned char low = 0x80U;
  unsigned char high = 0xBFU;  // the allowed range of the second byte
  char32_t code_point = 0;
  if (lead >= 0xC2U && lead <= 0xDFU) {
    needed = 1;
    code_point = lead & 0x1FU;
  } else if (lead >= 0xE0U && lead <= 0xEFU) {
    needed = 2;
    code_point = lead & 0x0FU;
    if (lead == 0xE0U) low = 0xA0U;   // no overlong forms
    if (lead == 0xEDU) high = 0x9FU;  // no surrogates
  } else if (lead >= 0xF0U && lead <= 0xF4U) {
    needed = 3;
    code_point = lead & 0x07U;
    if (lead == 0xF0U) low = 0x90U;   // no overlong forms
    if (lead == 0xF4U) high = 0x8FU;  // nothing above U+10FFFF
  } else {
    return {0, 1, false};
  }
  for (std::size_t i = 1; i <= needed; ++i) {
    if (pos + i >= text.size()) {
      return {0, i, false};
    }
    const unsigned char byte = byte_at(pos + i);
    const bool in_range = i == 1 ? (byte >= low && byte <= high) : IsContinuation(byte);
    if (!in_range) {
      return {0, i, false};
    }
    code_point = (code_point << 6U) | (byte & 0x3FU);
  }
  return {code_point, needed + 1, true};
}

std::size_t Utf16Units(char32_t code_point) {
  return code_point > 0xFFFFU ? 2 : 1;
}

// Characters that must not reach a one-line message: C0/C1 controls, DEL, line and paragraph
// separators, and the bidirectional embeddings/overrides/isolates that can disguise text.
bool IsUnsafeInMessage(char32_t c) {
  return c < 0x20U || (c >= 0x7FU && c <= 0x9FU) || c == 0x2028U || c == 0x2029U || (c >= 0x202AU && c <= 0x202EU) ||
         (c >= 0x2066U && c <= 0x2069U) || c == 0x200EU || c == 0x200FU;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = DecodeAt(text, pos);
    if (!d.valid) {
      return false;
    }
    pos += d.length;
  }
  return true;
}

bool RepairUtf8(std::string& text) {
  if (IsValidUtf8(text)) {
    return false;
  }
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = DecodeAt(text, pos);
    if (d.valid) {
      out.append(text, pos, d.length);
    } else {
      out.append(kReplacement);
    }
    pos += d.length;
  }
  text = std::move(out);
  return true;
}

std::size_t Utf16Length(std::string_view text) {
  std::size_t units = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = DecodeAt(text, pos);
    units += d.valid ? Utf16Units(d.code_point) : 1;
    pos += d.length;
  }
  return units;
}

bool CutToUtf16Length(std::string& text, std::size_t max_length) {
  std::size_t units = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = DecodeAt(text, pos);
    const std::size_t width = d.valid ? Utf16Units(d.code_point) : 1;
    if (units + width > max_length) {
      text.resize(pos);
      return true;
    }
    units += width;
    pos += d.length;
  }
  return false;
}

std::string SafeExcerpt(std::string_view text, std::size_t max_length) {
  // Normalises at most max_length + 1 characters: enough to know whether the text fits, and the
  // work stays bounded however long the input is.
  std::string out;
  std::size_t units = 0;
  bool pending_space = false;
  bool more = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const Decoded d = DecodeAt(text, pos);
    pos += d.length;
    if (!d.valid || d.code_point == U' ' || IsUnsafeInMessage(d.code_point)) {
      pending_space = !out.empty();
      continue;
    }
    if (units > max_length) {
      more = true;
      break;
    }
    if (pending_space) {
      out.push_back(' ');
      ++units;
      pending_space = false;
    }
    out.append(text.substr(pos - d.length, d.length));
    units += Utf16Units(d.code_point);
  }
  if (!more && units <= max_length) {
    return out;
  }
  if (max_length == 0) {
    return {};
  }
  CutToUtf16Length(out, max_length - 1);
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  out.append(kEllipsis);
  return out;
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiUpper(c);
  return out;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

std::string_view TrimAsciiSpace(std::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  return text;
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

}  // namespace tcj::core
