// Writes meta-data, user-data and network-config into an in-memory ISO image.
#include "agent/seed_iso.h"

// Without libburn, libisofs.h declares struct burn_source itself on request.
#define LIBISOFS_WITHOUT_LIBBURN
#include <libisofs/libisofs.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

namespace xc {
namespace {

// Every timestamp in the image: fixed, so a seed's bytes depend on its
// content only and an unchanged seed is never rewritten.
constexpr time_t kImageTime = 1767225600;  // 2026-01-01T00:00:00Z
constexpr char kVolumeTime[] = "2026010100000000";

Status init_library() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] {
    rc = iso_init_with_flag(1);  // bit 0: leave the process locale alone
    // Errors come back as return codes; nothing goes to the agent's stderr.
    char never[] = "NEVER", id[] = "xcloud-agent";
    if (rc >= 0) iso_set_msgs_severities(never, never, id);
  });
  if (rc < 0) return error(Code::kInternal, "seed image: libisofs failed to start");
  return {};
}

Status failed(const char* what, int rc) {
  return error(Code::kInternal, std::string("seed image: ") + what + " failed (libisofs error " +
                                    std::to_string(rc) + ")");
}

// A libisofs memory stream takes ownership of a malloc'ed copy.
Status add_file(IsoImage* image, const char* name, const std::string& content) {
  auto* buffer = static_cast<unsigned char*>(std::malloc(content.size() ? content.size() : 1));
  if (!buffer) return error(Code::kInternal, "seed image: out of memory");
  std::memcpy(buffer, content.data(), content.size());
  IsoStream* stream = nullptr;
  int rc = iso_memory_stream_new(buffer, content.size(), &stream);
  if (rc < 0) {
    std::free(buffer);
    return failed("memory stream", rc);
  }
  IsoFile* file = nullptr;
  rc = iso_image_add_new_file(image, iso_image_get_root(image), name, stream, &file);
  if (rc < 0) {
    iso_stream_unref(stream);
    return failed("adding a file", rc);
  }
  IsoNode* node = reinterpret_cast<IsoNode*>(file);
  iso_node_set_permissions(node, 0444);
  iso_node_set_mtime(node, kImageTime);
  iso_node_set_atime(node, kImageTime);
  iso_node_set_ctime(node, kImageTime);
  return {};
}

struct ImageRef {
  void operator()(IsoImage* p) const { iso_image_unref(p); }
};
struct OptsRef {
  void operator()(IsoWriteOpts* p) const { iso_write_opts_free(p); }
};
struct SourceRef {
  void operator()(burn_source* p) const {
    if (p->free_data) p->free_data(p);
    std::free(p);
  }
};
struct DataSourceRef {
  void operator()(IsoDataSource* p) const { iso_data_source_unref(p); }
};
struct ReadOptsRef {
  void operator()(IsoReadOpts* p) const { iso_read_opts_free(p); }
};
struct StreamClose {
  void operator()(IsoStream* p) const { iso_stream_close(p); }
};

}  // namespace

