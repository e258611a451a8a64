// tests/domain/csv_test.cc
//
// CSV reading and writing by RFC 4180, with the names a school roster
// really holds, and the broken files users really upload.
#include "domain/csv.h"

#include <gtest/gtest.h>

#include <random>

namespace rollcall::domain {
namespace {

using Rows = std::vector<std::vector<std::string>>;

constexpr std::size_t kManyRows = 1000;

Rows parsed(std::string_view text) {
  auto rows = parse_csv(text, kManyRows);
  EXPECT_TRUE(rows.ok()) << rows.error().message;
  return rows.ok() ? *rows : Rows{};
}

Error failure(std::string_view text, std::size_t max_rows = kManyRows) {
  auto rows = parse_csv(text, max_rows);
  EXPECT_FALSE(rows.ok());
  return rows.ok() ? Error{} : rows.error();
}

TEST(Csv, ReadsRowsEndingInLf) {
  EXPECT_EQ(parsed("name,roll\nAmy,1\nHoward,2\n"),
            (Rows{{"name", "roll"}, {"Amy", "1"}, {"Howard", "2"}}));
}

TEST(Csv, ReadsRowsEndingInCrlfAndALastRowWithoutABreak) {
  EXPECT_EQ(parsed("name,roll\r\nAmy,1\r\nHoward,2"),
            (Rows{{"name", "roll"}, {"Amy", "1"}, {"Howard", "2"}}));
}

TEST(Csv, DropsAUtf8ByteOrderMark) {
  EXPECT_EQ(parsed("\xEF\xBB\xBFname\nAmy\n"), (Rows{{"name"}, {"Amy"}}));
}

TEST(Csv, ReadsQuotedCommasQuotesAndNewlines) {
  EXPECT_EQ(parsed("\"Farrah Fowler, Amy\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n"),
            (Rows{{"Farrah Fowler, Amy", "say \"hi\"", "two\r\nlines"}}));
}

TEST(Csv, KeepsEmptyFieldsAndTrailingCommas) {
  EXPECT_EQ(parsed("a,,c,\n,\n"), (Rows{{"a", "", "c", ""}, {"", ""}}));
}

TEST(Csv, KeepsSpacesAroundUnquotedFields) { EXPECT_EQ(parsed(" a , b\n"), (Rows{{" a ", " b"}})); }

TEST(Csv, SkipsEmptyLines) { EXPECT_EQ(parsed("a\n\n\r\nb\n\n"), (Rows{{"a"}, {"b"}})); }

TEST(Csv, EmptyTextHasNoRows) { EXPECT_EQ(parsed(""), Rows{}); }

TEST(Csv, RowsKnowTheLineTheyStartOn) {
  auto rows = parse_csv_rows("name\n\"two\nlines\"\n\nlast\n", kManyRows);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].line, 1u);
  EXPECT_EQ((*rows)[1].line, 2u);
  EXPECT_EQ((*rows)[2].line, 5u);
}

TEST(Csv, ReadsNamesInSeveralScripts) {
  const std::string text =
      "name,city\r\n"
      "अमिताभ बच्चन,मुंबई\r\n"
      "Дмитрий Шостакович,Санкт-Петербург\r\n"
      "\"王小明, 李华\",北京\r\n"
      "田中 太郎,東京\r\n";
  EXPECT_EQ(parsed(text), (Rows{{"name", "city"},
                                {"अमिताभ बच्चन", "मुंबई"},
                                {"Дмитрий Шостакович", "Санкт-Петербург"},
                                {"王小明, 李华", "北京"},
                                {"田中 太郎", "東京"}}));
}

TEST(Csv, WrittenRowsReadBackUnchanged) {
  const Rows rows = {{"name", "note"},
                     {"अमिताभ बच्चन", "said \"नमस्ते\""},
                     {"Дмитрий, Шостакович", "two\nlines"},
                     {"王小明", ""},
                     {" padded ", "😀"},
                     {""}};
  std::string text;
  for (const auto& row : rows) text += csv_row(row);
  EXPECT_EQ(parsed(text), rows);
}

TEST(Csv, RandomRowsOfAwkwardCharactersReadBackUnchanged) {
  // Every character that needs quoting, next to multi-byte ones.
  const std::vector<std::string> pieces = {"a",    " ", ",",   "\"", "\r", "\n",
                                           "\r\n", "ж", "क्षि", "語", "😀",  ""};
  std::mt19937 random(20261125);
  for (int round = 0; round < 200; ++round) {
    Rows rows(1 + random() % 5);
    for (auto& row : rows) {
      row.resize(1 + random() % 4);
      for (auto& field : row) {
        for (int i = random() % 6; i > 0; --i) field += pieces[random() % pieces.size()];
      }
    }
    std::string text;
    for (const auto& row : rows) text += csv_row(row);
    EXPECT_EQ(parsed(text), rows) << text;
  }
}

