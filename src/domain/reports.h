// src/domain/reports.h
//
// Reports: attendance per session, per class and date range, per
// student; CSV and XLSX exports.
// Being built for issue 5: the class is the seam the server is wired to.
#pragma once

#include "store/store.h"

namespace rollcall::domain {

class Reports {
 public:
  explicit Reports(store::Store& store) : store_(store) {}

 private:
  store::Store& store_;
};

}  // namespace rollcall::domain
