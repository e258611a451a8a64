// tests/http/openapi_test.cc
//
// The hand-written OpenAPI document (src/http/openapi.json) against the
// real router, built in-process on a fresh SQLite database without the
// face models: every route is documented with its method, summary and
// roles, nothing documented is missing from the router, and every route
// that needs a token says so.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "app/serve.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The verbs OpenAPI 3.0 allows as keys of a path item; other keys
// (parameters, summary, x-...) are not operations.
const std::set<std::string> kOperationKeys = {"get",     "put",  "post",  "delete",
                                              "options", "head", "patch", "trace"};

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string route_name(const Route& route) { return route.method + " " + route.pattern; }

// The server's wiring as serve.cc does it, minus the socket. The handlers
// hold references into it, so it stays in one place on the heap.
struct Served {
  fs::path data_dir;
  std::unique_ptr<app::Runtime> runtime;
  std::optional<Services> services;
  Router router;
};

class OpenApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    served_ = new Served;
    std::string pattern = (fs::temp_directory_path() / "rollcall-openapi-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    served_->data_dir = pattern;
    app::Settings settings;
    settings.data_dir = served_->data_dir;
    auto runtime = app::open_runtime(settings, false);
    ASSERT_TRUE(runtime) << runtime.error().code << ": " << runtime.error().message;
    served_->runtime = std::move(runtime).value();
    auto& rt = *served_->runtime;
    served_->services.emplace(app::services_of(rt));
    served_->router = make_router(*served_->services);
  }

  static void TearDownTestSuite() {
    if (served_ == nullptr) return;
    const auto dir = served_->data_dir;
    if (served_->runtime) served_->runtime->runner->stop();
    delete served_;
    served_ = nullptr;
    std::error_code ignored;
    if (!dir.empty()) fs::remove_all(dir, ignored);
  }

  void SetUp() override {
    ASSERT_NE(served_, nullptr);
    ASSERT_TRUE(served_->runtime) << "the runtime did not open; see the first failure";
  }

  static const std::vector<Route>& routes() { return served_->router.routes(); }
  static const json& document() { return openapi_document(); }

  // The operation documented for a route, or nullptr.
  static const json* operation_of(const Route& route) {
    const auto& paths = document().at("paths");
    auto path = paths.find(route.pattern);
    if (path == paths.end()) return nullptr;
    auto operation = path->find(lower(route.method));
    return operation == path->end() ? nullptr : &*operation;
  }

  // `value`, or what its "$ref" points to inside the document.
  static const json& resolved(const json& value) {
    if (!value.contains("$ref")) return value;
    return document().at(json::json_pointer(value.at("$ref").get<std::string>().substr(1)));
  }

  static Served* served_;
};

Served* OpenApi::served_ = nullptr;

TEST_F(OpenApi, IsAnOpenApi3Point0DocumentWithATitle) {
  ASSERT_TRUE(document().contains("openapi"));
  EXPECT_TRUE(document().at("openapi").get<std::string>().starts_with("3.0."));
  ASSERT_TRUE(document().contains("info"));
  ASSERT_TRUE(document().at("info").contains("title"));
  EXPECT_FALSE(document().at("info").at("title").get<std::string>().empty());
  EXPECT_TRUE(document().at("paths").is_object());
}

TEST_F(OpenApi, TheRouterHasRoutesToCompareWith) {
  // Five families of routes; fewer than this means make_router changed shape.
  EXPECT_GE(routes().size(), 40u);
}

TEST_F(OpenApi, DocumentsEveryRegisteredRouteWithItsMethod) {
  for (const auto& route : routes()) {
    EXPECT_NE(operation_of(route), nullptr)
        << route_name(route) << " is registered but not in src/http/openapi.json";
  }
}

TEST_F(OpenApi, DocumentsNoRouteThatIsNotRegistered) {
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& route : routes()) registered.emplace(lower(route.method), route.pattern);
  for (const auto& [path, item] : document().at("paths").items()) {
    for (const auto& [key, operation] : item.items()) {
      if (!kOperationKeys.contains(key)) continue;
      EXPECT_TRUE(registered.contains({key, path}))
          << key << " " << path << " is documented but no route serves it (stale docs?)";
    }
  }
}

