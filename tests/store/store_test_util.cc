#include "tests/store/store_test_util.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace identity::store::testing {

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void OverwriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::vector<std::string> LeakForms(absl::string_view key_bytes, absl::string_view displayed) {
  std::vector<std::string> forms;
  const std::string hex = absl::BytesToHexString(key_bytes);
  std::string base64 = absl::Base64Escape(key_bytes);
  std::string base64url = absl::WebSafeBase64Escape(key_bytes);  // unpadded
  for (std::string form :
       {std::string(key_bytes), hex, absl::AsciiStrToUpper(hex), base64,
        std::string(absl::StripSuffix(absl::StripSuffix(base64, "="), "=")), base64url,
        absl::StrCat(base64url, std::string((4 - base64url.size() % 4) % 4, '=')),
        std::string(displayed)}) {
    if (form.size() >= 8) forms.push_back(std::move(form));
  }
  return forms;
}

std::string FindLeak(const std::string& dir, const std::vector<std::string>& forms) {
  for (const std::string& path : FilesUnder(dir)) {
    const std::string contents = ReadWholeFile(path);
    for (std::size_t i = 0; i < forms.size(); ++i) {
      if (absl::StrContains(contents, forms[i])) return absl::StrCat(path, " (form ", i, ")");
    }
  }
  return "";
}

}  // namespace identity::store::testing
