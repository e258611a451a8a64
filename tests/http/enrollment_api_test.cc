// tests/http/enrollment_api_test.cc
//
// Enrollment photos over HTTP with real photos: what is accepted, each
// reason a photo is refused, the photo limit, the duplicate flag, and the
// photos' lifecycle (list, image bytes, delete, erased with the student).
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>

#include "server_harness.h"
#include "test_support.h"

namespace rollcall::http_testing {
namespace {

Part photo_part(const std::string& relative) {
  const auto path = data_path(relative);
  const auto extension = path.extension().string();
  return {"photos", path.filename().string(), file_bytes(path),
          extension == ".png" ? "image/png" : "image/jpeg"};
}

// A real photo changed by `edit` and encoded as JPEG (quality 95).
Part edited_part(const std::string& relative, const std::function<cv::Mat(const cv::Mat&)>& edit) {
  const cv::Mat original = cv::imread(data_path(relative).string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(original.empty()) << relative;
  std::vector<std::uint8_t> encoded;
  cv::imencode(".jpg", edit(original), encoded, {cv::IMWRITE_JPEG_QUALITY, 95});
  return {"photos", "edited.jpg", std::string(encoded.begin(), encoded.end()), "image/jpeg"};
}

// The best-scored face YuNet finds in `image` (the models in ../shared).
cv::Rect best_face_box(const cv::Mat& image) {
  auto detector = cv::FaceDetectorYN::create(
      (rollcall::testing::models_dir() / "face_detection_yunet_2022mar.onnx").string(), "",
      image.size(), 0.6f);
  cv::Mat faces;
  detector->detect(image, faces);
  EXPECT_GT(faces.rows, 0);
  if (faces.rows == 0) return {0, 0, image.cols, image.rows};
  int best = 0;
  for (int i = 1; i < faces.rows; ++i) {
    if (faces.at<float>(i, 14) > faces.at<float>(best, 14)) best = i;
  }
  return {static_cast<int>(faces.at<float>(best, 0)), static_cast<int>(faces.at<float>(best, 1)),
          static_cast<int>(faces.at<float>(best, 2)), static_cast<int>(faces.at<float>(best, 3))};
}

class EnrollmentApi : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    group_ = create_class();
    student_ = create_student(group_["id"]);
  }

  std::string photos_path(const nlohmann::json& student) {
    return "/api/v1/students/" + std::to_string(student["id"].get<std::int64_t>()) + "/photos";
  }

  Response enroll(const std::vector<Part>& parts, const nlohmann::json& student = nullptr) {
    return api().post_multipart(photos_path(student.is_null() ? student_ : student), parts,
                                admin_token());
  }

  // The rejection code of a single photo sent alone, expecting 422.
  std::string rejection_of(const Part& part) {
    const auto reply = enroll({part});
    EXPECT_EQ(reply.status, 422) << reply;
    const auto body = reply.json();
    if (!body.contains("photos") || body["photos"].empty())
      return "(no photo outcome) " + reply.body;
    EXPECT_EQ(body["photos"][0]["accepted"], false);
    EXPECT_EQ(body["photo_count"], 0);
    return body["photos"][0]["reason"].value("code", "");
  }

