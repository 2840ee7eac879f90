#include "relay/allowlist.hpp"

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tcj::relay {
namespace {

using ::testing::HasSubstr;

// As the service encodes query values: RFC 3986 unreserved characters stay, everything else is %XX.
std::string EncodeLikeTheService(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

std::string Builds(std::string_view locator, std::string_view fields) {
  return "/app/rest/builds?locator=" + EncodeLikeTheService(locator) + "&fields=" + EncodeLikeTheService(fields);
}

// What STYLE.md and the header promise of every reason: printable ASCII, short, never empty.
void ExpectWellFormedReason(const Verdict& verdict) {
  EXPECT_FALSE(verdict.allowed);
  EXPECT_FALSE(verdict.reason.empty());
  EXPECT_LE(verdict.reason.size(), 200u) << verdict.reason;
  for (const char c : verdict.reason) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 && byte < 0x7f) << "byte " << static_cast<int>(byte) << " in: " << verdict.reason;
  }
}

constexpr std::string_view kSyncFields =
    "count,nextHref,build(id,buildTypeId,number,changes($locator(count:100),count,change(id,version)),"
    "properties($locator(name:jira.issueKeys),property(name,value)))";

// The service's actual requests.
std::vector<std::string> AllowedRequests() {
  return {
      "/app/rest/server",
      "/app/rest/users/current?fields=username,name",
      "/app/rest/projects?locator=archived:false,count:10000&fields=count",
      "/app/rest/buildTypes?locator=templateFlag:false,count:100000&fields=count,buildType(id,internalId,name,"
      "projectId,projectName,type)",
      "/app/rest/projects?locator=archived:false,count:100000&fields=count,project(id,internalId,name,"
      "parentProjectId,archived)",
      Builds("affectedProject:(id:Proj_1),defaultFilter:false,state:finished,sinceDate:20260101T000000+0000,count:1000",
             kSyncFields),
      // The same, spelled out as the brief gives it: only ( ) : , + are encoded.
      "/app/rest/builds?locator=affectedProject%3A%28id%3AProj_1%29%2CdefaultFilter%3Afalse%2Cstate%3Afinished%2C"
      "sinceDate%3A20260101T000000%2B0000%2Ccount%3A1000&fields=count%2CnextHref%2Cbuild%28id%2CbuildTypeId%2Cnumber"
      "%2Cchanges%28$locator%28count%3A100%29%2Ccount%2Cchange%28id%2Cversion%29%29%2Cproperties%28$locator%28name"
      "%3Ajira.issueKeys%29%2Cproperty%28name%2Cvalue%29%29%29",
      Builds("defaultFilter:false,state:finished,finishDate:(date:20260101T000000+0000,condition:after)", "count"),
      "/app/rest/builds?locator=defaultFilter:false,state:finished,finishDate:(date:20260101T000000+0000,"
      "condition:after)",
      Builds("affectedProject:(id:($base64:UHJvaiwx)),defaultFilter:false", "count"),
      "/app/rest/builds?locator=affectedProject:(id:($base64:UHJvaiwx))",
      "/app/rest/builds?locator=count:100,start:100,defaultFilter:false&fields=count%2cnextHref",
      "/app/rest/builds/id:12345?fields=id,number",
      "/app/rest/builds/id:12345/resultingProperties",
      "/app/rest/changes?locator=build%3A%28id%3A42%29%2Ccount%3A1000&fields=nextHref%2Cchange%28id%2Cversion%29",
      "/app/rest/builds?locator=defaultFilter:false,state:finished,count:10000000,lookupLimit:10000000&fields=count",
  };
}

std::vector<std::string> RefusedRequests() {
  return {
      "/app/rest/agents",
      "/app/rest/users",
      "/app/rest/users/id:1",
      "/app/rest/builds/id:1/artifacts/files/x",
      "/app/rest/server/backup",
      "/app/rest/builds/id:1/../../users",
      "/app/rest/builds/%2e%2e/users",
      "/httpAuth/app/rest/server",
      "/app/rest/builds?locator=agent:(name:x)",
      "/app/rest/builds?locator=defaultFilter:false&foo=1",
      "/app/rest/builds?locator=a&locator=b",
      "/app/rest/server?locator=x:1",
      "/app/rest/builds?locator=count:abc",
      "/app/rest/builds?locator=affectedProject:(id:X",
      "/app/rest/builds?fields=x%zz",
      "/app//rest/server",
      "http://evil/app/rest/server",
      "//evil/app/rest/server",
      "/app/rest/server#x",
      "/app/rest/server?fields=<script>",
      "/app/rest/server?fields=a b",
      "/app/rest/builds?locator=branch:caf\xc3\xa9",
      std::string("/app/rest/server") + std::string(20000 - 16, 'a'),
      "/app/rest/builds/id:1;jsessionid=x",
      "",
  };
}

class AllowedRequest : public ::testing::TestWithParam<std::string> {};

TEST_P(AllowedRequest, IsAllowedWithoutReason) {
  const Verdict verdict = CheckRequest(GetParam());
  EXPECT_TRUE(verdict.allowed) << verdict.reason;
  EXPECT_EQ(verdict.reason, "");
}

INSTANTIATE_TEST_SUITE_P(ServiceRequests, AllowedRequest, ::testing::ValuesIn(AllowedRequests()));

class RefusedRequest : public ::testing::TestWithParam<std::string> {};

TEST_P(RefusedRequest, IsRefusedWithAWellFormedReason) {
  ExpectWellFormedReason(CheckRequest(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(HostileRequests, RefusedRequest, ::testing::ValuesIn(RefusedRequests()));

TEST(Allowlist, ReasonNamesTheRefusedEndpoint) {
  EXPECT_THAT(CheckRequest("/app/rest/agents").reason, HasSubstr("'/app/rest/agents'"));
  EXPECT_THAT(CheckRequest("/app/rest/users/id:1").reason, HasSubstr("'/app/rest/users/id:1'"));
}

TEST(Allowlist, ReasonNamesTheRefusedDimensionAndParameter) {
  EXPECT_THAT(CheckRequest("/app/rest/builds?locator=agent:(name:x)").reason, HasSubstr("'agent'"));
  EXPECT_THAT(CheckRequest("/app/rest/builds?locator=defaultFilter:false&foo=1").reason, HasSubstr("'foo'"));
  EXPECT_THAT(CheckRequest("/app/rest/builds?locator=count:abc").reason, HasSubstr("'count'"));
  EXPECT_THAT(CheckRequest("/app/rest/server?locator=x:1").reason, HasSubstr("/app/rest/server takes no locator"));
}

TEST(Allowlist, BuildByIdTakesOneToNineteenDigits) {
  EXPECT_TRUE(CheckRequest("/app/rest/builds/id:1").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/builds/id:" + std::string(19, '9')).allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:" + std::string(20, '9')).allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:12a").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:1/").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:1/resultingProperties/x").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/number:1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server/").allowed);
}

TEST(Allowlist, DotSegmentsAreRefusedEvenWhenTheyWouldResolveToAnAllowedPath) {
  EXPECT_FALSE(CheckRequest("/app/rest/builds/../server").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/./server").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server/.").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server/..").allowed);
  EXPECT_THAT(CheckRequest("/app/rest/builds/id:1/../../users").reason, HasSubstr("'..' segment"));
}

TEST(Allowlist, PercentEncodingInThePathIsRefusedWhateverItEncodes) {
  EXPECT_FALSE(CheckRequest("/app/rest/%73erver").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds%2fid:1").allowed);
  EXPECT_THAT(CheckRequest("/app/rest/builds/%2e%2e/users").reason, HasSubstr("percent-encoded"));
}

TEST(Allowlist, FragmentBackslashAndAtAreRefused) {
  EXPECT_FALSE(CheckRequest("/app/rest/server?fields=id#x").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server\\..\\agents").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server?fields=a\\b").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/@evil/server").allowed);
}

TEST(Allowlist, EmptyQueryIsFineButEmptyParametersAreNot) {
  EXPECT_TRUE(CheckRequest("/app/rest/server?").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server?&").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server?fields=id&").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server?fields").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server??fields=id").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/server?fields=").allowed);
}

TEST(Allowlist, EachParameterAtMostOnce) {
  const Verdict twice = CheckRequest("/app/rest/builds?locator=count:1&locator=count:2");
  EXPECT_FALSE(twice.allowed);
  EXPECT_THAT(twice.reason, HasSubstr("'locator' is given more than once"));
  EXPECT_FALSE(CheckRequest("/app/rest/server?fields=id&fields=name").allowed);
}

TEST(Allowlist, ParameterNamesArePercentDecodedBeforeComparison) {
  EXPECT_TRUE(CheckRequest("/app/rest/builds?%6Cocator=count:1&%66ields=count").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:1&%6Cocator=count:2").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?Locator=count:1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator%00=count:1").allowed);
}

