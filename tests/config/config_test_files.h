#ifndef IDENTITY_TESTS_CONFIG_CONFIG_TEST_FILES_H_
#define IDENTITY_TESTS_CONFIG_CONFIG_TEST_FILES_H_

// Writing config and secret files for the config tests.

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace identity::config_testing {

// Writes `content` to `path` (created or truncated) with permissions `mode`.
inline void WriteFile(const std::string& path, absl::string_view content, mode_t mode = 0600) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(out.good()) << "cannot write " << path;
  }
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

}  // namespace identity::config_testing

#endif  // IDENTITY_TESTS_CONFIG_CONFIG_TEST_FILES_H_
