// Micro-benchmarks of the crypto core (Google Benchmark), with references in
// the same binary over the same key and message, so that the targets are
// ratios taken in one run (absolute times on a shared 2-core machine drift):
//
//   Ref/OneShotHMAC        HMAC(): on OpenSSL 3 it fetches SHA-256 and keys a
//                          fresh context on every call.
//   Ref/EvpMacCtxDup       EVP_MAC_CTX_dup of a keyed context per call.
//   Ref/ReusedEvpMacCtx    one EVP_MAC_CTX keyed once, re-initialised with the
//                          same key per call (EVP_MAC_init with a null key).
//   Ref/ReusedHmacCtx      the same with the older HMAC_CTX API.
//
// The floor is the faster of the two reused-context references: what a
// per-thread keyed context would cost. Targets (checked at the end, printed
// as "met"/"NOT met"; they never change the exit status):
//   EmailHasher/HashTo (hex output included)  <= 1.5 x floor
//   JwtSigner/Sign (none and all five optional claims) <= 4 x floor
//
// Before anything is timed, every variant's output is checked against the
// one-shot HMAC(): a benchmark that measured different work would be a lie.
// The exit status is non-zero only if that check fails.
//
// Ratios use each benchmark's CPU time per call, the median over
// --benchmark_repetitions (CPU time is less disturbed by other processes than
// wall time). scripts/bench runs this with repetitions and random interleaving.

// HMAC_CTX is deprecated in OpenSSL 3; it is here only as a reference.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/hex.h"
#include "server/crypto/hmac_sha256_key.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {
namespace {

// Fixed, public benchmark inputs (not secrets): a 32-byte key 00 01 .. 1f,
// its hex form as the vendor would display it, and a printable JWT secret.
std::array<std::uint8_t, 32> BenchKey() {
  std::array<std::uint8_t, 32> key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  return key;
}
const std::string kHexSecret = HexEncode(BenchKey());
constexpr absl::string_view kJwtSecret = "bench-jwt-secret-0123456789abcdefghijklmnop";
constexpr absl::string_view kEmail = "jane.doe@example.com";

WidgetClaims Claims(bool all_optional) {
  WidgetClaims c;
  c.email = kEmail;
  c.audience = "bench-widget";
  c.issued_at = 1700000000;
  c.expires_at = 1700000600;
  if (all_optional) {
    c.name = "Jane Doe";
    c.account_id = "acct-0001";
    c.account_external_id = "crm-account-42";
    c.contact_id = "contact-0001";
    c.contact_external_id = "crm-contact-42";
  }
  return c;
}

// ---- The references (OpenSSL 3 only: EVP_MAC does not exist in BoringSSL).

// A keyed EVP_MAC_CTX for HMAC-SHA256 over BenchKey().
EVP_MAC_CTX* NewKeyedMacCtx() {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  const std::array<std::uint8_t, 32> key = BenchKey();
  if (ctx == nullptr || EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    std::fprintf(stderr, "EVP_MAC_init failed\n");
    std::abort();
  }
  return ctx;
}

using Tag = std::array<std::uint8_t, 32>;

void OneShotHmac(const std::array<std::uint8_t, 32>& key, absl::string_view msg, Tag& out) {
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out.data(), &len);
}

void DupMac(const EVP_MAC_CTX* keyed, absl::string_view msg, Tag& out) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed);
  std::size_t len = 0;
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  EVP_MAC_final(ctx, out.data(), &len, out.size());
  EVP_MAC_CTX_free(ctx);
}

void ReusedMac(EVP_MAC_CTX* ctx, absl::string_view msg, Tag& out) {
  std::size_t len = 0;
  EVP_MAC_init(ctx, nullptr, 0, nullptr);  // same key: restart from the keyed state
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  EVP_MAC_final(ctx, out.data(), &len, out.size());
}

