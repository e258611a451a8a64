// src/models/model_catalog.cc
//
// The pinned list. Hashes and sizes are from ../shared/models/README.md
// and SOURCES.md; change them only with a `rollcall eval` before/after in
// docs/ACCURACY.md.
#include "models/models.h"

namespace rollcall::models {
namespace {

const NpmSource kFacepluginPackage(const std::string& file) {
  return {"faceplugin-face-recognition-js@0.0.1",
          "7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba",
          "package/model/" + file};
}

}  // namespace

std::string to_string(Role role) {
  switch (role) {
    case Role::detector:
      return "detector";
    case Role::recogniser:
      return "recogniser";
    case Role::liveness:
      return "liveness";
  }
  return "model";
}

std::string ModelSpec::id() const {
  const auto dot = file.rfind('.');
  return file.substr(0, dot) + "@" + sha256.substr(0, 8);
}

const std::vector<ModelSpec>& catalogue() {
  static const std::vector<ModelSpec> kModels = {
      {"face_detection_yunet_2022mar.onnx",
       Role::detector,
       "50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7",
       345478,
       "MIT (Shiqi Yu)",
       {},
       // The same bytes as opencv_zoo's LFS object, as a plain git blob.
       {{"https://raw.githubusercontent.com/ShiqiYu/libfacedetection.train/"
         "1688402dbd9b9fc4a3a6793810f558b7407ff384/tasks/task1/onnx/yunet_120x160.onnx"}}},
      {"fr_feature.onnx",
       Role::recogniser,
       "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581",
       4884269,
       "MIT (faceplugin-face-recognition-js)",
       {kFacepluginPackage("fr_feature.onnx")},
       {}},
      {"fr_liveness.onnx",
       Role::liveness,
       "afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d",
       1886811,
       "MIT (faceplugin-face-recognition-js)",
       {kFacepluginPackage("fr_liveness.onnx")},
       {}},
  };
  return kModels;
}

Result<ModelSpec> find_model(Role role) {
  for (const auto& spec : catalogue()) {
    if (spec.role == role) return spec;
  }
  return make_error("model_unknown", "no " + to_string(role) + " model is catalogued");
}

}  // namespace rollcall::models
