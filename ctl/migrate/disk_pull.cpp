#include "ctl/migrate/disk_pull.h"

#include <openssl/rand.h>

#include <chrono>

#include "common/pki.h"
#include "common/sm_crypto.h"
#include "ctl/hosts/ca_identity.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int64_t kStatusWaitMs = 500;  // each volume.pull_status waits this long for the end
// The transfer certificate opens one stream, which must begin soon.
constexpr int64_t kTransferCertificateSeconds = 15 * 60;

Result<std::string> new_ticket() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    return error(Code::kInternal, "transfer ticket: no random bytes");
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool no_such_method(const Status& s) {
  return s.code() == Code::kNotFound && s.message().find("no such method") != std::string::npos;
}

}  // namespace

std::optional<Result<CopiedFile>> pull_volume_file(
    HostClients& clients, const std::string& from, const std::string& to, const std::string& volume,
    const std::string& ext, const std::function<void(int64_t, int64_t)>& progress,
    std::string& why_not) {
  auto source = clients.tls_route(from);
  if (!source || !clients.tls_route(to) || !clients.pki()) return std::nullopt;
  auto ca = load_ca_identity(*clients.pki());
  if (!ca.ok()) {
    why_not = "no CA key to sign a transfer certificate: " + ca.status().message();
    return std::nullopt;
  }
  auto ticket = new_ticket();
  if (!ticket.ok()) return Result<CopiedFile>(ticket.status());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto transfer =
      issue_certificate(*ca, kTransferCommonNamePrefix + *ticket, {}, CertificateUsage::kClient,
                        now - 60, now + kTransferCertificateSeconds);
  if (!transfer.ok()) return Result<CopiedFile>(transfer.status());

  // A simulated host's volume has no file, an older agent no volume.offer:
  // the copy through the controller knows what to do with both.
  auto offered =
      clients.call(from, "volume.offer", {{"name", volume}, {"ext", ext}, {"ticket", *ticket}});
  if (!offered.ok()) {
    why_not = from + " offered no file: " + offered.status().message();
    return std::nullopt;
  }
  const int64_t size = offered->value("size", int64_t{0});
  auto started = clients.call(to, "volume.pull",
                              {{"name", volume},
                               {"ext", ext},
                               {"ticket", *ticket},
                               {"size", size},
                               {"source", {{"host", source->host}, {"port", source->port}}},
                               {"certificate", transfer->certificate_pem},
                               {"key", transfer->private_key_pem}});
  if (!started.ok()) {
    if (no_such_method(started.status())) {
      why_not = to + "'s agent cannot pull (no volume.pull)";
      return std::nullopt;
    }
    return Result<CopiedFile>(started.status());
  }
  for (;;) {
    auto state = clients.call(to, "volume.pull_status",
                              {{"name", volume}, {"ext", ext}, {"wait_ms", kStatusWaitMs}});
    if (!state.ok()) return Result<CopiedFile>(state.status());
    const std::string phase = state->value("state", std::string("failed"));
    if (progress) progress(state->value("bytes", int64_t{0}), size);
    if (phase == "running") continue;
    if (phase == "done")
      return Result<CopiedFile>(CopiedFile{size, state->value("sha256", std::string()), true, {}});
    // The target could not reach the source: the controller, which reaches both, carries it.
    if (state->value("unreached", false)) {
      why_not = to + " could not reach " + from + ": " + state->value("error", std::string());
      return std::nullopt;
    }
    return Result<CopiedFile>(error(Code::kIo, "volume " + volume + ": copy from " + from + " to " +
                                                   to + ": " +
                                                   state->value("error", std::string("failed"))));
  }
}

}  // namespace xc