TEST(Allowlist, LocatorOnlyOnCollections) {
  EXPECT_TRUE(CheckRequest("/app/rest/changes?locator=count:1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/users/current?locator=count:1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:1?locator=count:1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds/id:1/resultingProperties?locator=count:1").allowed);
}

TEST(Allowlist, EachCollectionHasItsOwnDimensions) {
  EXPECT_TRUE(CheckRequest("/app/rest/projects?locator=archived:false,start:0,lookupLimit:5").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/projects?locator=templateFlag:false").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/buildTypes?locator=templateFlag:false,start:0").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/buildTypes?locator=archived:false").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/changes?locator=state:finished").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=personal:false,canceled:false,failedToStart:any,composite:any,"
                           "branch:(default:any),buildType:(id:Bt_1)")
                  .allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=user:(id:1)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=item:(id:1)").allowed);
}

TEST(Allowlist, DimensionNamesAreCaseSensitive) {
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=DefaultFilter:false").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=COUNT:1").allowed);
}

TEST(Allowlist, BareLocatorValuesAreRefused) {
  const Verdict bare = CheckRequest("/app/rest/builds?locator=123");
  EXPECT_FALSE(bare.allowed);
  EXPECT_THAT(bare.reason, HasSubstr("not a dimension:value pair"));
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=(count:1)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=$base64:Y291bnQ6MQ").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:1,defaultFilter").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=defaultFilter(false)").allowed);
}

