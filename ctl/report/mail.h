// Sending one e-mail (reports) through libcurl's SMTP client and MIME API:
// address/URL/password-file checks and send_mail. Stateless; thread-safe
// (each send uses its own curl handle).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

struct MailAttachment {
  std::string filename;      // printable ASCII, e.g. "report-2026-W48.html"
  std::string content_type;  // e.g. "text/html; charset=utf-8"
  std::string data;          // raw bytes; always sent base64
};

struct MailMessage {
  std::string from;  // "xcloud@host"; the default is the caller's decision
  std::vector<std::string> to;
  std::string subject;    // UTF-8; encoded as RFC 2047 words when not plain ASCII
  std::string text_body;  // plain-text alternative (UTF-8)
  std::string html_body;  // HTML alternative (UTF-8)
  std::vector<MailAttachment> attachments;
  int64_t date_ms = 0;  // the Date header, ms since the epoch; 0 reads the system clock
};

struct SmtpOptions {
  std::string url;             // smtp://HOST:PORT (STARTTLS when offered) or smtps://HOST:PORT
  std::string user, password;  // optional AUTH; forces TLS
  std::string ca_file;         // CA bundle trusted for the server; empty: the system's
  long timeout_seconds = 60;
};

// "a@example.com, b@example.com" -> each address, trimmed. Refuses empty
// entries, control characters (so no header injection) and anything not
// local@domain; the error names the bad entry.
Result<std::vector<std::string>> parse_mail_addresses(const std::string& list);

// The file's content without one trailing newline. A missing, unreadable or
// empty file is an error naming the path.
Result<std::string> read_password_file(const std::string& path);

// smtp:// or smtps:// with a host, an optional port and nothing else (no
// credentials, path or query); otherwise kInvalidArgument naming the URL.
Status check_smtp_url(const std::string& url);

// Sends `message` as multipart/mixed { multipart/alternative { text/plain;
// text/html }; attachments... }. Failures read like
// `mail to smtp://127.0.0.1:2525: Login denied (535 5.7.8 ...)`: refused
// credentials are kPermissionDenied, other failures kUnavailable, invalid
// options or messages kInvalidArgument.
Status send_mail(const SmtpOptions& smtp, const MailMessage& message);

}  // namespace xc
