// RFC 3339 instants: read with Z or an offset, written in UTC and as a zone's wall clock.
#include <gtest/gtest.h>

#include "schedule/rfc3339.h"
#include "schedule/zones.h"

namespace {

using namespace wf::schedule;

std::string round_trip(const std::string& text) {
  const InstantParse p = parse_rfc3339(text);
  return p.instant ? format_utc(*p.instant) : "error: " + p.error;
}

TEST(Rfc3339, ReadsZuluAndOffsets) {
  EXPECT_EQ(round_trip("2027-03-14T07:00:00Z"), "2027-03-14T07:00:00Z");
  EXPECT_EQ(round_trip("2027-03-14T03:00:00-04:00"), "2027-03-14T07:00:00Z");
  EXPECT_EQ(round_trip("2027-01-01T01:30:00+10:30"), "2026-12-31T15:00:00Z");
  EXPECT_EQ(round_trip("2027-03-14t07:00:00.999z"), "2027-03-14T07:00:00Z");
  EXPECT_EQ(round_trip("2028-02-29 00:00:00Z"), "2028-02-29T00:00:00Z");
}

TEST(Rfc3339, RejectsWhatIsNotAnInstant) {
  for (const char* bad : {"", "2027-03-14", "2027-03-14T07:00:00", "2027-02-29T00:00:00Z", "2027-13-01T00:00:00Z",
                          "2027-03-14T24:00:00Z", "2027-03-14T07:00Z", "2027-03-14T07:00:00+0400", "2027-03-14T07:00:00Zx",
                          "now", "2027-03-14T07:00:00."}) {
    const InstantParse p = parse_rfc3339(bad);
    EXPECT_FALSE(p.instant) << bad;
    EXPECT_NE(p.error.find("bad time"), std::string::npos) << bad;
  }
}

TEST(Rfc3339, WritesAZonesWallClockWithItsOffset) {
  const InstantParse p = parse_rfc3339("2027-03-14T07:00:00Z");
  ASSERT_TRUE(p.instant);
  EXPECT_EQ(format_local(*p.instant, *find_zone("America/New_York").zone), "2027-03-14T03:00:00-04:00");
  EXPECT_EQ(format_local(*p.instant, *find_zone("Australia/Lord_Howe").zone), "2027-03-14T18:00:00+11:00");
  EXPECT_EQ(format_local(*p.instant, *find_zone("UTC").zone), "2027-03-14T07:00:00+00:00");
}

TEST(Zones, AnUnknownZoneIsAnErrorValue) {
  EXPECT_NE(find_zone("Europe/Berlin").zone, nullptr);
  const ZoneLookup z = find_zone("Mars/Olympus_Mons");
  EXPECT_EQ(z.zone, nullptr);
  EXPECT_EQ(z.error, "unknown time zone \"Mars/Olympus_Mons\" (an IANA name such as UTC or Europe/Berlin)");
  EXPECT_EQ(find_zone("").zone, nullptr);
}

}  // namespace
