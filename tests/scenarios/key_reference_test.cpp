// scenarios/README.md documents every key the loader accepts, and nothing else.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "scenarios/scenario_loader.hpp"

namespace genops::scenarios {
namespace {

std::string read_readme() {
  std::ifstream in(std::string(GENOPS_SOURCE_DIR) + "/scenarios/README.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(KeyReference, EveryLoaderKeyIsDocumentedOnce) {
  const std::string readme = read_readme();
  ASSERT_FALSE(readme.empty());
  for (const auto& key : scenario_keys()) {
    const std::string cell = "| `" + key.key + "` |";
    const auto first = readme.find(cell);
    EXPECT_NE(first, std::string::npos)
        << key.key << " is missing from scenarios/README.md (regenerate with "
        << "genops-sim validate --keys)";
    if (first != std::string::npos) {
      EXPECT_EQ(readme.find(cell, first + 1), std::string::npos) << key.key;
    }
  }
}

TEST(KeyReference, NoStaleKeysInTheReference) {
  std::set<std::string> known;
  for (const auto& key : scenario_keys())
    known.insert(key.key);
  const std::string whole = read_readme();
  const auto section = whole.find("## Key reference");
  ASSERT_NE(section, std::string::npos);
  const std::string readme = whole.substr(section);
  const std::regex row(R"(^\| `([^`]+)` \|)", std::regex::multiline);
  int rows = 0;
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), row);
       it != std::sregex_iterator(); ++it) {
    ++rows;
    EXPECT_TRUE(known.count((*it)[1].str()) == 1) << "documented but not a key: " << (*it)[1].str();
  }
  EXPECT_EQ(rows, static_cast<int>(known.size()));
}

}  // namespace
}  // namespace genops::scenarios
