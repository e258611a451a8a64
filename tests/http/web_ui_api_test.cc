// tests/http/web_ui_api_test.cc
//
// The built web UI served by `rollcall serve` (web_dir): files as they are,
// client-side routes get index.html, the API keeps its JSON errors.
#include <fstream>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

constexpr const char* kIndex = "<!doctype html><title>Rollcall</title><div id=app></div>";
constexpr const char* kScript = "console.log('rollcall');";

// A stand-in for web/dist, made once per test binary.
const fs::path& web_dir() {
  static const fs::path dir = [] {
    const auto path = fs::temp_directory_path() / ("rollcall-web-" + random_suffix());
    fs::create_directories(path / "assets");
    std::ofstream(path / "index.html") << kIndex;
    std::ofstream(path / "assets" / "app-3f2a1c.js") << kScript;
    return path;
  }();
  return dir;
}

class WebUiApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--web-dir", web_dir().string()}};
  }
};

TEST_P(WebUiApi, TheRootIsTheApp) {
  const auto reply = api().get("/");
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.body, kIndex);
  EXPECT_NE(reply.header("Content-Type").find("text/html"), std::string::npos);
}

TEST_P(WebUiApi, HashedAssetsAreCachedForever) {
  const auto reply = api().get("/assets/app-3f2a1c.js");
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.body, kScript);
  EXPECT_NE(reply.header("Content-Type").find("javascript"), std::string::npos);
  EXPECT_EQ(reply.header("Cache-Control"), "public, max-age=31536000, immutable");
}

TEST_P(WebUiApi, AClientSideRouteOpensTheApp) {
  // The QR link of a check-in window, and a reload on a deep page.
  for (const std::string path : {"/checkin?session=4&code=123456", "/students/12"}) {
    const auto reply = api().get(path);
    ASSERT_EQ(reply.status, 200) << path << reply;
    EXPECT_EQ(reply.body, kIndex) << path;
    EXPECT_EQ(reply.header("Cache-Control"), "no-cache") << path;
  }
}

TEST_P(WebUiApi, AMissingFileIsNotTheApp) {
  const auto reply = api().get("/assets/gone-123.js");
  EXPECT_EQ(reply.status, 404) << reply;
  EXPECT_EQ(reply.error_code(), "not_found");
}

TEST_P(WebUiApi, TheApiKeepsItsJsonErrors) {
  const auto reply = api().get("/api/v1/no-such-thing");
  EXPECT_EQ(reply.status, 404) << reply;
  EXPECT_EQ(reply.error_code(), "not_found");
  EXPECT_EQ(api().get("/healthz").status, 200);
}

TEST_P(WebUiApi, PathsOutsideTheDirectoryAreNotServed) {
  for (const std::string path : {"/../../../../etc/passwd", "/assets/../../../../etc/hosts"}) {
    const auto reply = api().get(path);
    EXPECT_EQ(reply.body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(reply.body.find("localhost"), std::string::npos) << path;
  }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, WebUiApi,
                         ::testing::Values(::rollcall::http_testing::Backend::sqlite),
                         ::rollcall::http_testing::backend_name);

}  // namespace
}  // namespace rollcall::http_testing