TEST_F(OpenApi, RoutesThatNeedATokenDeclareBearerSecurity) {
  const auto& schemes = document().at("components").at("securitySchemes");
  for (const auto& route : routes()) {
    if (route.roles.empty()) continue;
    const json* operation = operation_of(route);
    if (operation == nullptr) continue;  // reported by DocumentsEveryRegisteredRoute...
    ASSERT_TRUE(operation->contains("security"))
        << route_name(route) << " needs a token but declares no security";
    const auto& security = operation->at("security");
    ASSERT_TRUE(security.is_array() && !security.empty())
        << route_name(route) << " needs a token but its security is empty";
    for (const auto& requirement : security) {
      for (const auto& [scheme, scopes] : requirement.items()) {
        ASSERT_TRUE(schemes.contains(scheme)) << route_name(route) << " names " << scheme;
        EXPECT_EQ(schemes.at(scheme).value("type", ""), "http") << scheme;
        EXPECT_EQ(lower(schemes.at(scheme).value("scheme", "")), "bearer") << scheme;
      }
    }
  }
}

TEST_F(OpenApi, PublicRoutesDeclareThatTheyNeedNoToken) {
  for (const auto& route : routes()) {
    if (!route.roles.empty()) continue;
    const json* operation = operation_of(route);
    if (operation == nullptr) continue;
    const bool is_public = !operation->contains("security") || operation->at("security").empty();
    EXPECT_TRUE(is_public) << route_name(route) << " is open to anyone but documents security";
  }
}

TEST_F(OpenApi, RolesMatchTheRouter) {
  for (const auto& route : routes()) {
    const json* operation = operation_of(route);
    if (operation == nullptr) continue;
    std::set<std::string> expected;
    for (auto role : route.roles) expected.insert(store::to_string(role));
    if (expected.empty()) expected.insert("anyone");
    ASSERT_TRUE(operation->contains("x-roles")) << route_name(route);
    const auto documented = operation->at("x-roles").get<std::set<std::string>>();
    EXPECT_EQ(documented, expected) << route_name(route);
  }
}

TEST_F(OpenApi, SummariesAreTheRoutersOwn) {
  for (const auto& route : routes()) {
    const json* operation = operation_of(route);
    if (operation == nullptr) continue;
    EXPECT_EQ(operation->value("summary", ""), route.summary) << route_name(route);
  }
}

TEST_F(OpenApi, EveryPathParameterIsDeclared) {
  for (const auto& route : routes()) {
    const json* operation = operation_of(route);
    if (operation == nullptr) continue;
    std::set<std::string> declared;
    for (const auto& parameter : operation->value("parameters", json::array())) {
      const auto& p = resolved(parameter);
      if (p.value("in", "") == "path") declared.insert(p.at("name").get<std::string>());
    }
    for (const auto& segment : route.segments) {
      if (segment.size() < 3 || segment.front() != '{') continue;
      const auto name = segment.substr(1, segment.size() - 2);
      EXPECT_TRUE(declared.contains(name)) << route_name(route) << " does not declare " << name;
    }
  }
}

TEST_F(OpenApi, EveryOperationDocumentsASuccessResponse) {
  for (const auto& route : routes()) {
    const json* operation = operation_of(route);
    if (operation == nullptr) continue;
    ASSERT_TRUE(operation->contains("responses")) << route_name(route);
    bool has_success = false;
    for (const auto& [status, response] : operation->at("responses").items()) {
      has_success = has_success || status.starts_with("2");
    }
    EXPECT_TRUE(has_success) << route_name(route);
  }
}

TEST_F(OpenApi, EveryReferencePointsIntoTheDocument) {
  std::vector<const json*> pending{&document()};
  int references = 0;
  while (!pending.empty()) {
    const json* value = pending.back();
    pending.pop_back();
    if (value->is_object() && value->contains("$ref") && value->at("$ref").is_string()) {
      const auto target = value->at("$ref").get<std::string>();
      ++references;
      ASSERT_TRUE(target.starts_with("#/")) << target;
      EXPECT_TRUE(document().contains(json::json_pointer(target.substr(1)))) << target;
    }
    if (value->is_structured()) {
      for (const auto& child : *value) pending.push_back(&child);
    }
  }
  EXPECT_GT(references, 0);
}

TEST_F(OpenApi, TheOpenApiRouteServesThisDocument) {
  const Route* served = nullptr;
  for (const auto& route : routes()) {
    if (route.method == "GET" && route.pattern == "/api/openapi.json") served = &route;
  }
  ASSERT_NE(served, nullptr);
  Call call;
  call.method = "GET";
  call.path = "/api/openapi.json";
  auto reply = served->handler(call);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(json::parse(reply->body), document());
}

}  // namespace
}  // namespace rollcall::http
