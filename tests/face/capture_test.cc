// tests/face/capture_test.cc
//
// Self check-in captures on real video: clips cut from
// ../shared/data/video/hamilton_short.mp4 with the ffmpeg program at test
// time (MP4, WebM, MOV), "held-up photo" videos made from one still, and
// bad input on purpose. Frames ~90-210 show lin_manuel_miranda alone,
// frontal, talking; from ~225 a crowd.
#include "face/capture.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <opencv2/imgproc.hpp>

#include "face/anti_spoof.h"
#include "face/landmark_motion.h"
#include "test_support.h"

namespace rollcall::face {
namespace {

namespace fs = std::filesystem;
using testing::bytes_of;
using testing::engine;
using testing::image_of;

// Cosine above which the face is taken to be lin_manuel_miranda: the
// shared data README's clear-match bar (best >= 0.37).
constexpr float kSamePerson = 0.37f;

const std::string kClip = "video/hamilton_short.mp4";
const std::string kLinPhoto = "identities/lin_manuel_miranda/01.png";

// A private directory for one test's clips, removed afterwards.
class Scratch {
 public:
  Scratch() {
    std::string name = (fs::temp_directory_path() / "rollcall-capture-test-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    dir_ = name;
  }
  ~Scratch() { fs::remove_all(dir_); }
  fs::path operator/(const std::string& name) const { return dir_ / name; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// Runs ffmpeg quietly; `args` must name the output file last.
void ffmpeg(const std::string& args) {
  const std::string command = "ffmpeg -nostdin -v error -y " + args;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string source(const std::string& relative) {
  return "'" + testing::photo(relative).string() + "'";
}

// His template from his enrollment photo, built as enrollment builds it.
const FaceTemplate& lin_template() {
  static const FaceTemplate made = [] {
    auto face = engine().analyze_portrait(bytes_of(kLinPhoto), QualityPolicy::enrollment(), {});
    EXPECT_TRUE(face.ok());
    auto t = make_template({{face->embedding, template_weight(face->quality)}});
    EXPECT_TRUE(t.ok());
    return *t;
  }();
  return made;
}

Result<CaptureAnalysis> analyse_video(const fs::path& path, const VideoLimits& limits = {}) {
  auto frames = sample_video(read_bytes(path), limits);
  if (!frames) return frames.error();
  return analyze_capture(engine(), *frames, CaptureKind::video, QualityPolicy::recognition());
}

// ---- Live video --------------------------------------------------------

TEST(Capture, TheLiveClipShowsLinManuelMirandaAndPassesLiveness) {
  Scratch scratch;
  ffmpeg("-ss 3 -t 4 -i " + source(kClip) + " -an " + (scratch / "live.mp4").string());
  const auto capture = analyse_video(scratch / "live.mp4");
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  EXPECT_EQ(capture->frames.size(), 10u);
  EXPECT_EQ(capture->frames_used, 3);
  EXPECT_GT(cosine(capture->embedding.values, lin_template().combined.values), kSamePerson);
  ASSERT_TRUE(capture->motion.has_value());
  EXPECT_GT(*capture->motion, LivenessPolicy::defaults().min_motion);
  const auto verdict = check_liveness(*capture, LivenessPolicy::defaults());
  EXPECT_TRUE(verdict.ok()) << verdict.error().message;
  std::cout << "analyze_capture of " << capture->frames.size() << " frames: " << capture->analyze_ms
            << " ms, motion " << *capture->motion << ", p(live) "
            << capture->passive_live.value_or(-1) << "\n";
}

TEST(Capture, MostFramesOfTheLiveClipMatchLinManuelMirandaAlone) {
  Scratch scratch;
  ffmpeg("-ss 3 -t 4 -i " + source(kClip) + " -an " + (scratch / "live.mp4").string());
  auto frames = sample_video(read_bytes(scratch / "live.mp4"));
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  int matched = 0;
  for (const auto& frame : *frames) {
    auto face = engine().analyze_portrait(frame, QualityPolicy::recognition());
    if (face && cosine(face->embedding.values, lin_template().combined.values) > kSamePerson) {
      ++matched;
    }
  }
  // Measured: 7 of 10 (one frame is the shot before his, two are turned
  // too far for his single enrollment photo).
  EXPECT_GE(matched, 6);
}

TEST(Capture, AFrameOfSomeoneElseIsDroppedAsADifferentFace) {
  Scratch scratch;
  ffmpeg("-ss 3.5 -t 3 -i " + source(kClip) + " -an " + (scratch / "live.mp4").string());
  auto frames = sample_video(read_bytes(scratch / "live.mp4"));
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  frames->push_back(image_of("identities/barack_obama/01.jpg"));
  const auto capture =
      analyze_capture(engine(), *frames, CaptureKind::video, QualityPolicy::recognition());
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  EXPECT_EQ(capture->frames.back().problem, "different_face");
  EXPECT_FALSE(capture->frames.back().usable);
  EXPECT_GT(cosine(capture->embedding.values, lin_template().combined.values), kSamePerson);
}

struct Container {
  std::string name;
  std::string encode;  // ffmpeg output options
};

class CaptureContainers : public ::testing::TestWithParam<Container> {};

TEST_P(CaptureContainers, ReadsTheClipInEachContainerAPhoneSends) {
  Scratch scratch;
  const fs::path out = scratch / ("live." + GetParam().name);
  ffmpeg("-ss 3 -t 4 -i " + source(kClip) + " -an " + GetParam().encode + " " + out.string());
  const auto bytes = read_bytes(out);
  EXPECT_TRUE(looks_like_video(bytes));
  auto frames = sample_video(bytes);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 10u);
  EXPECT_EQ(frames->front().cols, 640);
  EXPECT_EQ(frames->front().rows, 360);
  const auto capture =
      analyze_capture(engine(), *frames, CaptureKind::video, QualityPolicy::recognition());
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  EXPECT_GT(cosine(capture->embedding.values, lin_template().combined.values), kSamePerson);
  const auto verdict = check_liveness(*capture, LivenessPolicy::defaults());
  EXPECT_TRUE(verdict.ok()) << verdict.error().message << " motion " << capture->motion.value_or(-1)
                            << " p(live) " << capture->passive_live.value_or(-1);
}

INSTANTIATE_TEST_SUITE_P(Formats, CaptureContainers,
                         ::testing::Values(Container{"webm", "-c:v libvpx -b:v 1M"},
                                           Container{"mov", "-c:v libx264 -pix_fmt yuv420p"},
                                           // No frame count in the header: counted by decoding.
                                           Container{"mkv", "-c:v libvpx-vp9 -b:v 1M"}),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(Capture, TheCrowdAtTheEndIsSeveralFaces) {
  Scratch scratch;
  ffmpeg("-ss 7.5 -i " + source(kClip) + " -an " + (scratch / "crowd.mp4").string());
  const auto capture = analyse_video(scratch / "crowd.mp4");
  ASSERT_FALSE(capture.ok());
  EXPECT_EQ(capture.error().code, "several_faces");
}

// ---- Held-up photos ------------------------------------------------------

// A video of one still moved about as a hand would hold a photo up to the
// camera: zoom, pan and a slight rotation, 4 s at 30 fps.
void held_up_photo_video(const std::string& still, const fs::path& out) {
  ffmpeg("-loop 1 -framerate 30 -t 4 -i " + still +
         " -vf \"scale=1280:-2,zoompan=z='1.15+0.1*sin(on/9)':x='iw/2-iw/zoom/2+40*sin(on/7)':"
         "y='ih/2-ih/zoom/2+25*cos(on/11)':d=1:s=640x480:fps=30,"
         "rotate='0.06*sin(t*3)':fillcolor=gray\" -c:v libx264 -pix_fmt yuv420p " +
         out.string());
}

TEST(Capture, AMovingEnrollmentPhotoFailsLivenessOnMotion) {
  Scratch scratch;
  held_up_photo_video(source(kLinPhoto), scratch / "photo.mp4");
  const auto capture = analyse_video(scratch / "photo.mp4");
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  // The face is his (a held-up photo of the right person is the attack) ...
  EXPECT_GT(cosine(capture->embedding.values, lin_template().combined.values), kSamePerson);
  ASSERT_TRUE(capture->motion.has_value());
  EXPECT_LT(*capture->motion, LivenessPolicy::defaults().min_motion);
  // ... and the motion test refuses it.
  const auto verdict = check_liveness(*capture, LivenessPolicy::defaults());
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code, "liveness_failed");
  EXPECT_NE(verdict.error().message.find("movement"), std::string::npos);
}

TEST(Capture, AMovingFrameOfTheLiveClipFailsLivenessOnMotion) {
  Scratch scratch;
  ffmpeg("-ss 5 -i " + source(kClip) + " -frames:v 1 " + (scratch / "still.png").string());
  held_up_photo_video((scratch / "still.png").string(), scratch / "replay.mp4");
  const auto capture = analyse_video(scratch / "replay.mp4");
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  ASSERT_TRUE(capture->motion.has_value());
  EXPECT_LT(*capture->motion, LivenessPolicy::defaults().min_motion);
  EXPECT_FALSE(check_liveness(*capture, LivenessPolicy::defaults()).ok());
}

TEST(Capture, AStaticPhotoVideoFailsLiveness) {
  Scratch scratch;
  ffmpeg("-loop 1 -framerate 30 -t 4 -i " + source(kLinPhoto) +
         " -vf scale=640:-2 -c:v libx264 -pix_fmt yuv420p " + (scratch / "static.mp4").string());
  const auto capture = analyse_video(scratch / "static.mp4");
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  ASSERT_TRUE(capture->motion.has_value());
  EXPECT_LT(*capture->motion, 0.01f);  // the same pixels: only codec noise
  const auto verdict = check_liveness(*capture, LivenessPolicy::defaults());
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code, "liveness_failed");
}

// ---- Bad input -----------------------------------------------------------

TEST(Capture, CorruptVideoBytesAreVideoCorrupt) {
  // An MP4 header followed by noise: looks like a video, decodes to nothing.
  auto bytes = bytes_of(kClip);
  ASSERT_GT(bytes.size(), 4096u);
  for (std::size_t i = 64; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 131);
  const auto frames = sample_video(bytes);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_corrupt");
}

TEST(Capture, ATruncatedVideoIsVideoCorrupt) {
  // The clip's first 4 KB: the index (moov) is at the end, so nothing plays.
  auto bytes = bytes_of(kClip);
  bytes.resize(4096);
  const auto frames = sample_video(bytes);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_corrupt");
}

TEST(Capture, APhotoSentAsAVideoIsAnUnsupportedType) {
  const auto png = bytes_of(kLinPhoto);
  EXPECT_FALSE(looks_like_video(png));
  const auto frames = sample_video(png);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_unsupported_type");
}

TEST(Capture, AnIPhonePhotoIsNotTakenForAVideo) {
  // HEIF photos open with the same ftyp box as MP4; their brand tells them
  // apart. The clip's own first 12 bytes with the brand changed:
  auto bytes = bytes_of(kClip);
  EXPECT_TRUE(looks_like_video(bytes));
  std::memcpy(bytes.data() + 8, "heic", 4);
  EXPECT_FALSE(looks_like_video(bytes));
  EXPECT_EQ(sample_video(bytes).error().code, "video_unsupported_type");
}

TEST(Capture, EmptyBytesAreVideoEmpty) {
  const auto frames = sample_video({});
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_empty");
}

TEST(Capture, AVideoOverFifteenSecondsIsTooLongAndSaysHowLong) {
  Scratch scratch;
  ffmpeg("-stream_loop 1 -i " + source(kClip) + " -t 16 -an " + (scratch / "long.mp4").string());
  const auto frames = sample_video(read_bytes(scratch / "long.mp4"));
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_too_long");
  EXPECT_NE(frames.error().message.find("16.0 s long; at most 15.0 s"), std::string::npos)
      << frames.error().message;
}

TEST(Capture, AVideoOverTheByteLimitIsTooLarge) {
  const auto bytes = bytes_of(kClip);
  VideoLimits limits;
  limits.max_bytes = bytes.size() - 1;
  const auto frames = sample_video(bytes, limits);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_too_large");
  EXPECT_TRUE(sample_video(bytes, VideoLimits{}).ok());  // the default admits it
}

TEST(Capture, FramesOverThePixelLimitAreRefused) {
  VideoLimits limits;
  limits.max_pixels = 640 * 360 - 1;
  const auto frames = sample_video(bytes_of(kClip), limits);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_too_many_pixels");
}

// ---- The decode budget (issue 16, defect 9) --------------------------------

TEST(Capture, A4kHighFrameRateClipIsRefusedFromItsContainer) {
  // Black 4K at 240 frames a second: a few KB, and tens of seconds to
  // decode frame by frame. A quarter of a second says as much.
  Scratch scratch;
  ffmpeg(
      "-f lavfi -i color=black:s=3840x2160:r=240 -t 0.25 -c:v libx264 -preset ultrafast "
      "-pix_fmt yuv420p " +
      (scratch / "4k240.mp4").string());
  const auto bytes = read_bytes(scratch / "4k240.mp4");
  const auto probe = probe_video(bytes);
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_EQ(probe->width, 3840);
  EXPECT_EQ(probe->height, 2160);
  EXPECT_NEAR(probe->fps, 240, 0.5);
  const auto fits = check_video_budget(*probe);
  ASSERT_FALSE(fits.ok());
  EXPECT_EQ(fits.error().code, "video_too_many_pixels");
  EXPECT_EQ(fits.error().message,
            "this video is 3840x2160 at 240 frames a second; record a normal video of a few "
            "seconds, at most 1080p and 60 frames a second");
  // The worker refuses it too, before decoding.
  const auto started = std::chrono::steady_clock::now();
  const auto frames = sample_video(bytes);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 3.0);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.error().code, "video_too_many_pixels");
}

TEST(Capture, AFrameRateAbove60IsRefusedInWords) {
  VideoProbe probe;
  probe.width = 1280;
  probe.height = 720;
  probe.fps = 120;
  const auto fits = check_video_budget(probe);
  ASSERT_FALSE(fits.ok());
  EXPECT_EQ(fits.error().code, "video_frame_rate_too_high");
  EXPECT_EQ(fits.error().message.rfind("this video is 1280x720 at 120 frames a second; ", 0), 0u)
      << fits.error().message;
  probe.fps = 59.94;  // what phones call 60
  EXPECT_TRUE(check_video_budget(probe).ok());
}

TEST(Capture, TheSamplerDecodesNoMoreThanItsBudgetWhateverTheClipSays) {
  // 100 frames' worth of the clip's pixels: the samples come from its
  // first 100 frames (lin_manuel_miranda alone from ~90), never from the
  // crowd at the end (from ~225) that the whole clip's samples reach.
  VideoLimits limits;
  limits.max_decoded_pixels = 640ull * 360 * 100;
  auto frames = sample_video(bytes_of(kClip), limits);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 10u);
  const auto last = engine().analyze_portrait(frames->back(), QualityPolicy::recognition());
  EXPECT_TRUE(last.ok() || last.error().code != "several_faces") << last.error().message;
  VideoProbe probe;
  probe.width = 640;
  probe.height = 360;
  probe.fps = 29.97;
  probe.frame_count = 275;
  EXPECT_EQ(frames_to_decode(probe, limits), 100);
  EXPECT_EQ(frames_to_decode(probe), 275);
  // A container that says nothing is bounded all the same.
  const long unknown = frames_to_decode(VideoProbe{});
  EXPECT_GT(unknown, 250);  // 1080p's pixels (the largest allowed) for 300 frames
  EXPECT_LE(unknown, 300);
}

TEST(Capture, AVideosCostGrowsWithWhatItDecodes) {
  VideoProbe page{640, 480, 30, 120, 4};  // what the check-in page records
  EXPECT_NEAR(video_cost(page), 1.0, 1e-9);
  VideoProbe full_hd{1920, 1080, 60, 900, 15};  // the most the budget allows
  EXPECT_GT(video_cost(full_hd), 8.0);
  EXPECT_LT(video_cost(full_hd), 10.0);  // 300 frames decoded, not 900
}

TEST(Capture, LeavesNoTemporaryFileBehind) {
  Scratch scratch;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", scratch.dir().c_str(), 1);
  EXPECT_TRUE(sample_video(bytes_of(kClip)).ok());
  auto corrupt = bytes_of(kClip);
  corrupt.resize(4096);
  EXPECT_FALSE(sample_video(corrupt).ok());
  if (old) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  EXPECT_TRUE(fs::is_empty(scratch.dir()));
}

TEST(Capture, SamplesFramesSpreadOverTheWholeClip) {
  // The clip opens on alex_lacamoire in profile and ends on a crowd: frames
  // spread evenly must include both ends, so at least one frame shows
  // several faces and the first frame no usable frontal face.
  auto frames = sample_video(bytes_of(kClip));
  ASSERT_TRUE(frames.ok());
  ASSERT_EQ(frames->size(), 10u);
  const auto last = engine().analyze_portrait(frames->back(), QualityPolicy::recognition());
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, "several_faces");
}

