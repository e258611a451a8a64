// src/domain/templates.h
//
// Student templates from stored embeddings: each student's embeddings of
// one model combined by quality weight (face::make_template). Templates
// are derived, never stored, so adding or removing a photo "rebuilds" the
// template by definition and a model change cannot leave a stale one.
// Thread safety: pure functions.
#pragma once

#include <map>
#include <vector>

#include "face/face_template.h"
#include "face/gallery.h"
#include "store/records.h"

namespace rollcall::domain {

// Requires: `embeddings` all of one model. Students whose embeddings do not
// combine (more than kMaxTemplatePhotos) use their best-weighted five.
std::map<StudentId, face::FaceTemplate> build_templates(
    const std::vector<store::StoredEmbedding>& embeddings);

// The templates as a searchable gallery.
void fill_gallery(face::Gallery& gallery, const std::map<StudentId, face::FaceTemplate>& templates);

}  // namespace rollcall::domain
