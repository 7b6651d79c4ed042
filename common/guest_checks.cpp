// The guest section's checks (see guest_checks.h).
#include "common/guest_checks.h"

#include "common/domain_spec.h"

namespace xc {

std::vector<Diagnostic> check_guest_section(const YamlDocument& doc) {
  std::vector<Diagnostic> out;
  const nlohmann::json& tree = doc.tree;
  if (!tree.is_object() || tree.value("kind", "") != "VirtualMachine") return out;
  nlohmann::json::json_pointer where("/spec/guest");
  if (!tree.contains(where) || !tree[where].is_object()) return out;
  const nlohmann::json& guest = tree[where];
  if (guest.contains("password"))
    out.push_back(doc.error_at_key(
        "/spec/guest/password",
        "a plaintext password is refused: give guest.passwordHash, a crypt(3) hash (e.g. "
        "from 'mkpasswd -m yescrypt' or 'openssl passwd -6')"));
  if (guest.contains("passwordHash") && guest["passwordHash"].is_string()) {
    const std::string hash = guest["passwordHash"].get<std::string>();
    if (!hash.empty() && !is_crypt_hash(hash))
      out.push_back(doc.error_at(
          "/spec/guest/passwordHash",
          "guest.passwordHash is not a crypt(3) hash ($y$..., $6$..., $5$..., $2b$...); a "
          "plaintext password is refused"));
  }
  if (guest.contains("sshAuthorizedKeys") && guest["sshAuthorizedKeys"].is_array()) {
    const nlohmann::json& keys = guest["sshAuthorizedKeys"];
    if (keys.size() > kMaxSshKeys)
      out.push_back(doc.error_at("/spec/guest/sshAuthorizedKeys",
                                 "guest.sshAuthorizedKeys has " + std::to_string(keys.size()) +
                                     " keys; at most " + std::to_string(kMaxSshKeys) +
                                     " are allowed"));
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i].is_string() && !is_ssh_public_key(keys[i].get<std::string>()))
        out.push_back(doc.error_at(
            "/spec/guest/sshAuthorizedKeys/" + std::to_string(i),
            "guest.sshAuthorizedKeys[" + std::to_string(i) +
                "] is not an OpenSSH public key on one line ('ssh-ed25519 AAAA... comment')"));
  }
  return out;
}

}  // namespace xc
