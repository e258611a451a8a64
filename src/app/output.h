// src/app/output.h
//
// How commands print: JSON (--json) for programs, aligned text for people;
// errors always as `error: <code>: <message>` on stderr.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/views.h"
#include "face/face.h"

namespace rollcall::app {

// Exit status for a failed command: 1 for bad input, 2 for set-up
// problems (models missing) so scripts can tell them apart.
int report_error(const Error& error);

void print_json(const nlohmann::json& value);

// The JSON of faces and records is the API's (domain/views.h).
using domain::to_json;

// "%.3f", for text output.
std::string fixed(double value, int decimals = 3);

}  // namespace rollcall::app
