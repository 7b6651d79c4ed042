#include "agent/volume_pull.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "agent/volume_send.h"
#include "common/digest.h"
#include "common/file_write.h"

namespace xc {
namespace {

constexpr size_t kReceivePiece = 1 << 20;  // written, and its write-back started, at a time

// Reads exactly `size` bytes, or fewer when the connection ends or fails.
size_t read_full(SSL* ssl, char* into, size_t size) {
  size_t got = 0;
  while (got < size) {
    int n = SSL_read(ssl, into + got, static_cast<int>(std::min<size_t>(size - got, 1 << 30)));
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

struct PulledPart {
  int fd = -1;
  ~PulledPart() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

const char* pull_phase_name(PullState::Phase phase) {
  switch (phase) {
    case PullState::kRunning:
      return "running";
    case PullState::kDone:
      return "done";
    case PullState::kFailed:
      return "failed";
  }
  return "failed";
}

VolumePulls::~VolumePulls() {
  std::map<std::string, std::shared_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs.swap(jobs_);
  }
  for (auto& [_, job] : jobs) {
    job->cancel = true;
    if (job->thread.joinable()) job->thread.join();
  }
}

void VolumePulls::stop(const std::string& path) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(path);
    if (it == jobs_.end()) return;
    job = it->second;
    jobs_.erase(it);
  }
  job->cancel = true;
  if (job->thread.joinable()) job->thread.join();
}

Status VolumePulls::start(PullOrder order) {
  stop(order.path);  // a controller that restarted the copy: the old pull gives way
  std::lock_guard<std::mutex> lock(mutex_);
  size_t running = 0;
  std::vector<std::string> finished;
  for (auto& [path, job] : jobs_) {
    std::lock_guard<std::mutex> job_lock(job->mutex);
    if (job->state.phase == PullState::kRunning)
      ++running;
    else
      finished.push_back(path);
  }
  if (running >= kMaxRunning)
    return error(Code::kUnavailable, std::to_string(kMaxRunning) +
                                         " pulls are running, the agent's limit; try again later");
  for (size_t i = 0; jobs_.size() >= kMaxRemembered && i < finished.size(); ++i) {
    auto it = jobs_.find(finished[i]);
    if (it->second->thread.joinable()) it->second->thread.join();
    jobs_.erase(it);
  }
  auto job = std::make_shared<Job>();
  job->state.size = order.size;
  job->order = std::move(order);
  Job* raw = job.get();
  jobs_[raw->order.path] = job;
  job->thread = std::thread([raw] { run(*raw); });
  return {};
}

std::optional<PullState> VolumePulls::state(const std::string& path,
                                            std::chrono::milliseconds wait) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(path);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
  }
  std::unique_lock<std::mutex> lock(job->mutex);
  job->changed.wait_for(lock, wait, [&] { return job->state.phase != PullState::kRunning; });
  return job->state;
}

void VolumePulls::run(Job& job) {
  const PullOrder& o = job.order;
  auto finish = [&](PullState::Phase phase, std::string why, bool unreached = false,
                    std::string sha256 = "") {
    std::lock_guard<std::mutex> lock(job.mutex);
    job.state.phase = phase;
    job.state.error = std::move(why);
    job.state.unreached = unreached;
    job.state.sha256 = std::move(sha256);
    job.changed.notify_all();
  };
  UpgradeRequest request;
  request.host = o.host;
  request.port = o.port;
  request.path = "/v1/volume-stream";
  request.protocol = "xcloud-volume";
  request.body = nlohmann::json{{"ticket", o.ticket}}.dump();
  auto connection = open_upgraded(request, o.identity);
  if (!connection.ok())
    return finish(PullState::kFailed, connection.status().message(),
                  connection.status().code() == Code::kUnavailable);
  SSL* ssl = (*connection)->ssl();
  const std::string& where = (*connection)->where();
  const std::string part = o.path + ".part";
  PulledPart out{::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  if (out.fd < 0) return finish(PullState::kFailed, part + ": " + std::strerror(errno));
  Sha256Hasher md;
  if (!md.status().ok()) return finish(PullState::kFailed, md.status().message());
  std::string buffer(kReceivePiece, '\0');
  int64_t done = 0;
  while (done < o.size) {
    if (job.cancel) {
      ::unlink(part.c_str());
      return finish(PullState::kFailed, "stopped before it ended");
    }
    const size_t want = static_cast<size_t>(std::min<int64_t>(kReceivePiece, o.size - done));
    const size_t got = read_full(ssl, buffer.data(), want);
    if (got == 0)
      return finish(PullState::kFailed, where + ": the stream ended after " + std::to_string(done) +
                                            " of " + std::to_string(o.size) + " bytes");
    const std::string_view piece(buffer.data(), got);
    if (!pwrite_all(out.fd, piece, done))
      return finish(PullState::kFailed, part + ": " + std::strerror(errno));
    // The disk works on this piece while the next one arrives.
    ::sync_file_range(out.fd, static_cast<off_t>(done), static_cast<off_t>(got),
                      SYNC_FILE_RANGE_WRITE);
    md.update(piece);
    done += static_cast<int64_t>(got);
    std::lock_guard<std::mutex> lock(job.mutex);
    job.state.bytes = done;
  }
  char theirs[kSha256HexBytes];
  if (read_full(ssl, theirs, sizeof theirs) != sizeof theirs)
    return finish(PullState::kFailed, where + ": the stream ended before its digest");
  auto mine = md.finish_hex();
  if (!mine.ok()) return finish(PullState::kFailed, mine.status().message());
  if (*mine != std::string_view(theirs, sizeof theirs)) {
    ::unlink(part.c_str());
    return finish(PullState::kFailed, o.path + ": the copy's SHA-256 " + *mine +
                                          " is not the source's; the copy was removed");
  }
  if (::fsync(out.fd) != 0) return finish(PullState::kFailed, part + ": " + std::strerror(errno));
  if (Status placed = o.commit(); !placed.ok()) return finish(PullState::kFailed, placed.message());
  finish(PullState::kDone, "", false, *mine);
}

}  // namespace xc
