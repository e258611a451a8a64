// src/app/output.cc
#include "app/output.h"

#include <cstdio>
#include <iostream>

namespace rollcall::app {

int report_error(const Error& error) {
  std::cerr << "error: " << error.code << ": " << error.message << "\n";
  return error.code == "models_not_ready" || error.code == "model_load_failed" ? 2 : 1;
}

void print_json(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace rollcall::app
