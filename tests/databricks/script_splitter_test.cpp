// sql/script_splitter: splitting scripts at ';' (outside quotes and comments), classifying
// statements, and the dependency graph execute_sql_multi schedules by.
#include "sql/script_splitter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sql/result_format.hpp"

namespace devkit::databricks::sql {
namespace {

using ::testing::ElementsAre;

TEST(ScriptSplitter, SplitsAtSemicolonsAndTrims) {
  EXPECT_EQ(splitScript("SELECT 1; SELECT 2;\n  SELECT 3  "),
            (std::vector<std::string>{"SELECT 1", "SELECT 2", "SELECT 3"}));
}

TEST(ScriptSplitter, IgnoresSemicolonsInQuotesAndComments) {
  const std::string script =
      "SELECT 'a;b', \"c;d\", `e;f` FROM t; -- a comment; still comment\n"
      "SELECT 'it''s;' /* block ; comment */ FROM u;"
      "SELECT 'back\\'slash;' AS x";
  const auto parts = splitScript(script);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "SELECT 'a;b', \"c;d\", `e;f` FROM t");
  EXPECT_EQ(parts[1], "SELECT 'it''s;' /* block ; comment */ FROM u");
  EXPECT_EQ(parts[2], "SELECT 'back\\'slash;' AS x");
}

TEST(ScriptSplitter, DropsEmptyAndCommentOnlyStatements) {
  EXPECT_EQ(splitScript(";;  ; -- only a comment\n; /* and ; another */ ;"),
            std::vector<std::string>{});
  EXPECT_EQ(splitScript("SELECT 1;;\n/* tail */"), std::vector<std::string>{"SELECT 1"});
}

TEST(ScriptSplitter, NestedBlockComments) {
  EXPECT_EQ(splitScript("/* outer /* inner ; */ still ; comment */ SELECT 1; SELECT 2"),
            (std::vector<std::string>{"SELECT 1", "SELECT 2"}));
}

TEST(ScriptSplitter, UnterminatedQuoteKeepsTheRest) {
  EXPECT_EQ(splitScript("SELECT 'open; SELECT 2"),
            std::vector<std::string>{"SELECT 'open; SELECT 2"});
}

TEST(ScriptSplitter, ClassifiesStatements) {
  EXPECT_EQ(analyse("select * from t").kind, StatementKind::kQuery);
  EXPECT_EQ(analyse("WITH x AS (SELECT 1) SELECT * FROM x").kind, StatementKind::kQuery);
  EXPECT_EQ(analyse("(SELECT 1) UNION (SELECT 2)").kind, StatementKind::kQuery);
  EXPECT_EQ(analyse("SHOW TABLES").kind, StatementKind::kQuery);
  EXPECT_EQ(analyse("USE CATALOG main").kind, StatementKind::kSession);
  EXPECT_EQ(analyse("SET spark.sql.x = 1").kind, StatementKind::kSession);
  EXPECT_EQ(analyse("GRANT SELECT ON TABLE t TO `a@b.c`").kind, StatementKind::kOther);
  EXPECT_EQ(analyse("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x").kind,
            StatementKind::kOther);

  const StatementInfo create = analyse(
      "CREATE OR REPLACE TABLE IF NOT EXISTS main.s.`Orders` AS "
      "SELECT * FROM main.s.raw");
  EXPECT_EQ(create.kind, StatementKind::kWrite);
  EXPECT_THAT(create.writes, ElementsAre("orders"));
  EXPECT_TRUE(create.names.count("raw"));

  EXPECT_THAT(analyse("INSERT INTO t2 SELECT * FROM t1").writes, ElementsAre("t2"));
  EXPECT_THAT(analyse("DELETE FROM x.y.z WHERE id = 1").writes, ElementsAre("z"));
  EXPECT_THAT(analyse("MERGE INTO tgt USING src ON tgt.id = src.id").writes, ElementsAre("tgt"));
  EXPECT_THAT(analyse("DROP VIEW IF EXISTS v").writes, ElementsAre("v"));
  EXPECT_THAT(analyse("ALTER TABLE a RENAME TO b").writes, ElementsAre("a", "b"));
  // A name only inside a string literal is not a name.
  EXPECT_FALSE(analyse("SELECT 'orders' AS x").names.count("orders"));
}

TEST(ScriptSplitter, UseSetsCatalogAndSchema) {
  const StatementInfo a = analyse("USE CATALOG Dev");
  EXPECT_EQ(a.useCatalog, "Dev");
  EXPECT_EQ(a.useSchema, "");
  const StatementInfo b = analyse("USE SCHEMA sales");
  EXPECT_EQ(b.useCatalog, "");
  EXPECT_EQ(b.useSchema, "sales");
  const StatementInfo c = analyse("USE main.sales");
  EXPECT_EQ(c.useCatalog, "main");
  EXPECT_EQ(c.useSchema, "sales");
}

TEST(ScriptSplitter, DependenciesFollowWrittenNames) {
  std::vector<StatementInfo> infos;
  for (const char* s : {
           "CREATE TABLE a (id INT)",   // 0
           "SELECT * FROM other",       // 1: independent
           "INSERT INTO a VALUES (1)",  // 2: after 0
           "SELECT count(*) FROM a",    // 3: after 0 and 2
           "SELECT * FROM other2",      // 4: independent
           "USE SCHEMA s",              // 5: barrier
           "SELECT 1",                  // 6: after the barrier
       }) {
    infos.push_back(analyse(s));
  }
  const auto deps = dependencies(infos);
  EXPECT_TRUE(deps[0].empty());
  EXPECT_TRUE(deps[1].empty());
  EXPECT_THAT(deps[2], ElementsAre(0));
  EXPECT_THAT(deps[3], ElementsAre(0, 2));
  EXPECT_TRUE(deps[4].empty());
  EXPECT_THAT(deps[5], ElementsAre(0, 1, 2, 3, 4));
  EXPECT_THAT(deps[6], ElementsAre(5));
}

TEST(ScriptSplitter, WriteAfterReadWaits) {
  // Dropping a table an earlier query reads must wait for that query.
  const auto deps = dependencies({analyse("SELECT * FROM t"), analyse("DROP TABLE t")});
  EXPECT_THAT(deps[1], ElementsAre(0));
}

TEST(SqlResultFormat, CsvQuotesOnlyWhenNeeded) {
  EXPECT_EQ(csvLine({std::string("a"), std::nullopt, std::string("b,c"), std::string("say \"hi\""),
                     std::string("x\ny")}),
            "a,,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\n");
}

TEST(SqlResultFormat, MarkdownEscapesPipesAndNewlines) {
  const std::string table =
      markdownTable({{"a", "string"}, {"b", "int"}}, {{std::string("x|y\nz"), std::nullopt}});
  EXPECT_EQ(table, "| a | b |\n| --- | --- |\n| x\\|y z | NULL |\n");
  const std::string cut = markdownTable({{"a", "string"}}, {{std::string(10, 'q')}}, 4);
  EXPECT_NE(cut.find("| qqqq… |"), std::string::npos);
}

}  // namespace
}  // namespace devkit::databricks::sql
