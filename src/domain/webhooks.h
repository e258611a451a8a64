// src/domain/webhooks.h
//
// Webhooks: outbound webhook endpoints and the durable outbox of events
// to deliver to them.
// Being built for issue 5: the class is the seam the server is wired to.
#pragma once

#include "store/store.h"

namespace rollcall::domain {

class Webhooks {
 public:
  explicit Webhooks(store::Store& store) : store_(store) {}

 private:
  store::Store& store_;
};

}  // namespace rollcall::domain
