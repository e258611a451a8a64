// tests/domain/geofence_test.cc
//
// The check-in geofence (domain/geofence.h): geodesic distances on WGS84
// against values computed here independently of GeographicLib (an
// equatorial arc is a * dlon; a meridian arc is the integral of the
// meridian radius of curvature, by Simpson's rule), across the
// antimeridian, through the north pole, and along a meridian; and
// check_position refusing out-of-range and non-finite coordinates with the
// field at fault.
#include "domain/geofence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

namespace rollcall::domain {
namespace {

constexpr double kA = 6378137.0;          // WGS84 semi-major axis, metres
constexpr double kF = 1 / 298.257223563;  // WGS84 flattening
constexpr double kE2 = kF * (2 - kF);     // first eccentricity squared
constexpr double kRad = std::numbers::pi / 180;

// The length of the meridian between two latitudes (degrees): the
// integral of M(phi) = a (1 - e^2) / (1 - e^2 sin^2 phi)^1.5.
double meridian_arc_m(double from_deg, double to_deg) {
  const int n = 2000;  // even
  const double h = (to_deg - from_deg) * kRad / n;
  const auto m = [](double phi) {
    const double s = std::sin(phi);
    return kA * (1 - kE2) / std::pow(1 - kE2 * s * s, 1.5);
  };
  double sum = m(from_deg * kRad) + m(to_deg * kRad);
  for (int i = 1; i < n; ++i) sum += m(from_deg * kRad + i * h) * (i % 2 ? 4 : 2);
  return sum * h / 3;
}

TEST(Geofence, AcrossTheAntimeridianAtTheEquatorIsTheShortWay) {
  const double expected = kA * 0.0006 * kRad;  // 66.79 m along the equator
  ASSERT_NEAR(expected, 66.79, 0.01);
  EXPECT_NEAR(geodesic_distance_m({0, 179.9997}, {0, -179.9997}), expected, 0.001);
  EXPECT_NEAR(geodesic_distance_m({0, -179.9997}, {0, 179.9997}), expected, 0.001);
  // 180 and -180 are the same meridian.
  EXPECT_NEAR(geodesic_distance_m({0, 180}, {0, -180}), 0, 1e-6);
}

TEST(Geofence, NearTheNorthPoleTheShortWayIsOverThePole) {
  // Opposite meridians 0.0001 deg from the pole: twice the meridian arc
  // from 89.9999 to 90 (~22.34 m), not half way round a parallel.
  const double expected = 2 * meridian_arc_m(89.9999, 90);
  ASSERT_NEAR(expected, 22.34, 0.01);
  EXPECT_NEAR(geodesic_distance_m({89.9999, 0}, {89.9999, 180}), expected, 0.001);
  EXPECT_NEAR(geodesic_distance_m({-89.9999, 90}, {-89.9999, -90}), expected, 0.001);
}

TEST(Geofence, OneDegreeOfMeridianAtTheEquatorIsTheWgs84Arc) {
  const double expected = meridian_arc_m(0, 1);
  ASSERT_NEAR(expected, 110574.39, 0.05);  // the published WGS84 figure
  EXPECT_NEAR(geodesic_distance_m({0, 0}, {1, 0}), expected, 0.001);
  EXPECT_NEAR(geodesic_distance_m({1, 0}, {0, 0}), expected, 0.001);
  EXPECT_NEAR(geodesic_distance_m({0, 12.5}, {1, 12.5}), expected, 0.001);
}

TEST(Geofence, AShortHopInACityIsMetres) {
  // 0.0001 deg of latitude at 52 deg north: the local meridian arc.
  const double expected = meridian_arc_m(52, 52.0001);
  EXPECT_NEAR(geodesic_distance_m({52, 13.4}, {52.0001, 13.4}), expected, 0.0001);
  EXPECT_EQ(geodesic_distance_m({52, 13.4}, {52, 13.4}), 0);
}

TEST(Geofence, CheckPositionAcceptsTheEdgesOfTheRange) {
  for (const Position p :
       {Position{90, 180}, Position{-90, -180}, Position{0, 0}, Position{89.9999, -179.9999}}) {
    EXPECT_TRUE(check_position(p).ok()) << p.latitude << ", " << p.longitude;
  }
}

TEST(Geofence, CheckPositionRefusesOutOfRangeAndNonFiniteWithTheField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    Position position;
    const char* field;
  };
  for (const Case c :
       {Case{{91, 0}, "latitude"}, Case{{-90.000001, 0}, "latitude"}, Case{{nan, 0}, "latitude"},
        Case{{inf, 0}, "latitude"}, Case{{0, 181}, "longitude"}, Case{{0, -180.5}, "longitude"},
        Case{{0, nan}, "longitude"}, Case{{0, -inf}, "longitude"}}) {
    const auto checked = check_position(c.position);
    ASSERT_FALSE(checked.ok()) << c.position.latitude << ", " << c.position.longitude;
    EXPECT_EQ(checked.error().code, "invalid_field");
    EXPECT_EQ(checked.error().field, c.field);
    EXPECT_NE(checked.error().message.find(c.field), std::string::npos) << checked.error().message;
  }
  // Both wrong: latitude is named first.
  EXPECT_EQ(check_position({nan, nan}).error().field, "latitude");
}

TEST(Geofence, CheckPositionNamesTheFieldWithItsPrefix) {
  const auto checked = check_position({0, 181}, "teacher_");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().field, "teacher_longitude");
}

}  // namespace
}  // namespace rollcall::domain
