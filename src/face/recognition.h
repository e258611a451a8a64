// src/face/recognition.h
//
// Recognition: the class-photo step after analysis, every analysed face
// against a gallery of candidates, assigned one-to-one.
// Thread safety: pure function over its arguments (the gallery locks).
#pragma once

#include <vector>

#include "face/assignment.h"
#include "face/engine.h"
#include "face/gallery.h"

namespace rollcall::face {

// One FaceMatch per analysis.faces entry, in the same order. Faces that
// failed the quality gate come back low_quality, never guessed.
std::vector<FaceMatch> recognise(const Analysis& analysis, const Gallery& candidates,
                                 const MatchPolicy& policy);

}  // namespace rollcall::face