  nlohmann::json group_, student_;
};

TEST_P(EnrollmentApi, AcceptsASinglePersonPhoto) {
  const auto reply = enroll({photo_part("identities/barack_obama/01.jpg")});
  ASSERT_EQ(reply.status, 201) << reply;
  const auto body = reply.json();
  EXPECT_EQ(body["accepted"], 1);
  EXPECT_EQ(body["rejected"], 0);
  EXPECT_EQ(body["photo_count"], 1);
  EXPECT_EQ(body["photos"][0]["accepted"], true);
  EXPECT_TRUE(body["photos"][0].contains("photo"));
  EXPECT_FALSE(body.value("model_id", "").empty());
}

TEST_P(EnrollmentApi, RejectsAGroupPhotoWithSeveralFaces) {
  EXPECT_EQ(rejection_of(photo_part("groups/bbt1.jpg")), "several_faces");
}

TEST_P(EnrollmentApi, RejectsAPhotoWithoutAFaceWithNoFace) {
  // The sky-and-floor corner of a real class photo: no face in it.
  const auto part = edited_part("groups/class_54.jpg", [](const cv::Mat& image) {
    return image(cv::Rect(0, 0, 120, 40)).clone();
  });
  EXPECT_EQ(rejection_of(part), "no_face");
}

TEST_P(EnrollmentApi, RejectsAPhotoOfDogsAsNoHumanFace) {
  // The detector takes the dogs' faces for faces, confidently (see
  // tests/face/human_check_test.cc): not "several faces" but no person.
  EXPECT_EQ(rejection_of(photo_part("negatives/dogs.jpg")), "no_human_face");
}

TEST_P(EnrollmentApi, RejectsOneDogCutFromThePhotoAsNoHumanFace) {
  // The photo that was once accepted as a student: the best-scored dog's
  // face (0.98 to the detector), cut out with a margin around it.
  const auto part = edited_part("negatives/dogs.jpg", [](const cv::Mat& image) {
    const cv::Rect box = best_face_box(image);
    const cv::Rect around(box.x - box.width * 6 / 10, box.y - box.height * 6 / 10,
                          box.width * 22 / 10, box.height * 22 / 10);
    return image(around & cv::Rect(0, 0, image.cols, image.rows)).clone();
  });
  const auto reply = enroll({part});
  EXPECT_EQ(reply.status, 422) << reply;
  const auto reason = reply.json()["photos"][0]["reason"];
  EXPECT_EQ(reason["code"], "no_human_face") << reply;
  EXPECT_NE(reason.value("message", "").find("does not look like a person"), std::string::npos);
}

TEST_P(EnrollmentApi, RejectsATinyFaceWithFaceTooSmall) {
  // A 150 px face chip shrunk to 60 px puts the eyes ~20 px apart; the
  // enrollment policy needs 24 (src/face/quality.cc). Padded onto a grey
  // canvas so the detector still sees a whole face.
  const auto part = edited_part("identities/sheldon/01.png", [](const cv::Mat& image) {
    cv::Mat small;
    cv::resize(image, small, {60, 60}, 0, 0, cv::INTER_AREA);
    cv::Mat canvas(160, 160, image.type(), cv::Scalar::all(128));
    small.copyTo(canvas(cv::Rect(50, 50, 60, 60)));
    return canvas;
  });
  EXPECT_EQ(rejection_of(part), "face_too_small");
}

TEST_P(EnrollmentApi, RejectsABlurredFaceWithFaceBlurred) {
  const auto part = edited_part("identities/barack_obama/01.jpg", [](const cv::Mat& image) {
    cv::Mat blurred;
    cv::GaussianBlur(image, blurred, {0, 0}, 9);
    return blurred;
  });
  EXPECT_EQ(rejection_of(part), "face_blurred");
}

TEST_P(EnrollmentApi, RejectsACutOffJpegWithImageTruncated) {
  auto part = photo_part("identities/barack_obama/01.jpg");
  part.content.resize(600);  // a JPEG header and nothing after
  EXPECT_EQ(rejection_of(part), "image_truncated");
}

TEST_P(EnrollmentApi, RejectsGarbageAfterAJpegSignatureWithImageCorrupt) {
  std::string bytes = "\xFF\xD8\xFF\xE0";
  for (int i = 0; i < 4000; ++i) bytes.push_back(static_cast<char>((i * 7919) % 251));
  bytes += "\xFF\xD9";
  EXPECT_EQ(rejection_of({"photos", "garbage.jpg", bytes, "image/jpeg"}), "image_corrupt");
}

TEST_P(EnrollmentApi, RejectsATextFileWithImageUnsupportedType) {
  const Part text{"photos", "notes.txt", "these are not the pixels you are looking for\n",
                  "text/plain"};
  EXPECT_EQ(rejection_of(text), "image_unsupported_type");
}

TEST_P(EnrollmentApi, RefusesMoreThanFivePhotosWith409TooManyPhotos) {
  std::vector<Part> parts;
  for (int i = 0; i < 6; ++i)
    parts.push_back(photo_part("identities/amy/0" + std::to_string(1 + i % 5) + ".png"));
  const auto reply = enroll(parts);
  EXPECT_EQ(reply.status, 409) << reply;
  EXPECT_EQ(reply.error_code(), "too_many_photos");
}

TEST_P(EnrollmentApi, RefusesARequestWithoutPhotos) {
  // A form with a text field and no file part.
  const auto reply = api().post_multipart(photos_path(student_),
                                          {{"note", "", "no photos today", ""}}, admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "no_photos");
}

TEST_P(EnrollmentApi, RefusesJsonInsteadOfMultipartWith415) {
  const auto reply = api().post(photos_path(student_), {{"photos", "x"}}, admin_token());
  EXPECT_EQ(reply.status, 415) << reply;
  EXPECT_EQ(reply.error_code(), "unsupported_media_type");
}

TEST_P(EnrollmentApi, RefusesAClassmatesFaceAndNamesThem) {
  ASSERT_EQ(enroll({photo_part("identities/barack_obama/01.jpg")}).status, 201);
  const auto twin = create_student(group_["id"]);
  const auto reply = enroll({photo_part("identities/barack_obama/02.jpg")}, twin);
  ASSERT_EQ(reply.status, 422) << reply;
  const auto outcome = reply.json()["photos"][0];
  EXPECT_EQ(outcome["reason"]["code"], "looks_like_classmate") << reply;
  EXPECT_NE(outcome["reason"].value("message", "").find(student_.value("name", "?")),
            std::string::npos)
      << outcome;
  ASSERT_TRUE(outcome.contains("possible_duplicate")) << reply;
  EXPECT_EQ(outcome["possible_duplicate"]["student_id"], student_["id"]);
  EXPECT_GE(outcome["possible_duplicate"]["similarity"].get<double>(), 0.6);
  EXPECT_EQ(api().get(photos_path(twin), admin_token()).json()["total"], 0);
}

TEST_P(EnrollmentApi, AnAdminMayAcceptALookAlikeWhichStaysFlaggedAndAudited) {
  ASSERT_EQ(enroll({photo_part("identities/barack_obama/01.jpg")}).status, 201);
  const auto twin = create_student(group_["id"]);
  auto parts = std::vector<Part>{photo_part("identities/barack_obama/02.jpg"),
                                 {"allow_lookalike", "", "true", ""}};
  // A teacher may not overrule it.
  const auto teacher = create_teacher();
  const auto teacher_token = api().login(teacher["username"], teacher["password"]);
  const auto refused = api().post_multipart(photos_path(twin), parts, teacher_token);
  EXPECT_EQ(refused.status, 403) << refused;
  const auto reply = api().post_multipart(photos_path(twin), parts, admin_token());
  ASSERT_EQ(reply.status, 201) << reply;
  const auto photos = api().get(photos_path(twin), admin_token()).json();
  ASSERT_EQ(photos["total"], 1);
  const auto flag = photos["items"][0]["looks_like"];
  ASSERT_TRUE(flag.is_object()) << photos;
  EXPECT_EQ(flag["student_id"], student_["id"]);
  EXPECT_GE(flag["similarity"].get<double>(), 0.6);
  const auto audit = api().get("/api/v1/audit?entity=student&limit=100", admin_token());
  ASSERT_EQ(audit.status, 200) << audit;
  EXPECT_NE(audit.body.find("student.photo_allow_lookalike"), std::string::npos) << audit;
}

TEST_P(EnrollmentApi, RefusesAnotherPersonsPhotoIntoAStudentsRecord) {
  ASSERT_EQ(
      enroll({photo_part("identities/amy/01.png"), photo_part("identities/amy/02.png")}).status,
      201);
  // Penny is not in the class: only the student's own photos can tell.
  const auto reply = enroll({photo_part("identities/penny/01.png")});
  ASSERT_EQ(reply.status, 422) << reply;
  const auto reason = reply.json()["photos"][0]["reason"];
  EXPECT_EQ(reason["code"], "not_the_same_person") << reply;
  EXPECT_NE(reason.value("message", "").find("similarity"), std::string::npos) << reason;
  // Her own third photo is still welcome.
  EXPECT_EQ(enroll({photo_part("identities/amy/03.png")}).status, 201);
}

TEST_P(EnrollmentApi, RefusesAFirstUploadMixingTwoPeople) {
  const auto reply =
      enroll({photo_part("identities/amy/01.png"), photo_part("identities/amy/02.png"),
              photo_part("identities/sheldon/01.png")});
  ASSERT_EQ(reply.status, 201) << reply;
  const auto body = reply.json();
  EXPECT_EQ(body["accepted"], 2) << body;
  EXPECT_EQ(body["photos"][2]["reason"]["code"], "not_the_same_person") << body;
  const auto pair = create_student(group_["id"]);
  const auto two =
      enroll({photo_part("identities/amy/01.png"), photo_part("identities/sheldon/01.png")}, pair);
  ASSERT_EQ(two.status, 422) << two;
  EXPECT_EQ(two.json()["photos"][0]["reason"]["code"], "not_the_same_person");
  EXPECT_EQ(two.json()["photos"][1]["reason"]["code"], "not_the_same_person");
}

TEST_P(EnrollmentApi, EveryPersonsOwnPhotosAreAcceptedOneAfterAnother) {
  // No false "not the same person" on the data set: each of the 23 people
  // enrolled one photo at a time, in order, as a teacher would.
  for (const auto& person : fs::directory_iterator(data_path("identities"))) {
    const auto student = create_student(create_class()["id"]);
    std::vector<fs::path> files;
    for (const auto& file : fs::directory_iterator(person.path())) files.push_back(file.path());
    std::sort(files.begin(), files.end());
    if (files.size() > 5) files.resize(5);  // a student has at most 5 photos
    for (const auto& file : files) {
      const auto relative =
          "identities/" + person.path().filename().string() + "/" + file.filename().string();
      const auto reply = enroll({photo_part(relative)}, student);
      if (reply.status == 201) continue;
      // Photos the quality gate refuses (a turned face) are not this test's.
      ASSERT_EQ(reply.status, 422) << relative << ": " << reply;
      const auto code = reply.json()["photos"][0]["reason"].value("code", "");
      EXPECT_TRUE(code != "not_the_same_person" && code != "looks_like_classmate" &&
                  code != "no_human_face")
          << relative << ": " << reply;
    }
  }
}

TEST_P(EnrollmentApi, DoesNotFlagADifferentPerson) {
  ASSERT_EQ(enroll({photo_part("identities/barack_obama/01.jpg")}).status, 201);
  const auto other = create_student(group_["id"]);
  const auto reply = enroll({photo_part("identities/joe_biden/01.jpg")}, other);
  ASSERT_EQ(reply.status, 201) << reply;
  EXPECT_FALSE(reply.json()["photos"][0].contains("possible_duplicate")) << reply;
}

TEST_P(EnrollmentApi, ListsServesAndDeletesPhotos) {
  const auto part = photo_part("identities/amy/01.png");
  ASSERT_EQ(enroll({part, photo_part("identities/amy/02.png")}).status, 201);
  const auto list = api().get(photos_path(student_), admin_token());
  ASSERT_EQ(list.status, 200) << list;
  ASSERT_EQ(list.json()["total"], 2) << list;
  const auto photo_id = std::to_string(list.json()["items"][0]["id"].get<std::int64_t>());
  const auto image = api().get(photos_path(student_) + "/" + photo_id + "/image", admin_token());
  ASSERT_EQ(image.status, 200) << image.status;
  EXPECT_TRUE(image.header("Content-Type").starts_with("image/")) << image.header("Content-Type");
  EXPECT_GT(image.body.size(), 1000u);
  ASSERT_EQ(api().del(photos_path(student_) + "/" + photo_id, admin_token()).status, 204);
  EXPECT_EQ(api().get(photos_path(student_), admin_token()).json()["total"], 1);
  const auto gone = api().get(photos_path(student_) + "/" + photo_id + "/image", admin_token());
  EXPECT_EQ(gone.status, 404) << gone;
  EXPECT_EQ(gone.error_code(), "photo_not_found");
}

TEST_P(EnrollmentApi, DeletingTheStudentErasesTheirPhotos) {
  ASSERT_EQ(enroll({photo_part("identities/amy/01.png")}).status, 201);
  const auto list = api().get(photos_path(student_), admin_token());
  const auto photo_id = std::to_string(list.json()["items"][0]["id"].get<std::int64_t>());
  ASSERT_EQ(api()
                .del("/api/v1/students/" + std::to_string(student_["id"].get<std::int64_t>()),
                     admin_token())
                .status,
            204);
  const auto image = api().get(photos_path(student_) + "/" + photo_id + "/image", admin_token());
  EXPECT_EQ(image.status, 404) << image;
  const auto photos = api().get(photos_path(student_), admin_token());
  EXPECT_EQ(photos.status, 404) << photos;
  EXPECT_EQ(photos.error_code(), "student_not_found");
}

TEST_P(EnrollmentApi, EnrollingForAnUnknownStudentIs404) {
  const auto reply = api().post_multipart("/api/v1/students/999999999/photos",
                                          {photo_part("identities/amy/01.png")}, admin_token());
  EXPECT_EQ(reply.status, 404) << reply;
  EXPECT_EQ(reply.error_code(), "student_not_found");
}

ROLLCALL_ON_BOTH_BACKENDS(EnrollmentApi);

}  // namespace
}  // namespace rollcall::http_testing