void ReusedHmacCtx(HMAC_CTX* ctx, absl::string_view msg, Tag& out) {
  unsigned int len = 0;
  HMAC_Init_ex(ctx, nullptr, 0, nullptr, nullptr);  // same key
  HMAC_Update(ctx, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  HMAC_Final(ctx, out.data(), &len);
}

HMAC_CTX* NewKeyedHmacCtx() {
  HMAC_CTX* ctx = HMAC_CTX_new();
  const std::array<std::uint8_t, 32> key = BenchKey();
  if (ctx == nullptr ||
      HMAC_Init_ex(ctx, key.data(), static_cast<int>(key.size()), EVP_sha256(), nullptr) != 1) {
    std::fprintf(stderr, "HMAC_Init_ex failed\n");
    std::abort();
  }
  return ctx;
}

// ---- The benchmarks.

void BM_OneShotHmac(benchmark::State& state) {
  const std::array<std::uint8_t, 32> key = BenchKey();
  Tag tag;
  for (auto _ : state) {
    OneShotHmac(key, kEmail, tag);
    benchmark::DoNotOptimize(tag);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EvpMacCtxDup(benchmark::State& state) {
  EVP_MAC_CTX* keyed = NewKeyedMacCtx();
  Tag tag;
  for (auto _ : state) {
    DupMac(keyed, kEmail, tag);
    benchmark::DoNotOptimize(tag);
  }
  EVP_MAC_CTX_free(keyed);
  state.SetItemsProcessed(state.iterations());
}

void BM_ReusedEvpMacCtx(benchmark::State& state) {
  EVP_MAC_CTX* ctx = NewKeyedMacCtx();
  Tag tag;
  for (auto _ : state) {
    ReusedMac(ctx, kEmail, tag);
    benchmark::DoNotOptimize(tag);
  }
  EVP_MAC_CTX_free(ctx);
  state.SetItemsProcessed(state.iterations());
}

void BM_ReusedHmacCtx(benchmark::State& state) {
  HMAC_CTX* ctx = NewKeyedHmacCtx();
  Tag tag;
  for (auto _ : state) {
    ReusedHmacCtx(ctx, kEmail, tag);
    benchmark::DoNotOptimize(tag);
  }
  HMAC_CTX_free(ctx);
  state.SetItemsProcessed(state.iterations());
}

// The floor's method over the bytes a JWT actually signs ("header.claims"),
// to show how much of JwtSigner::Sign is the HMAC itself: that part grows
// with the token's length, whatever the encoder does.
void BM_ReusedHmacCtxJwtInput(benchmark::State& state, bool all_optional) {
  const JwtSigner signer = *JwtSigner::FromSecret(kJwtSecret);
  const std::string jwt = *signer.Sign(Claims(all_optional));
  const std::string signing_input = jwt.substr(0, jwt.rfind('.'));
  HMAC_CTX* ctx = NewKeyedHmacCtx();
  Tag tag;
  for (auto _ : state) {
    ReusedHmacCtx(ctx, signing_input, tag);
    benchmark::DoNotOptimize(tag);
  }
  HMAC_CTX_free(ctx);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(absl::StrCat(signing_input.size(), " bytes"));
}

// Shared by all threads of a multi-threaded run, as one secret version is
// shared by all the server's threads.
const EmailHasher& SharedHasher() {
  static const EmailHasher* hasher = new EmailHasher(*EmailHasher::FromHexSecret(kHexSecret));
  return *hasher;
}

void BM_EmailHashTo(benchmark::State& state) {
  const EmailHasher& hasher = SharedHasher();
  char out[kEmailHashHexLength];
  for (auto _ : state) {
    hasher.HashTo(kEmail, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EmailHashString(benchmark::State& state) {
  const EmailHasher& hasher = SharedHasher();
  for (auto _ : state) {
    std::string hash = hasher.Hash(kEmail);
    benchmark::DoNotOptimize(hash);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_JwtSign(benchmark::State& state, bool all_optional) {
  const JwtSigner signer = *JwtSigner::FromSecret(kJwtSecret);
  const WidgetClaims claims = Claims(all_optional);
  for (auto _ : state) {
    absl::StatusOr<std::string> jwt = signer.Sign(claims);
    benchmark::DoNotOptimize(jwt);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_StrictHexDecode(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<SecretBytes> key = StrictHexDecode(kHexSecret);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}

// Keyed state is built once per secret version, at rotation: this is that
// one-time cost, for scale.
void BM_HmacKeyNew(benchmark::State& state) {
  const std::array<std::uint8_t, 32> key = BenchKey();
  for (auto _ : state) {
    absl::StatusOr<HmacSha256Key> k = HmacSha256Key::New(key);
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- Self-check: every variant computes the same thing.

bool SelfCheck() {
  const std::array<std::uint8_t, 32> key = BenchKey();
  Tag want, got;
  OneShotHmac(key, kEmail, want);
  const std::string want_hex = HexEncode(want);
  bool ok = true;
  auto expect = [&](absl::string_view what, const std::string& got_hex) {
    if (got_hex != want_hex) {
      std::fprintf(stderr, "self-check failed: %s differs from HMAC()\n", std::string(what).c_str());
      ok = false;
    }
  };
  EVP_MAC_CTX* keyed = NewKeyedMacCtx();
  DupMac(keyed, kEmail, got);
  expect("EVP_MAC_CTX_dup", HexEncode(got));
  ReusedMac(keyed, kEmail, got);
  ReusedMac(keyed, kEmail, got);  // twice: the re-initialisation must restore the key
  expect("reused EVP_MAC_CTX", HexEncode(got));
  EVP_MAC_CTX_free(keyed);
  HMAC_CTX* hctx = NewKeyedHmacCtx();
  ReusedHmacCtx(hctx, kEmail, got);
  ReusedHmacCtx(hctx, kEmail, got);
  expect("reused HMAC_CTX", HexEncode(got));
  HMAC_CTX_free(hctx);
  expect("EmailHasher::Hash", SharedHasher().Hash(kEmail));

  // The JWT's signature is HMAC-SHA256(secret bytes, "header.claims").
  const JwtSigner signer = *JwtSigner::FromSecret(kJwtSecret);
  for (bool all : {false, true}) {
    absl::StatusOr<std::string> jwt = signer.Sign(Claims(all));
    const std::size_t dot = jwt.ok() ? jwt->rfind('.') : std::string::npos;
    if (dot == std::string::npos) {
      std::fprintf(stderr, "self-check failed: JwtSigner::Sign\n");
      ok = false;
      continue;
    }
    Tag sig;
    unsigned int len = 0;
    HMAC(EVP_sha256(), kJwtSecret.data(), static_cast<int>(kJwtSecret.size()),
         reinterpret_cast<const unsigned char*>(jwt->data()), dot, sig.data(), &len);
    const std::string want_sig = absl::WebSafeBase64Escape(
        absl::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
    if (jwt->substr(dot + 1) != want_sig) {
      std::fprintf(stderr, "self-check failed: JWT signature differs from HMAC()\n");
      ok = false;
    }
  }
  return ok;
}

// ---- Reporting: the console output as usual, then the ratios and targets.

// Records each benchmark's CPU time per call (every repetition), keyed by its
// name, next to the normal console output.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: scripts/bench saves this output to a file.
  RatioReporter()
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      cpu_ns_[run.run_name.str()].push_back(run.GetAdjustedCPUTime() *
                                            NsPerUnit(run.time_unit));
    }
  }

  // The median CPU ns per call of `name`, or 0 if it did not run.
  double Median(const std::string& name) const {
    auto it = cpu_ns_.find(name);
    if (it == cpu_ns_.end() || it->second.empty()) return 0;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

 private:
  static double NsPerUnit(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond: return 1;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1;
  }
  std::map<std::string, std::vector<double>> cpu_ns_;
};

void PrintTargets(const RatioReporter& r) {
  const double evp = r.Median("Ref/ReusedEvpMacCtx");
  const double hctx = r.Median("Ref/ReusedHmacCtx");
  double floor = 0;
  std::string floor_name;
  if (evp > 0 && (hctx == 0 || evp <= hctx)) {
    floor = evp;
    floor_name = "Ref/ReusedEvpMacCtx";
  } else if (hctx > 0) {
    floor = hctx;
    floor_name = "Ref/ReusedHmacCtx";
  }
  std::printf("\n## Crypto ratios (median CPU time per call; floor = %s = %.0f ns)\n\n",
              floor_name.empty() ? "not run" : floor_name.c_str(), floor);
  if (floor == 0) {
    std::printf("(the floor references did not run: no ratios; check --benchmark_filter)\n");
    return;
  }
  std::printf("| benchmark | ns/call | x floor | target | verdict |\n");
  std::printf("|---|---:|---:|---|---|\n");
  struct Row {
    const char* name;
    double target;  // 0: informational
  };
  const Row rows[] = {
      {"Ref/OneShotHMAC", 0},
      {"Ref/EvpMacCtxDup", 0},
      {"Ref/ReusedEvpMacCtx", 0},
      {"Ref/ReusedHmacCtx", 0},
      {"EmailHasher/HashTo", 1.5},
      {"EmailHasher/Hash", 0},
      {"JwtSigner/Sign/no_optional_claims", 4},
      {"JwtSigner/Sign/all_optional_claims", 4},
      {"Ref/ReusedHmacCtx/jwt_signing_input/no_optional_claims", 0},
      {"Ref/ReusedHmacCtx/jwt_signing_input/all_optional_claims", 0},
      {"StrictHexDecode/64_hex_chars", 0},
      {"HmacSha256Key/New", 0},
  };
  for (const Row& row : rows) {
    const double ns = r.Median(row.name);
    if (ns == 0) continue;
    const double ratio = ns / floor;
    std::string target = "-", verdict = "-";
    if (row.target > 0) {
      target = absl::StrFormat("<= %.1fx", row.target);
      verdict = ratio <= row.target ? "met" : "NOT met";
    }
    std::printf("| %s | %.0f | %.2f | %s | %s |\n", row.name, ns, ratio, target.c_str(),
                verdict.c_str());
  }
}

void RegisterAll() {
  benchmark::RegisterBenchmark("Ref/OneShotHMAC", BM_OneShotHmac);
  benchmark::RegisterBenchmark("Ref/EvpMacCtxDup", BM_EvpMacCtxDup);
  benchmark::RegisterBenchmark("Ref/ReusedEvpMacCtx", BM_ReusedEvpMacCtx);
  benchmark::RegisterBenchmark("Ref/ReusedHmacCtx", BM_ReusedHmacCtx);
  benchmark::RegisterBenchmark("EmailHasher/HashTo", BM_EmailHashTo);
  benchmark::RegisterBenchmark("EmailHasher/Hash", BM_EmailHashString);
  benchmark::RegisterBenchmark("JwtSigner/Sign/no_optional_claims", BM_JwtSign, false);
  benchmark::RegisterBenchmark("JwtSigner/Sign/all_optional_claims", BM_JwtSign, true);
  benchmark::RegisterBenchmark("Ref/ReusedHmacCtx/jwt_signing_input/no_optional_claims",
                               BM_ReusedHmacCtxJwtInput, false);
  benchmark::RegisterBenchmark("Ref/ReusedHmacCtx/jwt_signing_input/all_optional_claims",
                               BM_ReusedHmacCtxJwtInput, true);
  benchmark::RegisterBenchmark("StrictHexDecode/64_hex_chars", BM_StrictHexDecode);
  benchmark::RegisterBenchmark("HmacSha256Key/New", BM_HmacKeyNew);
  // Scaling across threads (wall-clock throughput; items_per_second is the
  // number to compare). On 2 shared cores this is indicative only.
  benchmark::RegisterBenchmark("Scaling/OneShotHMAC", BM_OneShotHmac)
      ->Threads(1)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark("Scaling/EmailHasher/HashTo", BM_EmailHashTo)
      ->Threads(1)->Threads(2)->UseRealTime();
}

}  // namespace
}  // namespace identity::crypto

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (!identity::crypto::SelfCheck()) return 1;
  identity::crypto::RegisterAll();
  identity::crypto::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  identity::crypto::PrintTargets(reporter);
  benchmark::Shutdown();
  return 0;
}