TEST(Allowlist, LocatorShapeTeamCityWouldToleratedIsRefused) {
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:1,").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:1,,start:0").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=:1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=branch:(a)b").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=branch:a)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=branch:(a").allowed);
}

TEST(Allowlist, CountStartAndLookupLimitTakeDigitsOnly) {
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:-1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=start:(1,2)").allowed);
  // TeamCity takes a value in parentheses without them: (1) is the number 1.
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=start:(1)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=lookupLimit:($base64:MTA)").allowed);
}

TEST(Allowlist, NestedLocatorsAllowOnlyTheListedSubDimensions) {
  const Verdict by_name = CheckRequest("/app/rest/builds?locator=affectedProject:(name:x)");
  EXPECT_FALSE(by_name.allowed);
  EXPECT_THAT(by_name.reason, HasSubstr("'affectedProject' does not allow 'name'"));
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=affectedProject:(id:x,name:y)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=buildType:(project:(id:x))").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/changes?locator=build:(buildType:(id:x))").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=affectedProject:Proj_1").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=branch:(name:x,default:any,policy:all_branches)").allowed);
}

// TeamCity reads a plain value up to the next ',' and then as a locator of its own, so affectedProject:name:x
// means the same as affectedProject:(name:x).
TEST(Allowlist, PlainValuesOfNestedDimensionsAreCheckedAsLocators) {
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=affectedProject:id:Proj_1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=affectedProject:name:x").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=sinceDate:build:(id:1)").allowed);
}

TEST(Allowlist, DatesArePlainOrDateAndCondition) {
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=sinceDate:20260101T000000%2B0000").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=finishDate:(condition:before,date:20260101T000000Z)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=finishDate:(build:(id:1),condition:after)").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=finishDate:").allowed);
}

// TeamCity decodes a whole ($base64:...) value and reads the result as a nested locator, which would
// let affectedProject:($base64:bmFtZTp4) mean affectedProject:(name:x).
TEST(Allowlist, Base64IsAcceptedAsAValueButNotInPlaceOfANestedLocator) {
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=branch:($base64:bWFpbg)").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=buildType:(id:($base64:QnQsMQ))").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/changes?locator=build:(id:($base64:NDI))").allowed);
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=finishDate:(date:($base64:MjAyNg),condition:after)").allowed);
  const Verdict whole = CheckRequest("/app/rest/builds?locator=affectedProject:($base64:bmFtZTp4)");
  EXPECT_FALSE(whole.allowed);
  EXPECT_THAT(whole.reason, HasSubstr("'affectedProject'"));
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=affectedProject:$base64:bmFtZTp4").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=sinceDate:($base64:YnVpbGQ6KGlkOjEp)").allowed);
}

TEST(Allowlist, PlusStaysALiteralPlus) {
  // Shown as written: had '+' been decoded to a space, the reason would show '1 2' (or '1?2').
  EXPECT_THAT(CheckRequest("/app/rest/builds?locator=count:1+2").reason, HasSubstr("'1+2'"));
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=sinceDate:20260101T000000+0000").allowed);
}

TEST(Allowlist, PercentEscapesInEitherCaseAndMalformedOnesRefused) {
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=count%3a1%2Cstart%3A0&fields=count%2cnextHref").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=count%2").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=count%").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?locator=count:1%g1").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fi%zzelds=count").allowed);
  EXPECT_THAT(CheckRequest("/app/rest/builds?fields=x%zz").reason, HasSubstr("malformed"));
}

