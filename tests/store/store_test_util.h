#ifndef IDENTITY_TESTS_STORE_STORE_TEST_UTIL_H_
#define IDENTITY_TESTS_STORE_STORE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// Helpers shared by the store's tests: whole-file reads and writes, and the
// search of a state directory for a secret in any of the forms it could leak
// in.
namespace identity::store::testing {

// Every regular file under `dir`, recursively (full paths, sorted).
std::vector<std::string> FilesUnder(const std::string& dir);

// The contents of `path`; fails the test (and returns "") if it cannot be read.
std::string ReadWholeFile(const std::string& path);

// Replaces the contents of `path` (in place, no rename: as damage would).
void OverwriteFile(const std::string& path, absl::string_view contents);

// Every form a secret could take in a file: the key bytes raw, as hex (both
// cases), as base64 and base64url (with and without padding), and the
// displayed form (as typed by an operator). Forms shorter than 8 bytes are
// left out (they would match by chance).
std::vector<std::string> LeakForms(absl::string_view key_bytes, absl::string_view displayed);

// The first file under `dir` holding any of `forms`, as "PATH (form N)", or
// "" if none does.
std::string FindLeak(const std::string& dir, const std::vector<std::string>& forms);

}  // namespace identity::store::testing

#endif  // IDENTITY_TESTS_STORE_STORE_TEST_UTIL_H_
