// src/face/face.h
//
// The face module: everything about faces on images already in memory.
// Owns: decoding untrusted bytes (decode.h), detection (detector.h),
// alignment (align.h), quality (quality.h), embedding (embedder.h),
// templates (face_template.h), search (gallery.h), one-to-one assignment
// and verification (assignment.h), drawing (annotate.h), and the pipeline
// that ties them together (engine.h, recognition.h).
// Leaves to others: files, network, databases, who a student is.
// Depends on: base and OpenCV (plus libwebp for headers, dlib's header-only
// Hungarian solver). Never includes store, domain, http or app.
// Thread safety: Engine and Gallery are safe to share between threads;
// Detector and Embedder are per-thread; the rest are pure functions.
#pragma once

#include "face/align.h"
#include "face/annotate.h"
#include "face/assignment.h"
#include "face/decode.h"
#include "face/detector.h"
#include "face/embedder.h"
#include "face/engine.h"
#include "face/face_template.h"
#include "face/gallery.h"
#include "face/quality.h"
#include "face/recognition.h"
#include "face/types.h"
