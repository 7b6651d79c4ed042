#include "ctl/audit/audit_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/sm_crypto.h"
#include "common/time.h"

namespace xc {
namespace {

Status tampered(const std::string& where, const std::string& why) {
  return error(Code::kPermissionDenied, "checkpoint " + where + ": " + why);
}

// One line back to a checkpoint, or why it is not one.
Result<Checkpoint> parse_line(const std::string& line, const std::string& where,
                              const std::string& public_pem) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_integer() ||
      !j.contains("digest") || !j["digest"].is_string() || !j.contains("time") ||
      !j["time"].is_string() || !j.contains("signature") || !j["signature"].is_string()) {
    return tampered(where, "not a checkpoint (expected seq, digest, time and signature)");
  }
  Checkpoint c;
  c.seq = j["seq"].get<int64_t>();
  c.where = where;
  std::optional<std::string> digest = from_hex(j["digest"].get<std::string>());
  std::optional<std::string> signature = from_hex(j["signature"].get<std::string>());
  Result<int64_t> time = parse_time_ms(j["time"].get<std::string>());
  if (!digest || digest->size() != 32 || !signature || !time.ok()) {
    return tampered(where, "not a checkpoint (a malformed digest, time or signature)");
  }
  c.digest = *digest;
  c.time_ms = *time;
  std::string id(kSm2DefaultId);
  if (j.contains("sm2_id") && j["sm2_id"].is_string()) id = j["sm2_id"].get<std::string>();
  Status st = sm2_verify(public_pem, checkpoint_message(c), *signature, id);
  if (st.code() == Code::kPermissionDenied) return tampered(where, st.message());
  if (!st.ok()) return st;
  // The text must be what was signed, so an edit of "time" cannot pass.
  if (format_time_ms(c.time_ms) != j["time"].get<std::string>()) {
    return tampered(where, "signature does not verify");
  }
  return c;
}

}  // namespace

std::string checkpoint_message(const Checkpoint& c) {
  return "xcloud-audit-checkpoint-v1\nseq=" + std::to_string(c.seq) +
         "\ndigest=" + to_hex(c.digest) + "\ntime=" + format_time_ms(c.time_ms) + "\n";
}

Result<std::string> checkpoint_line(const Checkpoint& c, const std::string& private_pem) {
  Result<std::string> signature = sm2_sign(private_pem, checkpoint_message(c));
  if (!signature.ok()) return signature.status();
  nlohmann::ordered_json j;
  j["seq"] = c.seq;
  j["digest"] = to_hex(c.digest);
  j["time"] = format_time_ms(c.time_ms);
  j["sm2_id"] = std::string(kSm2DefaultId);
  j["signature"] = to_hex(*signature);
  return j.dump();
}

Status append_checkpoint_line(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return error(Code::kIo, "checkpoint file " + path + ": " + std::strerror(errno));
  std::string data = line + "\n";
  ssize_t n = ::write(fd, data.data(), data.size());
  std::string why;
  if (n != static_cast<ssize_t>(data.size())) {
    why = n < 0 ? std::strerror(errno) : "short write";
  } else if (::fsync(fd) != 0) {
    why = std::strerror(errno);
  }
  ::close(fd);
  if (!why.empty()) return error(Code::kIo, "checkpoint file " + path + ": cannot write: " + why);
  return {};
}

Result<std::vector<Checkpoint>> read_checkpoints(const std::string& path,
                                                 const std::string& public_pem) {
  std::ifstream in(path);
  if (!in) return error(Code::kNotFound, "checkpoint file " + path + ": cannot be read");
  std::vector<Checkpoint> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Result<Checkpoint> c = parse_line(line, path + ":" + std::to_string(number), public_pem);
    if (!c.ok()) return c.status();
    out.push_back(*c);
  }
  return out;
}

Result<std::optional<Checkpoint>> read_last_checkpoint(const std::string& path,
                                                       const std::string& public_pem) {
  std::ifstream in(path);
  if (!in) return std::optional<Checkpoint>();
  std::string line, last;
  int number = 0, last_number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last = line;
    last_number = number;
  }
  if (last_number == 0) return std::optional<Checkpoint>();
  Result<Checkpoint> c = parse_line(last, path + ":" + std::to_string(last_number), public_pem);
  if (!c.ok()) return c.status();
  return std::optional<Checkpoint>(*c);
}

}  // namespace xc
