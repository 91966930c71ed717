#ifndef IDENTITY_CLIENT_SECRET_INPUT_H_
#define IDENTITY_CLIENT_SECRET_INPUT_H_

#include <string>

#include "absl/status/statusor.h"

namespace identity::client {

// The largest secret accepted from a file or stdin.
inline constexpr std::size_t kMaxSecretInputBytes = 4096;

// Reads a secret for `identityctl rotate` from the file at `path` ("-" means
// stdin). Secrets never come from argv, where `ps` and shell history see them.
// When stdin is a terminal, prompts on stderr and turns echo off. One trailing
// "\n" or "\r\n" is removed. Errors name the source, never the content.
absl::StatusOr<std::string> ReadSecretInput(const std::string& path);

// Overwrites `text` with zeros in a way the compiler cannot remove, then
// clears it.
void CleanseString(std::string& text);

}  // namespace identity::client

#endif  // IDENTITY_CLIENT_SECRET_INPUT_H_
