#ifndef IDENTITY_TESTS_SUPPORT_TEMP_DIR_H_
#define IDENTITY_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace identity::testing {

// TempDir is a fresh private directory (mode 0700) under $TMPDIR (or /tmp),
// removed with everything in it when the TempDir is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_TEMP_DIR_H_
