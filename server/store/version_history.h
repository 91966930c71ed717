#ifndef IDENTITY_SERVER_STORE_VERSION_HISTORY_H_
#define IDENTITY_SERVER_STORE_VERSION_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "server/widget/secret_kind.h"

namespace identity::store {

// The order every store keeps a widget's versions in: grouped by kind in
// kAllSecretKinds order, each kind newest first. These helpers work on any
// element type (a file entry, or an entry with its fingerprint); `entry_of`
// maps an element to its WidgetFileEntry-like value (with .kind, .version).

// The current (newest) version of `kind` in `widget`, 0 if it has none.
template <typename T, typename EntryOf>
std::uint64_t CurrentVersionOf(const std::vector<T>& widget, widget::SecretKind kind,
                               EntryOf entry_of) {
  for (const T& element : widget) {
    if (entry_of(element).kind == kind) return entry_of(element).version;
  }
  return 0;
}

// `old` with `next` as the newest version of its kind, keeping at most
// `previous_versions` older versions of that kind (the oldest beyond it are
// dropped); the other kind is unchanged.
template <typename T, typename EntryOf>
std::vector<T> WithNewCurrent(const std::vector<T>& old, T next, std::size_t previous_versions,
                              EntryOf entry_of) {
  const widget::SecretKind next_kind = entry_of(next).kind;
  std::vector<T> updated;
  updated.reserve(old.size() + 1);  // at most: the oldest of the kind may drop
  for (widget::SecretKind kind : widget::kAllSecretKinds) {
    std::size_t kept_of_kind = 0;
    if (kind == next_kind) {
      updated.push_back(std::move(next));
      kept_of_kind = 1;
    }
    for (const T& element : old) {
      if (entry_of(element).kind != kind) continue;
      if (kind == next_kind && kept_of_kind > previous_versions) break;
      updated.push_back(element);
      ++kept_of_kind;
    }
  }
  return updated;
}

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_VERSION_HISTORY_H_