// ---- Analysis without video ------------------------------------------------

TEST(Capture, NoUsableFrameSaysNoFace) {
  const std::vector<cv::Mat> frames{image_of("negatives/dogs.jpg")};
  const auto capture =
      analyze_capture(engine(), frames, CaptureKind::photos, QualityPolicy::recognition());
  ASSERT_FALSE(capture.ok());
  EXPECT_TRUE(capture.error().code == "no_face" || capture.error().code == "several_faces")
      << capture.error().code;
}

TEST(Capture, ATooSmallFaceReportsTheQualityProblem) {
  cv::Mat small;
  cv::resize(image_of(kLinPhoto), small, {}, 0.15, 0.15, cv::INTER_AREA);
  cv::Mat canvas(480, 640, CV_8UC3, cv::Scalar::all(128));
  small.copyTo(canvas(cv::Rect(300, 200, small.cols, small.rows)));
  const auto capture =
      analyze_capture(engine(), {canvas, canvas}, CaptureKind::photos, QualityPolicy::enrollment());
  ASSERT_FALSE(capture.ok());
  EXPECT_EQ(capture.error().code, "face_too_small") << capture.error().message;
  EXPECT_NE(capture.error().message.find("between the eyes"), std::string::npos);
}

TEST(Capture, TwoPhotosOfOnePersonAverageToOneUnitEmbedding) {
  const std::vector<cv::Mat> frames{image_of("identities/barack_obama/01.jpg"),
                                    image_of("identities/barack_obama/02.jpg")};
  const auto capture =
      analyze_capture(engine(), frames, CaptureKind::photos, QualityPolicy::recognition());
  ASSERT_TRUE(capture.ok()) << capture.error().message;
  EXPECT_EQ(capture->frames_used, 2);
  EXPECT_NEAR(cosine(capture->embedding.values, capture->embedding.values), 1.0f, 1e-4f);
  EXPECT_TRUE(capture->passive_live.has_value());
}

