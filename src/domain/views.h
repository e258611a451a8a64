// src/domain/views.h
//
// The JSON shape of each record, as the API returns it and as the audit
// log stores it (so the audit's before/after read like API responses).
// Secrets (password hashes, photo bytes, raw vectors) never appear.
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "face/engine.h"
#include "store/records.h"

namespace rollcall::domain {

nlohmann::json to_json(const store::User& user);
nlohmann::json to_json(const store::Teacher& teacher);
nlohmann::json to_json(const store::ClassGroup& group);
nlohmann::json to_json(const store::Subject& subject);
nlohmann::json to_json(const store::Assignment& assignment);
nlohmann::json to_json(const store::Student& student);
// With photo_count, its accepted enrollment photos (as the students list shows it).
nlohmann::json to_json(const store::Student& student, std::int64_t photo_count);
nlohmann::json to_json(const store::EnrollmentPhoto& photo);
nlohmann::json to_json(const store::AuditEntry& entry);
nlohmann::json to_json(const store::Job& job);

nlohmann::json to_json(const face::Detection& detection);
nlohmann::json to_json(const face::QualityMeasures& quality);
nlohmann::json to_json(const std::vector<face::QualityIssue>& issues);

}  // namespace rollcall::domain