TEST(Allowlist, EncodedDelimitersInAValueStayInsideIt) {
  // %26 and %3D are part of the locator value, not a second parameter.
  EXPECT_TRUE(CheckRequest("/app/rest/builds?locator=branch:a%26fields%3Dx").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/server?fields=id%26locator%3Dcount:1").allowed);
}

TEST(Allowlist, FieldsTakeAFixedAlphabetUpTo4096CharactersWithBalancedParentheses) {
  EXPECT_TRUE(CheckRequest("/app/rest/server?fields=" + std::string(4096, 'a')).allowed);
  EXPECT_THAT(CheckRequest("/app/rest/server?fields=" + std::string(4097, 'a')).reason, HasSubstr("4096"));
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=count,build(id").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=count)(").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=count%20").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=count+id").allowed);
  EXPECT_FALSE(CheckRequest("/app/rest/builds?fields=a%00").allowed);
  EXPECT_THAT(CheckRequest("/app/rest/server?fields=%3Cscript%3E").reason, HasSubstr("'<'"));
}

TEST(Allowlist, RequestsUpTo16384BytesAreAccepted) {
  const std::string head = "/app/rest/builds?locator=branch:";
  EXPECT_TRUE(CheckRequest(head + std::string(16384 - head.size(), 'x')).allowed);
  const Verdict one_more = CheckRequest(head + std::string(16385 - head.size(), 'x'));
  EXPECT_FALSE(one_more.allowed);
  EXPECT_THAT(one_more.reason, HasSubstr("16384"));
}

TEST(Allowlist, RawBytesOutsidePrintableAsciiAreRefused) {
  for (const char c : {'\0', '\t', '\n', '\r', ' ', '\x7f', '\x80', '\xff'}) {
    const Verdict verdict = CheckRequest(std::string("/app/rest/server?fields=id") + c);
    ExpectWellFormedReason(verdict);
  }
}

TEST(Allowlist, ReasonsStayShortAndPrintableForHostileInput) {
  const std::string control_bytes(1000, '\x01');
  ExpectWellFormedReason(CheckRequest("/app/rest/" + control_bytes));
  ExpectWellFormedReason(CheckRequest(std::string(30000, '\x1b')));
  ExpectWellFormedReason(CheckRequest("/app/rest/" + std::string(10000, 'A')));
  // Decoded text is quoted too: control bytes, UTF-8 and a long name must not reach the reason.
  std::string encoded_name;
  for (int i = 0; i < 1000; ++i) encoded_name += "%1B%C3%A9";
  const Verdict dimension = CheckRequest("/app/rest/builds?locator=" + encoded_name + ":1");
  ExpectWellFormedReason(dimension);
  EXPECT_THAT(dimension.reason, HasSubstr("'?????"));
  EXPECT_THAT(dimension.reason, HasSubstr("...'"));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?" + encoded_name + "=1"));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?locator=count:" + encoded_name));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?locator=affectedProject:(" + encoded_name + ":1)"));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?fields=" + encoded_name));
  // The longest reasons: a nested locator quoting the hostile part.
  const std::string long_name(5000, 'n');
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?locator=affectedProject:(id:x," + long_name + ":(1)"));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?locator=affectedProject:(id:x," + long_name + ":(1)y)"));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?locator=affectedProject:(id:x," + long_name + ")"));
  ExpectWellFormedReason(CheckRequest("/app/rest/builds?locator=finishDate:(date:x," + long_name + ":1)"));
}

// Random mutations of allowed requests: never a crash, never a malformed reason, and an allowed
// mutation is still one of the allowed endpoints.
TEST(Allowlist, MutatedRequestsGetAVerdictAndAWellFormedReason) {
  std::mt19937 random(20260101);
  const std::vector<std::string> seeds = AllowedRequests();
  for (int round = 0; round < 20000; ++round) {
    std::string request = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !request.empty(); ++e) {
      const std::size_t at = random() % request.size();
      const char byte = static_cast<char>(random() % 256);
      switch (random() % 3) {
        case 0:
          request[at] = byte;
          break;
        case 1:
          request.insert(request.begin() + static_cast<std::ptrdiff_t>(at), byte);
          break;
        default:
          request.erase(at, 1);
      }
    }
    const Verdict verdict = CheckRequest(request);
    if (verdict.allowed) {
      EXPECT_EQ(verdict.reason, "");
      EXPECT_EQ(request.rfind("/app/rest/", 0), 0u) << request;
    } else {
      ExpectWellFormedReason(verdict);
    }
  }
}

}  // namespace
}  // namespace tcj::relay
