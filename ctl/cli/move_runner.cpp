#include "ctl/cli/move_runner.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "common/domain_spec.h"
#include "common/printable.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/hosts/host_object.h"

namespace xc {
namespace {

std::string who_where(const MoveRequest& r) {
  return r.tenant + "/" + r.name + " " + r.from_host + " -> " + r.to_host;
}

// One line per phase, under the runner's lock.
class MoveLines : public MoveObserver {
 public:
  MoveLines(std::ostream& out, std::mutex& mutex) : out_(out), mutex_(mutex) {}
  void phase(const MoveRequest& r, const std::string& phase) override {
    if (phase == "done") return;
    std::lock_guard<std::mutex> lock(mutex_);
    out_ << "migrate " << printable(who_where(r)) << ": " << phase << std::endl;
  }
  void progress(const MoveRequest&, int64_t, int64_t, int64_t) override {}

 private:
  std::ostream& out_;
  std::mutex& mutex_;
};

}  // namespace

Status settle_moves(CliContext& ctx, Store& store, HostClients& clients, const CLI::App& cmd) {
  auto moves = store.list_moves();
  if (!moves.ok()) return moves.status();
  if (moves->empty()) return {};
  auto hosts = store.list_hosts();
  if (!hosts.ok()) return hosts.status();
  for (const auto& h : *hosts) clients.add_host(host_object(store, h));
  AuditLog log(store);
  std::mutex mutex;
  MoveLines lines(ctx.out, mutex);
  VmMover mover(log, clients, audit_identity_for(cmd));
  for (const auto& [r, result] : mover.resume(lines)) {
    if (!result.ok())
      return error(result.status().code(), "unfinished move of " + r.tenant + "/" + r.name + ": " +
                                               result.status().message());
    ctx.out << "journal: " << printable(who_where(r)) << ": " << printable(result->summary())
            << "\n";
  }
  return {};
}

Result<MoveRequest> move_request(const Reconcile& r, const PlanStep& step) {
  MoveRequest m;
  m.tenant = step.tenant;
  m.name = step.name;
  m.from_host = step.from_host;
  m.to_host = step.host;
  m.mode = step.move_mode == "live" ? MoveMode::kLive : MoveMode::kCold;
  auto stored = r.stored.find(object_key(step.tenant, step.name));
  m.spec = stored != r.stored.end() && stored->second.record.contains("domain")
               ? stored->second.record["domain"]
               : step.params;
  auto spec = domain_spec_from_json(m.spec);
  if (!spec.ok()) return spec.status();
  m.domain = domain_name(*spec);
  return m;
}

std::vector<MoveOutcome> run_moves(CliContext& ctx, const std::string& state_path,
                                   HostClients& clients, const AuditIdentity& who,
                                   const std::vector<MoveRequest>& moves, int parallel,
                                   ImageSupplier* images) {
  std::vector<MoveOutcome> out(moves.size());
  std::mutex mutex;
  MoveLines lines(ctx.out, mutex);
  std::atomic<size_t> next{0};
  size_t finished = 0;
  auto worker = [&] {
    auto store = open_store(state_path, OpenMode::kExisting);
    std::unique_ptr<AuditLog> log;
    std::unique_ptr<VmMover> mover;
    if (store.ok()) {
      log = std::make_unique<AuditLog>(**store);
      mover = std::make_unique<VmMover>(*log, clients, who);
      mover->supply_images_with(images);
    }
    for (size_t i = next++; i < moves.size(); i = next++) {
      out[i].request = moves[i];
      out[i].result = mover ? mover->move(moves[i], lines) : Result<MoveResult>(store.status());
      std::lock_guard<std::mutex> lock(mutex);
      std::string counter =
          "[" + std::to_string(++finished) + "/" + std::to_string(moves.size()) + "] ";
      if (out[i].result.ok())
        ctx.out << counter << "done: migrate " << printable(who_where(moves[i])) << ": "
                << printable(out[i].result->summary()) << std::endl;
      else
        ctx.out << counter << "FAILED: migrate " << printable(who_where(moves[i])) << ": "
                << printable(out[i].result.status().message()) << std::endl;
    }
  };
  int n = std::max(1, std::min<int>(parallel, static_cast<int>(moves.size())));
  std::vector<std::thread> workers;
  for (int w = 0; w < n; ++w) workers.emplace_back(worker);
  for (auto& t : workers) t.join();
  return out;
}

}  // namespace xc
