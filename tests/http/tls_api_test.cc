// tests/http/tls_api_test.cc
//
// TLS built in: with tls_cert_file and tls_key_file the server speaks
// HTTPS only. The certificate is made here by the openssl program.
#include <httplib.h>

#include <cstdlib>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

class TlsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rollcall_tls_" + random_suffix());
    fs::create_directories(dir_);
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout '" +
        (dir_ / "key.pem").string() + "' -out '" + (dir_ / "cert.pem").string() +
        "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0)
      GTEST_SKIP() << "no openssl program to make a certificate";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(TlsApi, ServesHttpsWithTheConfiguredCertificate) {
  std::string error;
  auto server = ServerProcess::start({Backend::sqlite,
                                      {{"--tls-cert-file", (dir_ / "cert.pem").string()},
                                       {"--tls-key-file", (dir_ / "key.pem").string()}}},
                                     error);
  ASSERT_TRUE(server) << error;
  httplib::SSLClient secure("127.0.0.1", server->port());
  secure.enable_server_certificate_verification(false);
  auto reply = secure.Get("/healthz");
  ASSERT_TRUE(reply) << httplib::to_string(reply.error());
  EXPECT_EQ(reply->status, 200);

  httplib::Client plain("127.0.0.1", server->port());
  plain.set_read_timeout(2, 0);
  auto refused = plain.Get("/healthz");
  EXPECT_TRUE(!refused || refused->status != 200) << "plain HTTP must not be served";
  EXPECT_EQ(server->stop(), 0);
}

TEST_F(TlsApi, RefusesToStartWithAKeyThatIsNotThere) {
  std::string error;
  auto server = ServerProcess::start({Backend::sqlite,
                                      {{"--tls-cert-file", (dir_ / "cert.pem").string()},
                                       {"--tls-key-file", (dir_ / "missing.pem").string()}}},
                                     error);
  EXPECT_FALSE(server);
}

}  // namespace
}  // namespace rollcall::http_testing