// ---- The measures ------------------------------------------------------------

TEST(LandmarkMotion, AnAffineMoveOfRealLandmarksLeavesNoResidual) {
  const auto face = engine().analyze_portrait(bytes_of(kLinPhoto), QualityPolicy::enrollment(), {});
  ASSERT_TRUE(face.ok());
  const Landmarks& a = face->detection.landmarks;
  const cv::Matx23f move(1.1f, 0.2f, 30.0f, -0.15f, 0.95f, -12.0f);  // shear, scale, shift
  Landmarks b;
  for (std::size_t i = 0; i < a.size(); ++i) b[i] = move * cv::Vec3f(a[i].x, a[i].y, 1.0f);
  EXPECT_LT(non_rigid_residual(a, b), 1e-4f);
  // The nose alone moving by a fifth of the eye distance is not affine.
  Landmarks c = a;
  c[2].x += 0.2f * static_cast<float>(cv::norm(a[1] - a[0]));
  EXPECT_GT(non_rigid_residual(a, c), 0.05f);
}

TEST(LandmarkMotion, NeedsTwoFrames) {
  const auto face = engine().analyze_portrait(bytes_of(kLinPhoto), QualityPolicy::enrollment(), {});
  ASSERT_TRUE(face.ok());
  const std::vector<Landmarks> one{face->detection.landmarks};
  EXPECT_FALSE(landmark_motion(one).has_value());
}

