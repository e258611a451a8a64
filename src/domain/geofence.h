// src/domain/geofence.h
//
// Geofence: whether a student's reported position is inside the circle a
// teacher drew, by the geodesic distance on the WGS84 ellipsoid
// (GeographicLib's Karney algorithm: exact to nanometres, and right across
// the antimeridian and near the poles where planar shortcuts fail).
// Thread safety: pure functions.
#pragma once

#include "base/result.h"

namespace rollcall::domain {

struct Position {
  double latitude = 0;   // degrees, [-90, 90]
  double longitude = 0;  // degrees, [-180, 180]
};

// Errors: invalid_field naming `field_prefix` + "latitude"/"longitude".
Result<void> check_position(const Position& position, const char* field_prefix = "");

// Metres along the ellipsoid between two valid positions.
double geodesic_distance_m(const Position& a, const Position& b);

}  // namespace rollcall::domain
