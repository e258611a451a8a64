// src/domain/sessions.h
//
// Sessions: teaching sessions of a class and subject, and class-photo
// attendance (photos, recognition, review, saving).
// Being built for issue 5: the class is the seam the server is wired to.
#pragma once

#include "face/engine.h"
#include "store/store.h"

namespace rollcall::domain {

class Sessions {
 public:
  Sessions(store::Store& store, face::Engine* engine) : store_(store), engine_(engine) {}

 private:
  store::Store& store_;
  face::Engine* engine_;  // null when the models are not loaded
};

}  // namespace rollcall::domain
