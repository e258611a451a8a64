// src/domain/session_photos.cc
//
// Sessions: class photos. Each photo is decoded and analysed outside any
// transaction, recognised against ONLY the students of the session's
// class, drawn on, and stored with every face in one transaction.
#include <algorithm>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/detail/session_rules.h"
#include "domain/sessions.h"
#include "domain/templates.h"
#include "domain/views.h"
#include "face/annotate.h"
#include "face/decode.h"
#include "face/recognition.h"

namespace rollcall::domain {
namespace {

std::string label_of(const face::FaceMatch& match, const face::AnalyzedFace& face,
                     const std::map<StudentId, store::Student>& students) {
  if (match.status == face::MatchStatus::low_quality) {
    return face.issues.empty() ? "low quality" : face.issues.front().code;
  }
  if (!match.student) return "unknown";
  auto it = students.find(*match.student);
  const std::string name = it == students.end() ? "?" : it->second.name;
  return match.status == face::MatchStatus::borderline ? name + "?" : name;
}

// At most 255 bytes (a file name's usual limit), cut at a UTF-8 character
// boundary: the name is the client's, stored only to be shown back.
std::string stored_filename(const std::string& name) {
  constexpr std::size_t kMaxBytes = 255;
  if (name.size() <= kMaxBytes) return name;
  std::size_t end = kMaxBytes;
  while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
  return name.substr(0, end);
}

nlohmann::json photo_json(const store::ClassPhoto& photo, SessionId session,
                          const std::vector<store::PhotoFace>& faces,
                          const std::map<StudentId, store::Student>& students) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& face : faces) list.push_back(detail::face_json(face, students));
  const std::string base =
      "/api/v1/sessions/" + std::to_string(session.value) + "/photos/" + std::to_string(photo.id);
  return {{"id", photo.id},
          {"session_id", photo.session.value},
          {"filename", photo.filename},
          {"content_type", photo.content_type},
          {"width", photo.width},
          {"height", photo.height},
          {"processing_ms", photo.processing_ms},
          {"created_at", format_iso8601(photo.created_ms)},
          {"annotated_url", base + "/annotated.jpg"},
          {"image_url", base + "/image"},
          {"faces", list}};
}

// Every photo's count, bytes and pixels before any is decoded or stored:
// a request either fits or is refused whole, cheaply.
Result<void> check_uploads(const std::vector<Upload>& uploads, const SessionOptions& options) {
  const auto limit = static_cast<std::size_t>(std::max(1, options.max_photos_per_upload));
  if (uploads.size() > limit) {
    return field_error("too_many_photos_in_upload", "photos",
                       "this request has " + std::to_string(uploads.size()) +
                           " photos; send at most " + std::to_string(limit) +
                           " at a time (max_photos_per_upload)");
  }
  for (const auto& upload : uploads) {
    const std::string name = "\"" + stored_filename(upload.filename).substr(0, 40) + "\"";
    if (upload.bytes.size() > options.limits.max_bytes) {
      return field_error("image_too_large", "photos",
                         "photo " + name + " is " + std::to_string(upload.bytes.size()) +
                             " bytes; a class photo may have at most " +
                             std::to_string(options.limits.max_bytes));
    }
    auto header = face::read_image_header(upload.bytes);
    if (!header) {
      Error error = header.error();
      error.message = "photo " + name + ": " + error.message;
      error.field = "photos";
      return error;
    }
    const auto pixels = std::uint64_t(header->width) * std::uint64_t(header->height);
    if (pixels > options.limits.max_pixels) {
      return field_error("image_too_many_pixels", "photos",
                         "photo " + name + " is " + std::to_string(header->width) + "x" +
                             std::to_string(header->height) + " (" + std::to_string(pixels) +
                             " pixels); a class photo may have at most " +
                             std::to_string(options.limits.max_pixels) +
                             " pixels (max_class_photo_pixels): resize it before sending");
    }
  }
  return {};
}

}  // namespace

