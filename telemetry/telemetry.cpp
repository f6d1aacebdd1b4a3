#include "telemetry/telemetry.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "engine/error.hpp"

namespace genops::telemetry {

namespace {

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

bool is_lower_hex_id(std::string_view hex, std::size_t digits) {
  if (hex.size() != digits) {
    return false;
  }
  bool any_nonzero = false;
  for (const char c : hex) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = c >= 'a' && c <= 'f';
    if (!digit && !letter) {
      return false;
    }
    any_nonzero = any_nonzero || c != '0';
  }
  return any_nonzero;
}

// Little-endian fixed layout, so the hash input is the same on every platform.
void put_u64(std::array<unsigned char, 64>& buffer, std::size_t& at, std::uint64_t value) {
  for (int byte = 0; byte < 8; ++byte) {
    buffer[at++] = static_cast<unsigned char>(value >> (8 * byte));
  }
}

using KeyBytes = std::array<unsigned char, 64>;

// The hash input of an id: domain tag, key, step.
std::size_t key_bytes(KeyBytes& input, std::uint64_t domain, const TelemetryIdKey& key,
                      std::uint64_t step) {
  std::size_t size = 0;
  put_u64(input, size, domain);
  put_u64(input, size, key.run_nonce);
  put_u64(input, size, key.seed);
  put_u64(input, size, key.replication);
  put_u64(input, size, key.deployment_id);
  put_u64(input, size, step);
  return size;
}

std::array<unsigned char, 32> hash_key(std::uint64_t domain, const TelemetryIdKey& key,
                                       std::uint64_t step) {
  KeyBytes input{};
  const std::size_t size = key_bytes(input, domain, key, step);
  std::array<unsigned char, 32> digest{};
  unsigned int digest_size = 0;
  const int ok = EVP_Digest(input.data(), size, digest.data(), &digest_size, EVP_sha256(), nullptr);
  GENOPS_ASSERT(ok == 1 && digest_size == digest.size(), "EVP_Digest(SHA-256) failed");
  return digest;
}

// Lowercase hex of the first `N / 2` digest bytes; an all-zero id is invalid in W3C Trace
// Context, so its last digit becomes 1 (the chance is 2^-64 but the fix is free).
template <std::size_t N>
void hex_id_into(const std::array<unsigned char, 32>& digest, std::array<char, N>& hex) {
  static constexpr char kDigits[] = "0123456789abcdef";
  bool any_nonzero = false;
  for (std::size_t i = 0; i < N / 2; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 0xf];
    any_nonzero = any_nonzero || digest[i] != 0;
  }
  if (!any_nonzero) {
    hex.back() = '1';
  }
}

template <std::size_t N>
std::string to_hex_id(const std::array<unsigned char, 32>& digest) {
  std::array<char, N> hex{};
  hex_id_into(digest, hex);
  return std::string(hex.data(), hex.size());
}

// Domain tags keep trace and span ids of the same key independent.
constexpr std::uint64_t kTraceDomain = 0x67656e6f70732d74ULL;  // "genops-t"
constexpr std::uint64_t kSpanDomain = 0x67656e6f70732d73ULL;   // "genops-s"

}  // namespace

std::string_view value_type_name(const AttributeValue& value) {
  return std::visit(Overloaded{
                        [](std::monostate) { return std::string_view("empty"); },
                        [](const std::string&) { return std::string_view("stringValue"); },
                        [](double) { return std::string_view("doubleValue"); },
                        [](std::int64_t) { return std::string_view("intValue"); },
                        [](bool) { return std::string_view("boolValue"); },
                        [](const OpaqueValue&) { return std::string_view("opaque"); },
                    },
                    value);
}

void Attributes::set(std::string_view key, AttributeValue value) {
  const auto found = std::find_if(items_.begin(), items_.end(),
                                  [key](const Attribute& item) { return item.key == key; });
  if (found != items_.end()) {
    found->value = std::move(value);
    return;
  }
  items_.push_back(Attribute{std::string(key), std::move(value)});
}

void Attributes::append(std::string key, AttributeValue value) {
  items_.push_back(Attribute{std::move(key), std::move(value)});
}

const AttributeValue* Attributes::find(std::string_view key) const {
  for (const Attribute& item : items_) {
    if (item.key == key) {
      return &item.value;
    }
  }
  return nullptr;
}

const std::string* Attributes::find_string(std::string_view key) const {
  const AttributeValue* value = find(key);
  return value == nullptr ? nullptr : std::get_if<std::string>(value);
}

const double* Attributes::find_double(std::string_view key) const {
  const AttributeValue* value = find(key);
  return value == nullptr ? nullptr : std::get_if<double>(value);
}

const std::int64_t* Attributes::find_int(std::string_view key) const {
  const AttributeValue* value = find(key);
  return value == nullptr ? nullptr : std::get_if<std::int64_t>(value);
}

const bool* Attributes::find_bool(std::string_view key) const {
  const AttributeValue* value = find(key);
  return value == nullptr ? nullptr : std::get_if<bool>(value);
}

bool is_valid_trace_id(std::string_view hex) {
  return is_lower_hex_id(hex, 32);
}
bool is_valid_span_id(std::string_view hex) {
  return is_lower_hex_id(hex, 16);
}

std::string derive_trace_id(const TelemetryIdKey& key) {
  return to_hex_id<32>(hash_key(kTraceDomain, key, 0));
}

std::string derive_span_id(const TelemetryIdKey& key, std::uint32_t step) {
  return to_hex_id<16>(hash_key(kSpanDomain, key, step));
}

struct TelemetryIdDeriver::Digest {
  EVP_MD* sha256 = nullptr;
  EVP_MD_CTX* context = nullptr;

  std::array<unsigned char, 32> hash(std::uint64_t domain, const TelemetryIdKey& key,
                                     std::uint64_t step) {
    KeyBytes input{};
    const std::size_t size = key_bytes(input, domain, key, step);
    std::array<unsigned char, 32> digest{};
    unsigned int digest_size = 0;
    const bool ok = EVP_DigestInit_ex2(context, sha256, nullptr) == 1 &&
                    EVP_DigestUpdate(context, input.data(), size) == 1 &&
                    EVP_DigestFinal_ex(context, digest.data(), &digest_size) == 1;
    GENOPS_ASSERT(ok && digest_size == digest.size(), "EVP_Digest*(SHA-256) failed");
    return digest;
  }
};

TelemetryIdDeriver::TelemetryIdDeriver() : digest_(std::make_unique<Digest>()) {
  digest_->sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  digest_->context = EVP_MD_CTX_new();
  GENOPS_ASSERT(digest_->sha256 != nullptr && digest_->context != nullptr,
                "EVP_MD_fetch(SHA256) / EVP_MD_CTX_new failed");
}

TelemetryIdDeriver::~TelemetryIdDeriver() {
  EVP_MD_CTX_free(digest_->context);
  EVP_MD_free(digest_->sha256);
}

std::array<char, 32> TelemetryIdDeriver::trace_id(const TelemetryIdKey& key) {
  std::array<char, 32> hex{};
  hex_id_into(digest_->hash(kTraceDomain, key, 0), hex);
  return hex;
}

std::array<char, 16> TelemetryIdDeriver::span_id(const TelemetryIdKey& key, std::uint32_t step) {
  std::array<char, 16> hex{};
  hex_id_into(digest_->hash(kSpanDomain, key, step), hex);
  return hex;
}

}  // namespace genops::telemetry
