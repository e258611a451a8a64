// src/domain/geofence.cc
#include "domain/geofence.h"

#include <cmath>
#include <string>

#include <GeographicLib/Geodesic.hpp>

namespace rollcall::domain {

Result<void> check_position(const Position& position, const char* field_prefix) {
  const std::string prefix = field_prefix;
  if (!std::isfinite(position.latitude) || std::abs(position.latitude) > 90) {
    return field_error("invalid_field", prefix + "latitude",
                       prefix + "latitude must be a number of degrees in [-90, 90]");
  }
  if (!std::isfinite(position.longitude) || std::abs(position.longitude) > 180) {
    return field_error("invalid_field", prefix + "longitude",
                       prefix + "longitude must be a number of degrees in [-180, 180]");
  }
  return {};
}

double geodesic_distance_m(const Position& a, const Position& b) {
  double metres = 0;
  GeographicLib::Geodesic::WGS84().Inverse(a.latitude, a.longitude, b.latitude, b.longitude,
                                           metres);
  return metres;
}

}  // namespace rollcall::domain