Result<std::vector<ProcessedPhoto>> Sessions::add_photos(const Principal& who, SessionId id,
                                                         const std::vector<Upload>& uploads) {
  if (uploads.empty()) {
    return field_error("no_photos", "photos", "send 1 or more photos in the form field \"photos\"");
  }
  ROLLCALL_TRY(check_uploads(uploads, options_));
  struct Candidates {
    store::Session session;
    std::map<StudentId, store::Student> students;
    std::vector<store::StoredEmbedding> embeddings;
  };
  if (!engine_) {
    // Role and lock checks first, so a forbidden caller learns nothing more.
    auto checked = store_.read_value<store::Session>(
        [&](store::Tx& tx) { return detail::session_for_change(tx, who, id); });
    if (!checked) return checked.error();
    return make_error("models_not_ready",
                      "the face models are not loaded; run `rollcall models fetch` and restart");
  }
  auto candidates = store_.read_value<Candidates>([&](store::Tx& tx) -> Result<Candidates> {
    Candidates c;
    auto session = detail::session_for_change(tx, who, id);
    if (!session) return session.error();
    c.session = *session;
    auto students = detail::class_students(tx, session->class_id);
    if (!students) return students.error();
    c.students = std::move(*students);
    auto embeddings = tx.list_class_embeddings(session->class_id, engine_->model_id());
    if (!embeddings) return embeddings.error();
    c.embeddings = std::move(*embeddings);
    return c;
  });
  if (!candidates) return candidates.error();
  face::Gallery gallery;
  fill_gallery(gallery, build_templates(candidates->embeddings));

  std::vector<ProcessedPhoto> out;
  for (const auto& upload : uploads) {
    ProcessedPhoto processed;
    processed.filename = upload.filename;
    Stopwatch total;
    Stopwatch clock;
    auto bgr = face::decode_image(upload.bytes, options_.limits);
    if (!bgr) return bgr.error();
    processed.timings.decode_ms = clock.elapsed_ms();
    auto analysis = engine_->analyze(*bgr, face::QualityPolicy::recognition());
    if (!analysis) return analysis.error();
    processed.timings.detect_ms = analysis->timings.detect_ms;
    processed.timings.embed_ms = analysis->timings.embed_ms;
    clock.restart();
    const auto matches = face::recognise(*analysis, gallery, face::MatchPolicy{});
    processed.timings.match_ms = clock.elapsed_ms();

    std::vector<face::FaceLabel> labels;
    for (std::size_t i = 0; i < matches.size(); ++i) {
      labels.push_back({analysis->faces[i].detection.box,
                        label_of(matches[i], analysis->faces[i], candidates->students),
                        matches[i].status});
    }
    auto annotated = face::encode_jpeg(face::annotate(*bgr, labels), 85);
    if (!annotated) return annotated.error();

    store::ClassPhoto photo;
    photo.session = id;
    photo.content_type = face::media_type_of(upload.bytes);
    const auto retention = options_.runtime ? options_.runtime->retention() : options_.retention;
    if (retention == Retention::keep_photos) {
      photo.bytes.assign(upload.bytes.begin(), upload.bytes.end());
    }
    photo.width = bgr->cols;
    photo.height = bgr->rows;
    photo.annotated = std::move(*annotated);
    photo.uploaded_by = who.user;
    photo.created_ms = unix_ms_now();
    photo.filename = stored_filename(upload.filename);
    processed.timings.total_ms = total.elapsed_ms();
    photo.processing_ms = processed.timings.total_ms;

    std::vector<store::PhotoFace> faces;
    for (std::size_t i = 0; i < matches.size(); ++i) {
      const auto& analysed = analysis->faces[i];
      const auto& match = matches[i];
      store::PhotoFace face;
      face.face_index = static_cast<int>(i);
      face.x = analysed.detection.box.x;
      face.y = analysed.detection.box.y;
      face.w = analysed.detection.box.width;
      face.h = analysed.detection.box.height;
      nlohmann::json landmarks = nlohmann::json::array();
      for (const auto& p : analysed.detection.landmarks) landmarks.push_back({p.x, p.y});
      face.landmarks_json = landmarks.dump();
      face.detector_score = analysed.detection.score;
      nlohmann::json issues = nlohmann::json::array();
      for (const auto& issue : analysed.issues) {
        issues.push_back({{"code", issue.code}, {"message", issue.message}});
      }
      face.quality_json =
          nlohmann::json{{"measures", to_json(analysed.quality)}, {"issues", issues}}.dump();
      face.status = face::to_string(match.status);
      face.student = match.student;
      face.similarity = match.similarity;
      face.runner_up = match.runner_up;
      if (match.runner_up) face.runner_up_similarity = match.runner_up_similarity;
      face.margin = match.margin;
      faces.push_back(std::move(face));
    }

    auto stored = store_.write([&](store::Tx& tx) -> Result<void> {
      ROLLCALL_TRY(detail::session_for_change(tx, who, id));  // still there, still unlocked
      auto photo_id = tx.insert_class_photo(photo);
      if (!photo_id) return photo_id.error();
      photo.id = *photo_id;
      for (auto& face : faces) {
        face.class_photo = photo.id;
        auto face_id = tx.insert_photo_face(face);
        if (!face_id) return face_id.error();
        face.id = *face_id;
      }
      int matched = 0;
      for (const auto& face : faces) matched += face.status == "matched" ? 1 : 0;
      return audit(tx, &who, "session.photo.add", "session", id.value, nullptr,
                   {{"photo_id", photo.id},
                    {"faces", faces.size()},
                    {"matched", matched},
                    {"model_id", engine_->model_id()}});
    });
    if (!stored) return stored.error();
    processed.photo = photo_json(photo, id, faces, candidates->students);
    out.push_back(std::move(processed));
  }
  return out;
}

