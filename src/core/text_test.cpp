#include "core/text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

std::string Repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out.append(piece);
  return out;
}

TEST(Utf8, RecognisesValidAndInvalidSequences) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("\x80"));                                 // stray continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                         // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                     // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));                             // truncated
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8, RepairReplacesInvalidSequencesAndKeepsTheRest) {
  std::string text =
      "a\xFF"
      "b\xE2\x82"
      "c\xC3\xA9";
  EXPECT_TRUE(RepairUtf8(text));
  EXPECT_EQ(text,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xC3\xA9");
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_FALSE(RepairUtf8(text));  // already valid: unchanged
}

TEST(Utf16Length, CountsUtf16CodeUnitsLikeJava) {
  EXPECT_EQ(Utf16Length("abc"), 3U);
  EXPECT_EQ(Utf16Length("\xC3\xA9"), 1U);          // é: 2 bytes, 1 character
  EXPECT_EQ(Utf16Length("\xE6\x97\xA5"), 1U);      // 日: 3 bytes, 1 character
  EXPECT_EQ(Utf16Length("\xF0\x9F\x98\x80"), 2U);  // 😀: a surrogate pair in Java
}

TEST(CutToUtf16Length, CutsTwoByteCharactersAtABoundary) {
  std::string text = Repeat("\xC3\xA9", 300);  // 300 × é = 600 bytes
  EXPECT_TRUE(CutToUtf16Length(text, 255));
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Utf16Length(text), 255U);
  EXPECT_EQ(text.size(), 510U);
}

TEST(CutToUtf16Length, NeverSplitsACharacterThatDoesNotFit) {
  std::string text = "a" + Repeat("\xF0\x9F\x98\x80", 200);  // 1 + 200 × 2 units
  EXPECT_TRUE(CutToUtf16Length(text, 255));
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Utf16Length(text), 255U);  // "a" + 127 emoji
  EXPECT_EQ(text.size(), 1U + 127U * 4U);

  std::string odd = Repeat("\xF0\x9F\x98\x80", 200);
  CutToUtf16Length(odd, 255);
  EXPECT_EQ(Utf16Length(odd), 254U);  // the 128th emoji would need units 255 and 256
  EXPECT_TRUE(IsValidUtf8(odd));
}

TEST(CutToUtf16Length, LeavesShortTextAlone) {
  std::string text = Repeat("x", 255);
  EXPECT_FALSE(CutToUtf16Length(text, 255));
  EXPECT_EQ(text.size(), 255U);
}

TEST(SafeExcerpt, MakesOneShortPrintableLine) {
  EXPECT_EQ(SafeExcerpt("  line one\r\nline\ttwo\x1B[31m  ", 100), "line one line two [31m");
  EXPECT_EQ(SafeExcerpt("bad \xFF byte", 100), "bad byte");
  EXPECT_EQ(SafeExcerpt("evil\xE2\x80\xAEtxt.exe", 100), "evil txt.exe");  // right-to-left override
  const std::string cut = SafeExcerpt(Repeat("word ", 100), 20);
  EXPECT_EQ(Utf16Length(cut), 20U);
  EXPECT_EQ(cut, "word word word word\xE2\x80\xA6");
  EXPECT_EQ(SafeExcerpt(Repeat("x", 20), 20), Repeat("x", 20));  // fits exactly: no ellipsis
}

TEST(AsciiText, ChangesCaseOfAsciiLettersOnly) {
  EXPECT_EQ(AsciiLower("X-Forwarded-For ÄÖ"), "x-forwarded-for ÄÖ");
  EXPECT_EQ(AsciiUpper("abc-1 é"), "ABC-1 é");
  EXPECT_TRUE(EqualsIgnoringAsciiCase("Content-Type", "content-TYPE"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("Content-Type", "Content-Typ"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("\xC3\x84", "\xC3\xA4")) << "no locale folding";
}

TEST(AsciiText, TrimsAsciiSpaceAtBothEnds) {
  EXPECT_EQ(TrimAsciiSpace(" \t\r\n\v\fa b\t \n"), "a b");
  EXPECT_EQ(TrimAsciiSpace("   "), "");
  EXPECT_EQ(TrimAsciiSpace("\xC2\xA0x"), "\xC2\xA0x") << "a no-break space is not ASCII space";
}

TEST(AsciiText, HexEncodesEveryByte) {
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xf0\xff", 4)), "000ff0ff");
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('f'), 15);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('\0'), -1);
}

}  // namespace
}  // namespace tcj::core