TEST(AntiSpoof, TheCropStaysInsideTheImage) {
  const cv::Size image(640, 360);
  const cv::Rect crop = anti_spoof_crop(cv::Rect2f(560, 10, 70, 90), image);
  EXPECT_EQ(crop & cv::Rect(0, 0, image.width, image.height), crop);
  EXPECT_NEAR(crop.width, 70 * 2.7, 2);   // room for the full scale ...
  EXPECT_NEAR(crop.height, 90 * 2.7, 2);  // ... shifted, not shrunk
  // A face filling a chip: the largest scale that fits.
  const cv::Rect chip = anti_spoof_crop(cv::Rect2f(20, 20, 110, 110), cv::Size(150, 150));
  EXPECT_LE(chip.width, 150);
  EXPECT_GE(chip.width, 140);
}

TEST(AntiSpoof, TheEngineScoresTheLiveClipAsLive) {
  ASSERT_TRUE(engine().has_liveness());
  Scratch scratch;
  ffmpeg("-ss 3 -t 4 -i " + source(kClip) + " -an " + (scratch / "live.mp4").string());
  const auto capture = analyse_video(scratch / "live.mp4");
  ASSERT_TRUE(capture.ok());
  ASSERT_TRUE(capture->passive_live.has_value());
  EXPECT_GT(*capture->passive_live, 0.5f);  // docs/ACCURACY.md: clip frames p05 ~0.9
}

}  // namespace
}  // namespace rollcall::face