Result<nlohmann::json> Sessions::photo(const Principal& who, SessionId id, std::int64_t photo_id) {
  return store_.read_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
    if (who.role == store::Role::student) return forbidden("see class photos");
    auto session = detail::session_for_read(tx, who, id);
    if (!session) return session.error();
    auto photo = tx.find_class_photo(photo_id, false);
    if (!photo) return photo.error();
    if (!*photo || (*photo)->session != id) {
      return make_error("photo_not_found", "session " + std::to_string(id.value) +
                                               " has no photo " + std::to_string(photo_id));
    }
    auto students = detail::class_students(tx, session->class_id);
    if (!students) return students.error();
    auto faces = tx.list_photo_faces(photo_id);
    if (!faces) return faces.error();
    return photo_json(**photo, id, *faces, *students);
  });
}

Result<nlohmann::json> Sessions::photos(const Principal& who, SessionId id) {
  return store_.read_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
    if (who.role == store::Role::student) return forbidden("see class photos");
    auto session = detail::session_for_read(tx, who, id);
    if (!session) return session.error();
    auto photos = tx.list_class_photos(id);
    if (!photos) return photos.error();
    auto students = detail::class_students(tx, session->class_id);
    if (!students) return students.error();
    // One query for every face of the session rather than one per photo.
    auto faces = tx.list_session_faces(id);
    if (!faces) return faces.error();
    std::map<std::int64_t, std::vector<store::PhotoFace>> by_photo;
    for (auto& face : *faces) by_photo[face.class_photo].push_back(std::move(face));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& photo : *photos) {
      items.push_back(photo_json(photo, id, by_photo[photo.id], *students));
    }
    return nlohmann::json{{"items", items}};
  });
}

Result<store::ClassPhoto> Sessions::photo_image(const Principal& who, SessionId id,
                                                std::int64_t photo_id, bool annotated) {
  return store_.read_value<store::ClassPhoto>([&](store::Tx& tx) -> Result<store::ClassPhoto> {
    if (who.role == store::Role::student) return forbidden("see class photos");
    ROLLCALL_TRY(detail::session_for_read(tx, who, id));
    auto photo = tx.find_class_photo(photo_id, true);
    if (!photo) return photo.error();
    if (!*photo || (*photo)->session != id) {
      return make_error("photo_not_found", "session " + std::to_string(id.value) +
                                               " has no photo " + std::to_string(photo_id));
    }
    store::ClassPhoto out = std::move(**photo);
    if (annotated) {
      out.bytes = std::move(out.annotated);
      out.content_type = "image/jpeg";
    } else if (out.bytes.empty()) {
      return make_error("photo_not_kept",
                        "this photo was not kept (retention: embeddings only); its annotated "
                        "copy and faces remain");
    }
    out.annotated.clear();
    return out;
  });
}

}  // namespace rollcall::domain
