#include "server/keyring/keyring.h"

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace identity::keyring {

using widget::kAllSecretKinds;
using widget::SecretKind;
using widget::SecretKindName;

struct Keyring::Widget {
  explicit Widget(absl::string_view id) : app_id(id) {}
  const std::string app_id;
  // One slot per SecretKind; empty until a secret of that kind is installed.
  std::atomic<std::shared_ptr<const SecretVersion>> secrets[kAllSecretKinds.size()];
};

// An open-addressing table of widget pointers with linear probing. Slots go
// from null to a widget once and never change again, so a reader that sees a
// non-null slot sees a fully built widget (release store / acquire load).
struct Keyring::Table {
  explicit Table(std::size_t capacity) : mask(capacity - 1), slots(capacity) {}
  const std::size_t mask;  // capacity - 1; capacity is a power of two
  std::vector<std::atomic<Widget*>> slots;
  std::size_t used = 0;  // written under write_mu_ only
};

namespace {

constexpr std::size_t kInitialCapacity = 64;

std::size_t HashOf(absl::string_view app_id) { return absl::Hash<absl::string_view>{}(app_id); }

std::size_t KindIndex(SecretKind kind) { return static_cast<std::size_t>(kind); }

}  // namespace

Keyring::Keyring() {
  tables_.push_back(std::make_unique<Table>(kInitialCapacity));
  table_.store(tables_.back().get(), std::memory_order_release);
}

Keyring::~Keyring() = default;

const Keyring::Widget* Keyring::Find(absl::string_view app_id) const {
  const Table* table = table_.load(std::memory_order_acquire);
  for (std::size_t i = HashOf(app_id);; ++i) {
    const Widget* widget = table->slots[i & table->mask].load(std::memory_order_acquire);
    // The table is never full (load factor <= 1/2), so an empty slot ends
    // every probe.
    if (widget == nullptr) return nullptr;
    if (widget->app_id == app_id) return widget;
  }
}

Keyring::Widget* Keyring::FindOrAddLocked(absl::string_view app_id) {
  Table* table = tables_.back().get();
  std::size_t i = HashOf(app_id);
  for (;; ++i) {
    Widget* widget = table->slots[i & table->mask].load(std::memory_order_relaxed);
    if (widget == nullptr) break;
    if (widget->app_id == app_id) return widget;
  }

  widgets_.push_back(std::make_unique<Widget>(app_id));
  Widget* added = widgets_.back().get();

  if (2 * (table->used + 1) > table->slots.size()) {
    // Grow: build the doubled table privately, then publish it with one
    // release store. Readers still probing the old table finish there; it
    // does not hold the new widget, which is fine, since its registration has
    // not returned yet.
    auto bigger = std::make_unique<Table>(2 * table->slots.size());
    for (const std::unique_ptr<Widget>& w : widgets_) {
      for (std::size_t j = HashOf(w->app_id);; ++j) {
        std::atomic<Widget*>& slot = bigger->slots[j & bigger->mask];
        if (slot.load(std::memory_order_relaxed) == nullptr) {
          slot.store(w.get(), std::memory_order_relaxed);
          break;
        }
      }
    }
    bigger->used = widgets_.size();
    tables_.push_back(std::move(bigger));
    table_.store(tables_.back().get(), std::memory_order_release);
    return added;
  }

  table->slots[i & table->mask].store(added, std::memory_order_release);
  ++table->used;
  return added;
}

absl::StatusOr<std::shared_ptr<const SecretVersion>> Keyring::Current(absl::string_view app_id,
                                                                      SecretKind kind) const {
  const Widget* widget = Find(app_id);
  if (widget == nullptr) {
    return absl::NotFoundError("app_id: no widget is registered with this app_id");
  }
  std::shared_ptr<const SecretVersion> current =
      widget->secrets[KindIndex(kind)].load(std::memory_order_acquire);
  if (current == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "app_id: the widget has no ", SecretKindName(kind), " secret; register one with RotateSecret"));
  }
  return current;
}

std::uint64_t Keyring::CurrentVersion(absl::string_view app_id, SecretKind kind) const {
  const Widget* widget = Find(app_id);
  if (widget == nullptr) return 0;
  std::shared_ptr<const SecretVersion> current =
      widget->secrets[KindIndex(kind)].load(std::memory_order_acquire);
  return current == nullptr ? 0 : current->version();
}

void Keyring::Register(absl::string_view app_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  FindOrAddLocked(app_id);
}

absl::Status Keyring::Install(absl::string_view app_id, std::shared_ptr<const SecretVersion> next,
                              std::uint64_t expected_version) {
  if (next == nullptr) return absl::InvalidArgumentError("Install: no secret version given");
  std::lock_guard<std::mutex> lock(write_mu_);
  // Writers are serialised by write_mu_, so a plain load/compare/store is a
  // compare-and-swap as far as other writers are concerned; readers only load.
  // The widget is looked up, not added, before the compare: an aborted
  // install must not register an unknown widget either.
  const Widget* existing = Find(app_id);
  std::shared_ptr<const SecretVersion> current =
      existing == nullptr
          ? nullptr
          : existing->secrets[KindIndex(next->kind())].load(std::memory_order_acquire);
  const std::uint64_t current_version = current == nullptr ? 0 : current->version();
  if (current_version != expected_version) {
    return absl::AbortedError(absl::StrCat("expected_version: the current ",
                                           SecretKindName(next->kind()), " secret is version ",
                                           current_version, ", not ", expected_version));
  }
  Widget* widget = FindOrAddLocked(app_id);
  widget->secrets[KindIndex(next->kind())].store(std::move(next), std::memory_order_release);
  // When `current` goes out of scope, the keyring's reference to the old
  // version is gone: if no issue call holds it, its key state is cleansed now,
  // else when the last such call finishes. Readers never wait for this.
  return absl::OkStatus();
}

bool Keyring::InstallIfNewer(absl::string_view app_id, std::shared_ptr<const SecretVersion> next) {
  if (next == nullptr) return false;
  std::lock_guard<std::mutex> lock(write_mu_);
  Widget* widget = FindOrAddLocked(app_id);
  std::atomic<std::shared_ptr<const SecretVersion>>& slot = widget->secrets[KindIndex(next->kind())];
  const std::shared_ptr<const SecretVersion> current = slot.load(std::memory_order_acquire);
  if (current != nullptr && current->version() >= next->version()) return false;
  slot.store(std::move(next), std::memory_order_release);
  // As in Install: the old version is cleansed when its last reader lets go.
  return true;
}

std::size_t Keyring::size() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return widgets_.size();
}

std::vector<std::string> Keyring::AppIds() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  std::vector<std::string> out;
  out.reserve(widgets_.size());
  for (const std::unique_ptr<Widget>& w : widgets_) out.push_back(w->app_id);
  return out;
}

}  // namespace identity::keyring
