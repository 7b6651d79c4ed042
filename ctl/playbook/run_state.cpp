#include "ctl/playbook/run_state.h"

#include "common/printable.h"
#include "common/sm_crypto.h"

namespace xc {
namespace {

using nlohmann::json;

std::string run_key(const std::string& digest) {
  return "playbook.run." + digest;
}

// Paths can be long and hold anything: the key holds their digest.
Result<std::string> file_key(const std::string& file) {
  auto d = sm3(file);
  if (!d.ok()) return d.status();
  return "playbook.file." + to_hex(as_bytes(*d));
}

std::string values_text(const std::map<std::string, std::string>& values) {
  std::string out;
  for (const auto& [k, v] : values) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return out.empty() ? "none" : out;
}

}  // namespace

json PlayRunState::to_json() const {
  return {
      {"digest", digest},       {"file", file},     {"values", values},          {"next", next},
      {"steps", steps},         {"status", status}, {"failedStep", failed_step}, {"error", error},
      {"updatedMs", updated_ms}};
}

std::optional<PlayRunState> PlayRunState::from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    PlayRunState s;
    s.digest = j.at("digest").get<std::string>();
    s.file = j.at("file").get<std::string>();
    s.values = j.at("values").get<std::map<std::string, std::string>>();
    s.next = j.at("next").get<size_t>();
    s.steps = j.at("steps").get<size_t>();
    s.status = j.at("status").get<std::string>();
    s.failed_step = j.value("failedStep", "");
    s.error = j.value("error", "");
    s.updated_ms = j.value("updatedMs", int64_t{0});
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Result<std::optional<PlayRunState>> load_run_state(Store& store, const std::string& digest) {
  auto text = store.get_meta(run_key(digest));
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<PlayRunState>();
  auto state = PlayRunState::from_json(json::parse(**text, nullptr, false));
  if (!state)
    return error(Code::kInternal, "the stored run of playbook " + digest + " cannot be read");
  return state;
}

Result<std::string> last_digest_of(Store& store, const std::string& file) {
  auto key = file_key(file);
  if (!key.ok()) return key.status();
  auto text = store.get_meta(*key);
  if (!text.ok()) return text.status();
  return text->value_or("");
}

Status save_run_state(Store& store, const PlayRunState& state) {
  auto key = file_key(state.file);
  if (!key.ok()) return key.status();
  if (Status s = store.put_meta(run_key(state.digest), state.to_json().dump()); !s.ok()) return s;
  return store.put_meta(*key, state.digest);
}

Result<size_t> start_step(const Playbook& pb, const std::optional<PlayRunState>& stored,
                          const std::string& last_digest, bool resume, bool restart) {
  const std::string file = printable(pb.file);
  bool stopped = stored && stored->status != "done" && stored->next < pb.steps.size();
  auto where = [&] {
    const PlaybookStep& s = pb.steps[stored->next];
    return "step " + std::to_string(stored->next + 1) + "/" + std::to_string(pb.steps.size()) +
           " \"" + printable(s.name) + "\"";
  };
  if (restart) return size_t{0};
  if (!resume) {
    if (stopped)
      return error(Code::kFailedPrecondition,
                   file + ": its last run stopped at " + where() +
                       "; continue it with --resume, or start from step 1 with --restart");
    return size_t{0};
  }
  if (!stored) {
    if (!last_digest.empty() && last_digest != pb.digest)
      return error(Code::kFailedPrecondition,
                   file + " changed since its last run (SM3 " + last_digest.substr(0, 16) +
                       "..., now " + pb.digest.substr(0, 16) +
                       "...): not resumed blindly; review the change, then run it with --restart "
                       "(from step 1)");
    return error(Code::kFailedPrecondition, file + ": no stopped run of this playbook to resume");
  }
  if (!stopped)
    return error(Code::kFailedPrecondition,
                 file + ": its last run finished; nothing to resume (--restart runs it again)");
  std::map<std::string, std::string> now(pb.values.begin(), pb.values.end());
  if (now != stored->values)
    return error(Code::kFailedPrecondition,
                 file + ": the parameters differ from the stopped run's (" +
                     printable(values_text(stored->values)) + "; now " +
                     printable(values_text(now)) + "); give the same --set values to resume");
  return stored->next;
}

}  // namespace xc
