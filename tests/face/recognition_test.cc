// tests/face/recognition_test.cc
//
// Class-photo recognition on real photos: enrolled from identities/,
// recognised in groups/, nobody assigned twice, strangers unknown.
#include "face/recognition.h"

#include <set>
#include <sstream>

#include "test_support.h"

namespace rollcall::face {
namespace {

using testing::engine;

const eval::NamedGallery& everyone() {
  static std::unique_ptr<eval::NamedGallery> gallery = [] {
    auto people = eval::read_people(testing::photo("identities"));
    EXPECT_TRUE(people.ok());
    auto built = eval::build_gallery(engine(), *people);
    EXPECT_TRUE(built.ok());
    return std::move(built).value();
  }();
  return *gallery;
}

std::set<std::string> split(const std::string& list) {
  std::set<std::string> out;
  std::istringstream in(list);
  std::string name;
  while (std::getline(in, name, ';')) out.insert(name);
  return out;
}

struct Recognised {
  std::multiset<std::string> matched;
  std::multiset<std::string> borderline;  // the suggested student
};

// Fails the test if a student is matched twice.
Recognised recognised_in(const std::string& photo) {
  const auto analysis =
      engine().analyze(testing::bytes_of(photo), QualityPolicy::recognition(), {});
  EXPECT_TRUE(analysis.ok());
  const auto matches = recognise(*analysis, everyone().gallery, MatchPolicy{});
  Recognised out;
  std::set<std::int64_t> seen;
  for (const auto& m : matches) {
    if (m.status == MatchStatus::borderline) out.borderline.insert(everyone().names.at(*m.student));
    if (m.status != MatchStatus::matched) continue;
    EXPECT_TRUE(seen.insert(m.student->value).second) << "student matched twice in " << photo;
    out.matched.insert(everyone().names.at(*m.student));
  }
  return out;
}

class GroupPhoto : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

// A present person is matched, or at worst flagged borderline as
// themselves for the teacher to confirm; nobody else is ever matched.
TEST_P(GroupPhoto, FindsEveryEnrolledPersonAndMatchesNobodyElse) {
  const auto [photo, present] = GetParam();
  const std::set<std::string> expected = split(present);
  const auto found = recognised_in(std::string("groups/") + photo);
  for (const auto& n : found.matched)
    EXPECT_TRUE(expected.count(n)) << n << " wrongly found in " << photo;
  std::size_t matched = 0;
  for (const auto& n : expected) {
    matched += found.matched.count(n);
    EXPECT_EQ(found.matched.count(n) + found.borderline.count(n), 1u)
        << n << " not found in " << photo;
  }
  // The README's margin check: most of them must be clear matches.
  EXPECT_GE(matched + 1, expected.size()) << photo;
}

// From ../shared/data/groups.csv.
INSTANTIATE_TEST_SUITE_P(
    SharedData, GroupPhoto,
    ::testing::Values(std::make_pair("bbt1.jpg", "howard;sheldon;leonard;raj"),
                      std::make_pair("bbt2.jpg", "sheldon;leonard;raj"),
                      std::make_pair("bbt3.jpg", "raj;howard;leonard;penny;sheldon"),
                      std::make_pair("bbt4.jpg", "bernadette;raj;amy;penny;leonard;sheldon"),
                      std::make_pair("bbt5.jpg", "raj;howard;leonard;penny;sheldon"),
                      std::make_pair("obama_biden_two.jpg", "barack_obama;joe_biden"),
                      std::make_pair("kit_with_rose.jpg", "kit_harington;rose_leslie")),
    [](const auto& param_info) {
      std::string name = param_info.param.first;
      return name.substr(0, name.find('.'));
    });

TEST(Recognition, CallsStrangersInACrowdUnknown) {
  // 54 students, none of them enrolled.
  EXPECT_TRUE(recognised_in("groups/class_54.jpg").matched.empty());
}

TEST(Recognition, MatchesNobodyToDogFaces) {
  EXPECT_TRUE(recognised_in("negatives/dogs.jpg").matched.empty());
}

TEST(Recognition, OnlyTheSessionsClassIsCandidate) {
  // Sheldon is in bbt4 but not in this gallery: his face must not be
  // given to anyone else.
  const auto people = eval::read_people(testing::photo("identities"));
  ASSERT_TRUE(people.ok());
  std::vector<eval::Person> without;
  for (const auto& p : *people) {
    if (p.name != "sheldon") without.push_back(p);
  }
  const auto gallery = eval::build_gallery(engine(), without);
  ASSERT_TRUE(gallery.ok());
  const auto analysis =
      engine().analyze(testing::bytes_of("groups/bbt4.jpg"), QualityPolicy::recognition(), {});
  ASSERT_TRUE(analysis.ok());
  int matched = 0;
  for (const auto& m : recognise(*analysis, (*gallery)->gallery, MatchPolicy{})) {
    if (m.status == MatchStatus::matched) ++matched;
  }
  EXPECT_EQ(matched, 5);  // six people, Sheldon not a candidate
}

}  // namespace
}  // namespace rollcall::face
