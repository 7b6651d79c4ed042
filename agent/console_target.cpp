#include "agent/console_target.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pugixml.hpp>
#include <thread>

#include "agent/domain_inventory.h"
#include "agent/rpc_service.h"

namespace xc {
namespace {

class SocketTarget final : public ConsoleTarget {
 public:
  SocketTarget(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  ~SocketTarget() override { ::close(fd_); }
  int fd() const override { return fd_; }
  std::string describe() const override { return what_; }

 private:
  int fd_;
  std::string what_;
};

// The serial console: one end of a socket pair for the tunnel; two threads
// copy between the other end and the libvirt stream (blocking calls, as
// libvirt's client allows one thread sending while another receives).
class SerialTarget final : public ConsoleTarget {
 public:
  SerialTarget(Connection own, Domain domain, virStreamPtr stream, int ours, int theirs)
      : own_(std::move(own)),
        domain_(std::move(domain)),
        stream_(stream),
        ours_(ours),
        theirs_(theirs) {
    from_guest_ = std::thread([this] {
      char buf[16 * 1024];
      for (;;) {
        int n = virStreamRecv(stream_, buf, sizeof buf);
        if (n <= 0 || !write_all(theirs_, buf, static_cast<size_t>(n))) break;
      }
      ::shutdown(theirs_, SHUT_WR);  // the tunnel sees the console end
    });
    to_guest_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        ssize_t n = ::read(theirs_, buf, sizeof buf);
        if (n <= 0) break;
        if (virStreamSend(stream_, buf, static_cast<size_t>(n)) < 0) break;
      }
      virStreamAbort(stream_);  // wakes the receiving thread
    });
  }
  ~SerialTarget() override {
    ::shutdown(ours_, SHUT_RDWR);  // ends the sending thread, which aborts the stream
    to_guest_.join();
    from_guest_.join();
    virStreamFree(stream_);
    ::close(ours_);
    ::close(theirs_);
  }
  int fd() const override { return ours_; }
  std::string describe() const override { return "serial"; }

 private:
  static bool write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::write(fd, data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  // A blocking stream holds its connection's I/O while it waits for the
  // guest (libvirt 9.0's client then stalls every other call on it: a reboot
  // during a session hung), so a session has a connection of its own.
  Connection own_;
  Domain domain_;
  virStreamPtr stream_;
  int ours_, theirs_;
  std::thread from_guest_, to_guest_;
};

Result<int> connect_loopback(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
    return error(Code::kUnavailable, "VNC " + address + ": bad address");
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd >= 0 && ::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0)
    return error(Code::kUnavailable,
                 "VNC " + address + ":" + std::to_string(port) + ": connection refused");
  return fd;
}

Result<std::unique_ptr<ConsoleTarget>> open_vnc(virDomainPtr d, const std::string& name) {
  pugi::xml_document doc;
  doc.load_string(take_string(virDomainGetXMLDesc(d, 0)).c_str());
  pugi::xml_node g = doc.select_node("/domain/devices/graphics[@type='vnc']").node();
  if (!g) return error(Code::kNotFound, "domain " + name + ": has no VNC console");
  int port = g.attribute("port").as_int(-1);
  if (port <= 0)
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": VNC console is not listening (is it running?)");
  std::string listen = g.attribute("listen").as_string("127.0.0.1");
  if (listen != "127.0.0.1" && listen != "::1")
    return error(Code::kPermissionDenied,
                 "domain " + name + ": VNC listens on " + listen + ", not on the loopback address");
  auto fd = connect_loopback(listen, port);
  if (!fd.ok()) return error(fd.status().code(), "domain " + name + ": " + fd.status().message());
  return std::unique_ptr<ConsoleTarget>(
      new SocketTarget(*fd, "vnc " + listen + ":" + std::to_string(port)));
}

Result<std::unique_ptr<ConsoleTarget>> open_serial(AgentContext& ctx, virDomainPtr d,
                                                   const std::string& name) {
  int state = 0, reason = 0;
  if (virDomainGetState(d, &state, &reason, 0) != 0 || state != VIR_DOMAIN_RUNNING)
    return error(Code::kFailedPrecondition, "domain " + name + ": is not running");
  // The test driver keeps its domains per connection: a second one would not
  // see them (and it has no consoles to stall on).
  Connection own;
  Domain domain;
  virConnectPtr conn = ctx.conn;
  if (!ctx.test_driver) {
    auto opened = open_libvirt(ctx.config.libvirt_uri);
    if (!opened.ok()) return opened.status();
    own = std::move(*opened);
    domain.reset(virDomainLookupByName(own.get(), name.c_str()));
    if (!domain) return libvirt_error("domain " + name + ": serial console: ");
    conn = own.get();
    d = domain.get();
  }
  virStreamPtr stream = virStreamNew(conn, 0);
  if (stream == nullptr) return libvirt_error("domain " + name + ": serial console: ");
  // Without FORCE: a console another client holds is refused, not taken.
  if (virDomainOpenConsole(d, nullptr, stream, 0) < 0) {
    Status s = libvirt_error("domain " + name + ": serial console: ");
    virStreamFree(stream);
    return s;
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    virStreamAbort(stream);
    virStreamFree(stream);
    return error(Code::kIo, "domain " + name + ": serial console: socketpair failed");
  }
  return std::unique_ptr<ConsoleTarget>(
      new SerialTarget(std::move(own), std::move(domain), stream, pair[0], pair[1]));
}

}  // namespace

Result<std::unique_ptr<ConsoleTarget>> open_console_target(AgentContext& ctx,
                                                           const nlohmann::json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  std::string type = params.is_object() ? params.value("type", "vnc") : "vnc";
  if (type != "vnc" && type != "serial")
    return error(Code::kInvalidArgument, "params.type: expected vnc or serial");
  auto domain = owned_domain(ctx, *name);
  if (!domain.ok()) return domain.status();
  if (type == "serial") return open_serial(ctx, domain->get(), *name);
  return open_vnc(domain->get(), *name);
}

}  // namespace xc