Result<std::string> build_seed_iso(const NoCloudSeed& seed) {
  if (Status s = init_library(); !s.ok()) return s;
  // libisofs is not safe to use from two threads at once: concurrent
  // domain.ensure calls crashed the agent in iso_image_unref (a core from
  // e2e: crash_apply). One seed is built at a time; each takes milliseconds.
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  IsoImage* raw_image = nullptr;
  int rc = iso_image_new(kSeedVolumeId, &raw_image);
  if (rc < 0) return failed("new image", rc);
  std::unique_ptr<IsoImage, ImageRef> image(raw_image);
  for (const auto& [name, content] :
       {std::pair<const char*, const std::string*>{"meta-data", &seed.meta_data},
        {"user-data", &seed.user_data},
        {"network-config", &seed.network_config}})
    if (Status s = add_file(image.get(), name, *content); !s.ok()) return s;
  IsoNode* root = reinterpret_cast<IsoNode*>(iso_image_get_root(image.get()));
  iso_node_set_mtime(root, kImageTime);
  iso_node_set_atime(root, kImageTime);
  iso_node_set_ctime(root, kImageTime);

  IsoWriteOpts* raw_opts = nullptr;
  rc = iso_write_opts_new(&raw_opts, 0);
  if (rc < 0) return failed("write options", rc);
  std::unique_ptr<IsoWriteOpts, OptsRef> opts(raw_opts);
  iso_write_opts_set_rockridge(opts.get(), 1);
  iso_write_opts_set_joliet(opts.get(), 1);
  // The label stays lowercase "cidata" in the primary descriptor too (as
  // genisoimage writes it), not the d-characters' "CIDATA".
  iso_write_opts_set_relaxed_vol_atts(opts.get(), 1);
  iso_write_opts_set_replace_mode(opts.get(), 2, 2, 2, 2);
  iso_write_opts_set_default_dir_mode(opts.get(), 0555);
  iso_write_opts_set_default_file_mode(opts.get(), 0444);
  iso_write_opts_set_default_uid(opts.get(), 0);
  iso_write_opts_set_default_gid(opts.get(), 0);
  iso_write_opts_set_replace_timestamps(opts.get(), 2);
  iso_write_opts_set_default_timestamp(opts.get(), kImageTime);
  iso_write_opts_set_always_gmt(opts.get(), 1);
  char volume_time[sizeof kVolumeTime];
  std::memcpy(volume_time, kVolumeTime, sizeof kVolumeTime);
  iso_write_opts_set_pvd_times(opts.get(), kImageTime, kImageTime, 0, 0, volume_time);

  burn_source* raw_source = nullptr;
  rc = iso_image_create_burn_source(image.get(), opts.get(), &raw_source);
  if (rc < 0) return failed("image writer", rc);
  std::unique_ptr<burn_source, SourceRef> source(raw_source);
  auto read = source->read ? source->read : source->read_xt;
  std::string out;
  out.reserve(static_cast<size_t>(source->get_size(source.get())));
  unsigned char block[2048];
  while (true) {
    int n = read(source.get(), block, sizeof block);
    if (n < 0) return failed("writing the image", n);
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(block), static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> read_seed_iso_file(const std::string& iso_path, const std::string& name,
                                       size_t limit) {
  if (Status s = init_library(); !s.ok()) return s;
  IsoDataSource* raw_src = nullptr;
  int rc = iso_data_source_new_from_file(iso_path.c_str(), &raw_src);
  if (rc < 0) return failed("opening the image", rc);
  std::unique_ptr<IsoDataSource, DataSourceRef> src(raw_src);
  IsoImage* raw_image = nullptr;
  rc = iso_image_new(kSeedVolumeId, &raw_image);
  if (rc < 0) return failed("image", rc);
  std::unique_ptr<IsoImage, ImageRef> image(raw_image);
  IsoReadOpts* raw_opts = nullptr;
  rc = iso_read_opts_new(&raw_opts, 0);
  if (rc < 0) return failed("read options", rc);
  std::unique_ptr<IsoReadOpts, ReadOptsRef> opts(raw_opts);
  rc = iso_image_import(image.get(), src.get(), opts.get(), nullptr);
  if (rc < 0) return error(Code::kNotFound, "seed image " + iso_path + ": not readable");
  IsoNode* node = nullptr;
  rc = iso_tree_path_to_node(image.get(), ("/" + name).c_str(), &node);
  if (rc != 1 || iso_node_get_type(node) != LIBISO_FILE)
    return error(Code::kNotFound, "seed image " + iso_path + ": no " + name);
  IsoStream* stream = iso_file_get_stream(reinterpret_cast<IsoFile*>(node));
  if (iso_stream_get_size(stream) > static_cast<off_t>(limit))
    return error(Code::kInvalidArgument, "seed image " + iso_path + ": " + name + " too large");
  rc = iso_stream_open(stream);
  if (rc < 0) return failed("opening a file", rc);
  std::unique_ptr<IsoStream, StreamClose> open(stream);
  std::string out;
  char block[2048];
  while (out.size() <= limit) {
    int n = iso_stream_read(stream, block, sizeof block);
    if (n < 0) return failed("reading a file", n);
    if (n == 0) break;
    out.append(block, static_cast<size_t>(n));
  }
  if (out.size() > limit)
    return error(Code::kInvalidArgument, "seed image " + iso_path + ": " + name + " too large");
  return out;
}

}  // namespace xc