TEST(Csv, RowsEndInCrlf) { EXPECT_EQ(csv_row({"a", "b c", "d,e"}), "a,b c,\"d,e\"\r\n"); }

struct FieldCase {
  std::string value;
  std::string written;
};

class CsvField : public ::testing::TestWithParam<FieldCase> {};

TEST_P(CsvField, QuotesOnlyWhenItMust) {
  EXPECT_EQ(csv_field(GetParam().value), GetParam().written);
}

INSTANTIATE_TEST_SUITE_P(
    Csv, CsvField,
    ::testing::Values(FieldCase{"plain", "plain"}, FieldCase{"", ""}, FieldCase{"a,b", "\"a,b\""},
                      FieldCase{"say \"hi\"", "\"say \"\"hi\"\"\""}, FieldCase{"a\nb", "\"a\nb\""},
                      FieldCase{"a\rb", "\"a\rb\""}, FieldCase{" a", "\" a\""},
                      FieldCase{"a b", "a b"}, FieldCase{"Санкт-Петербург", "Санкт-Петербург"}));

TEST(Csv, UnclosedQuoteNamesTheLineItOpensOn) {
  const auto error = failure("name\nAmy\n\"Howard\nWolowitz,2\n");
  EXPECT_EQ(error.code, "csv_invalid");
  EXPECT_TRUE(error.message.starts_with("line 3: a quoted field is not closed")) << error.message;
}

TEST(Csv, TextAfterAClosingQuoteIsAnError) {
  const auto error = failure("a\n\"Amy\" Farrah,1\n");
  EXPECT_EQ(error.code, "csv_invalid");
  EXPECT_TRUE(error.message.starts_with("line 2: text follows the closing quote")) << error.message;
}

TEST(Csv, AQuoteInsideAnUnquotedFieldIsAnError) {
  const auto error = failure("a\r\nb\r\nO\"Brien,3\r\n");
  EXPECT_EQ(error.code, "csv_invalid");
  EXPECT_TRUE(error.message.starts_with("line 3: a quote")) << error.message;
}

TEST(Csv, LinesAfterAQuotedNewlineAreCountedInErrors) {
  const auto error = failure("\"one\ntwo\",x\nbad\"quote\n");
  EXPECT_TRUE(error.message.starts_with("line 3:")) << error.message;
}

struct BadUtf8 {
  std::string text;
  std::size_t line;
};

class CsvRejects : public ::testing::TestWithParam<BadUtf8> {};

TEST_P(CsvRejects, InvalidUtf8NamingTheLine) {
  const auto error = failure(GetParam().text);
  EXPECT_EQ(error.code, "csv_invalid");
  EXPECT_TRUE(error.message.starts_with("line " + std::to_string(GetParam().line) +
                                        ": the text is not valid UTF-8"))
      << error.message;
  EXPECT_NE(error.message.find("UTF-8"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Csv, CsvRejects,
                         ::testing::Values(BadUtf8{"name\nJos\xE9\n", 2},          // Latin-1 é
                                           BadUtf8{"a\r\nb\r\nc\xC0\xAF\r\n", 3},  // overlong '/'
                                           BadUtf8{"a\n\xED\xA0\x80\n", 2},   // a UTF-16 surrogate
                                           BadUtf8{"\xF4\x90\x80\x80\n", 1},  // past U+10FFFF
                                           BadUtf8{"a\nb\nc\nd\n\"e\nf\xE0\xA4\"\n",
                                                   6},                  // truncated, in quotes
                                           BadUtf8{"a\rb\r\xFF", 3}));  // lone CR breaks

TEST(Csv, TooManyRowsIsItsOwnError) {
  EXPECT_EQ(parsed("h\n1\n2\n").size(), 3u);
  EXPECT_TRUE(parse_csv("h\n1\n2\n", 3).ok());
  const auto error = failure("h\n1\n2\n3\n", 3);
  EXPECT_EQ(error.code, "csv_too_many_rows");
  EXPECT_NE(error.message.find("3 rows"), std::string::npos) << error.message;
}

TEST(Csv, SpreadsheetSafeDefusesFormulas) {
  EXPECT_EQ(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
  EXPECT_EQ(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(spreadsheet_safe("Amy"), "Amy");
  EXPECT_EQ(spreadsheet_safe(""), "");
}

}  // namespace
}  // namespace rollcall::domain
