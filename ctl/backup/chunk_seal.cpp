#include "ctl/backup/chunk_seal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>

#include "common/sm_crypto.h"

namespace xc {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

Result<std::string> sm4_ctr(const std::string& key, std::string_view iv, std::string_view in) {
  if (Status s = sm_self_test(); !s.ok()) return s;
  const EVP_CIPHER* cipher = EVP_sm4_ctr();
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx ||
      EVP_EncryptInit_ex(ctx.get(), cipher, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(iv.data())) != 1)
    return error(Code::kInternal, "SM4-CTR: cannot initialise (OpenSSL without SM4?)");
  std::string out(in.size(), '\0');
  int n = 0;
  // EVP takes int lengths: chunks are at most a few MiB.
  if (EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                        reinterpret_cast<const unsigned char*>(in.data()),
                        static_cast<int>(in.size())) != 1 ||
      static_cast<size_t>(n) != in.size())
    return error(Code::kInternal, "SM4-CTR: encryption failed");
  return out;
}

Result<std::string> hmac_sm3(const std::string& key, std::string_view label, std::string_view a,
                             std::string_view b) {
  if (Status s = sm_self_test(); !s.ok()) return s;
  std::string message;
  message.reserve(label.size() + 8 + a.size() + b.size());
  uint64_t label_size = label.size();
  for (int i = 0; i < 8; ++i) message.push_back(static_cast<char>(label_size >> (8 * i)));
  message.append(label).append(a).append(b);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int tag_len = 0;
  if (!HMAC(EVP_sm3(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), tag, &tag_len))
    return error(Code::kInternal, "HMAC-SM3 failed");
  return std::string(reinterpret_cast<char*>(tag), tag_len);
}

}  // namespace

std::string BackupKey::id() const {
  auto d = sm3("xcloud-backup-key-id" + enc + mac);
  if (!d.ok()) return "";
  return to_hex(as_bytes(*d).substr(0, 8));
}

Result<BackupKey> backup_key_from_bytes(std::string_view raw) {
  if (raw.size() != kBackupKeyBytes)
    return error(Code::kInvalidArgument, "backup key: expected " + std::to_string(kBackupKeyBytes) +
                                             " bytes, found " + std::to_string(raw.size()));
  return BackupKey{std::string(raw.substr(0, 16)), std::string(raw.substr(16))};
}

Result<std::string> seal_chunk(const BackupKey& key, std::string_view label,
                               std::string_view plain) {
  std::string iv(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(iv.data()), 16) != 1)
    return error(Code::kInternal, "no random bytes for an IV");
  auto cipher = sm4_ctr(key.enc, iv, plain);
  if (!cipher.ok()) return cipher.status();
  auto tag = hmac_sm3(key.mac, label, iv, *cipher);
  if (!tag.ok()) return tag.status();
  return iv + *cipher + *tag;
}

Result<std::string> open_chunk(const BackupKey& key, std::string_view label,
                               std::string_view sealed) {
  if (sealed.size() < kSealOverhead)
    return error(Code::kPermissionDenied, "does not authenticate (truncated)");
  std::string_view iv = sealed.substr(0, 16);
  std::string_view cipher = sealed.substr(16, sealed.size() - kSealOverhead);
  std::string_view tag = sealed.substr(sealed.size() - 32);
  auto want = hmac_sm3(key.mac, label, iv, cipher);
  if (!want.ok()) return want.status();
  if (CRYPTO_memcmp(want->data(), tag.data(), 32) != 0)
    return error(Code::kPermissionDenied, "does not authenticate (changed, or another key)");
  return sm4_ctr(key.enc, iv, cipher);
}

Result<std::string> backup_mac_hex(const BackupKey& key, std::string_view data) {
  auto tag = hmac_sm3(key.mac, "xcloud-backup-manifest", data, "");
  if (!tag.ok()) return tag.status();
  return to_hex(*tag);
}

}  // namespace xc
