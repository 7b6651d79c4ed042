#include "ctl/report/mail.h"

#include <curl/curl.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/base64.h"
#include "common/free_with.h"
#include "common/printable.h"

namespace xc {
namespace {

using CurlPtr = std::unique_ptr<CURL, FreeWith<curl_easy_cleanup>>;
using MimePtr = std::unique_ptr<curl_mime, FreeWith<curl_mime_free>>;
using SlistPtr = std::unique_ptr<curl_slist, FreeWith<curl_slist_free_all>>;
using UrlPtr = std::unique_ptr<CURLU, FreeWith<curl_url_cleanup>>;

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

bool has_control(const std::string& text) {
  for (unsigned char c : text) {
    if (is_control(c)) return true;
  }
  return false;
}

bool is_ascii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Quoted for messages, with control characters made visible: a user must see
// the "\r\n" that was refused, and a message must never carry a raw one.
std::string quoted(const std::string& text) {
  return "\"" + printable(text) + "\"";
}

std::string trim_blanks(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// RFC 5322 dot-atom text for the local part; quoted local parts are refused
// on purpose (nobody needs them for report mail, and they complicate headers).
bool is_atext(unsigned char c) {
  return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool valid_dot_atom(const std::string& text, bool (*allowed)(unsigned char)) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string::npos) return false;
  for (unsigned char c : text) {
    if (c != '.' && !allowed(c)) return false;
  }
  return true;
}

bool is_domain_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-';
}

// Why an address is refused, or "" when it is a plain local@domain.
std::string address_problem(const std::string& address) {
  if (has_control(address)) return "contains a control character";
  size_t at = address.find('@');
  if (at == std::string::npos || address.find('@', at + 1) != std::string::npos) {
    return "expected local@domain";
  }
  if (!valid_dot_atom(address.substr(0, at), is_atext)) return "invalid local part";
  if (!valid_dot_atom(address.substr(at + 1), is_domain_char)) return "invalid domain";
  return "";
}

std::string base64(const std::string& bytes) {
  return base64_encode(bytes);
}

// Subject as RFC 2047 encoded words when it is not short plain ASCII. Lines
// holding encoded words stay within 76 columns (RFC 2047 section 2): each
// word carries at most 39 bytes (52 base64 characters, 64 with the wrapper,
// 73 after "Subject: "), never splits a UTF-8 sequence, and continues on a
// folded line.
std::string encode_subject(const std::string& subject) {
  constexpr size_t kMaxPlain = 66;  // "Subject: " + 66 stays within 78 columns
  if (is_ascii(subject) && subject.size() <= kMaxPlain && subject.find("=?") == std::string::npos) {
    return subject;
  }
  constexpr size_t kMaxWordBytes = 39;
  std::string out;
  size_t start = 0;
  while (start < subject.size()) {
    size_t end = std::min(start + kMaxWordBytes, subject.size());
    while (end < subject.size() && end > start + 1 &&
           (static_cast<unsigned char>(subject[end]) & 0xC0) == 0x80) {
      --end;  // back off to the first byte of a UTF-8 sequence
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(subject.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

// RFC 5322 date in UTC, with English names whatever the locale.
std::string rfc5322_date(int64_t ms) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t seconds = static_cast<time_t>(ms / 1000);
  std::tm t{};
  gmtime_r(&seconds, &t);
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[t.tm_wday],
                t.tm_mday, kMonths[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return text;
}

Result<std::string> message_id(const std::string& from) {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) {
    return error(Code::kInternal, "mail: no random bytes for a Message-ID");
  }
  std::string id = "<";
  char hex[3];
  for (unsigned char b : random) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    id += hex;
  }
  return id + "." + "xcloud" + from.substr(from.find('@')) + ">";
}

Status check_message(const MailMessage& message) {
  if (std::string problem = address_problem(message.from); !problem.empty()) {
    return error(Code::kInvalidArgument, "mail sender " + quoted(message.from) + ": " + problem);
  }
  if (message.to.empty()) return error(Code::kInvalidArgument, "mail: no recipients");
  for (const auto& to : message.to) {
    if (std::string problem = address_problem(to); !problem.empty()) {
      return error(Code::kInvalidArgument, "mail recipient " + quoted(to) + ": " + problem);
    }
  }
  if (has_control(message.subject)) {
    return error(Code::kInvalidArgument,
                 "mail subject " + quoted(message.subject) + ": contains a control character");
  }
  if (message.text_body.empty() && message.html_body.empty()) {
    return error(Code::kInvalidArgument, "mail: neither a text nor an HTML body");
  }
  for (const auto& a : message.attachments) {
    // curl writes these into MIME headers as they are: no line breaks, and
    // ASCII only because curl does not RFC 2231-encode file names.
    bool bad_name = a.filename.empty() || has_control(a.filename) || !is_ascii(a.filename) ||
                    a.filename.find_first_of("/\\\"") != std::string::npos;
    if (bad_name) {
      return error(Code::kInvalidArgument,
                   "mail attachment " + quoted(a.filename) +
                       ": file name must be printable ASCII without / \\ or \"");
    }
    if (has_control(a.content_type) || !is_ascii(a.content_type)) {
      return error(Code::kInvalidArgument, "mail attachment " + quoted(a.filename) +
                                               ": invalid content type " + quoted(a.content_type));
    }
  }
  return Status::ok_status();
}

// What the server said last that was an error (4xx/5xx), for messages; the
// password never passes through here (only CURLINFO_HEADER_IN is kept).
struct ServerReplies {
  std::string first_error;
};

int record_reply(CURL*, curl_infotype type, char* data, size_t size, void* target) {
  auto* replies = static_cast<ServerReplies*>(target);
  if (type != CURLINFO_HEADER_IN || !replies->first_error.empty()) return 0;
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.size() >= 3 && (line[0] == '4' || line[0] == '5')) replies->first_error = line;
  return 0;
}

// Bare LF line ends become CRLF: curl's quoted-printable encoder breaks lines
// only at CRLF and would otherwise send every "\n" as "=0A".
std::string with_crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// A text alternative: quoted-printable keeps ASCII readable and safe for long
// lines; anything else goes base64, byte for byte.
CURLcode add_text_part(curl_mime* mime, const std::string& body, const char* type) {
  curl_mimepart* part = curl_mime_addpart(mime);
  if (part == nullptr) return CURLE_OUT_OF_MEMORY;
  const bool ascii = is_ascii(body);
  const std::string data = ascii ? with_crlf(body) : body;
  CURLcode rc = curl_mime_data(part, data.data(), data.size());  // curl copies the data
  if (rc == CURLE_OK) rc = curl_mime_type(part, type);
  if (rc == CURLE_OK) rc = curl_mime_encoder(part, ascii ? "quoted-printable" : "base64");
  return rc;
}

CURLcode build_mime(CURL* h, const MailMessage& message, curl_mime* mime) {
  CURLcode rc = CURLE_OK;
  const bool both = !message.text_body.empty() && !message.html_body.empty();
  curl_mime* bodies = mime;
  MimePtr alternative;
  if (both) {
    alternative.reset(curl_mime_init(h));
    if (!alternative) return CURLE_OUT_OF_MEMORY;
    bodies = alternative.get();
  }
  // text before HTML: in multipart/alternative the last part is preferred.
  if (!message.text_body.empty()) {
    rc = add_text_part(bodies, message.text_body, "text/plain; charset=utf-8");
  }
  if (rc == CURLE_OK && !message.html_body.empty()) {
    rc = add_text_part(bodies, message.html_body, "text/html; charset=utf-8");
  }
  if (rc == CURLE_OK && both) {
    curl_mimepart* part = curl_mime_addpart(mime);
    if (part == nullptr) return CURLE_OUT_OF_MEMORY;
    rc = curl_mime_subparts(part, alternative.get());
    if (rc == CURLE_OK) alternative.release();  // now owned by `part`
    if (rc == CURLE_OK) rc = curl_mime_type(part, "multipart/alternative");
  }
  for (const auto& a : message.attachments) {
    if (rc != CURLE_OK) break;
    curl_mimepart* part = curl_mime_addpart(mime);
    if (part == nullptr) return CURLE_OUT_OF_MEMORY;
    rc = curl_mime_data(part, a.data.data(), a.data.size());
    if (rc == CURLE_OK) rc = curl_mime_filename(part, a.filename.c_str());
    if (rc == CURLE_OK) {
      rc = curl_mime_type(
          part, a.content_type.empty() ? "application/octet-stream" : a.content_type.c_str());
    }
    if (rc == CURLE_OK) rc = curl_mime_encoder(part, "base64");
  }
  return rc;
}

}  // namespace

Result<std::vector<std::string>> parse_mail_addresses(const std::string& list) {
  std::vector<std::string> addresses;
  std::string entry;
  std::istringstream entries(list);
  int index = 0;
  // getline drops a final empty entry ("a@b.c,"), so an empty list and a
  // trailing comma are checked here.
  if (list.empty() || list.back() == ',') {
    return error(Code::kInvalidArgument,
                 "mail addresses " + quoted(list) + ": empty entry (expected a@example.com,...)");
  }
  while (std::getline(entries, entry, ',')) {
    ++index;
    if (has_control(entry)) {
      return error(Code::kInvalidArgument,
                   "mail address " + quoted(entry) + ": contains a control character");
    }
    std::string address = trim_blanks(entry);
    if (address.empty()) {
      return error(Code::kInvalidArgument, "mail addresses " + quoted(list) + ": entry " +
                                               std::to_string(index) + " is empty");
    }
    if (std::string problem = address_problem(address); !problem.empty()) {
      return error(Code::kInvalidArgument, "mail address " + quoted(address) + ": " + problem);
    }
    addresses.push_back(address);
  }
  return addresses;
}

Result<std::string> read_password_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return error(errno == ENOENT ? Code::kNotFound : Code::kIo,
                 "password file " + path + ": " + std::strerror(errno));
  }
  std::stringstream content;
  content << in.rdbuf();
  if (in.bad()) return error(Code::kIo, "password file " + path + ": read failed");
  std::string password = content.str();
  if (!password.empty() && password.back() == '\n') password.pop_back();
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    return error(Code::kInvalidArgument, "password file " + path + ": is empty");
  }
  return password;
}

Status check_smtp_url(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return error(Code::kInvalidArgument, "mail URL " + quoted(url) + ": " + why +
                                             " (expected smtp://HOST:PORT or smtps://HOST:PORT)");
  };
  if (url.empty()) return bad("is empty");
  if (has_control(url)) return bad("contains a control character");
  // curl would call "host:25" a URL with too few slashes; say what is missing.
  if (url.find("://") == std::string::npos) return bad("no scheme");
  UrlPtr parsed(curl_url());
  if (!parsed) return error(Code::kInternal, "mail URL: curl_url failed");
  if (CURLUcode rc =
          curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK) {
    return bad(curl_url_strerror(rc));
  }
  auto part = [&](CURLUPart which) -> std::string {
    char* text = nullptr;
    if (curl_url_get(parsed.get(), which, &text, 0) != CURLUE_OK) return "";
    std::string value = text;
    curl_free(text);
    return value;
  };
  std::string scheme = part(CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") return bad("scheme must be smtp or smtps");
  if (part(CURLUPART_HOST).empty()) return bad("no host");
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty() ||
      !part(CURLUPART_OPTIONS).empty()) {
    return bad("credentials do not belong in the URL; use a user and a password file");
  }
  std::string path = part(CURLUPART_PATH);
  if ((!path.empty() && path != "/") || !part(CURLUPART_QUERY).empty() ||
      !part(CURLUPART_FRAGMENT).empty()) {
    return bad("unexpected path or query");
  }
  return Status::ok_status();
}

Status send_mail(const SmtpOptions& smtp, const MailMessage& message) {
  if (Status s = check_smtp_url(smtp.url); !s.ok()) return s;
  if (Status s = check_message(message); !s.ok()) return s;
  if (smtp.user.empty() != smtp.password.empty()) {
    return error(Code::kInvalidArgument,
                 "mail to " + smtp.url + ": a user needs a password and a password a user");
  }
  const std::string where = "mail to " + smtp.url + ": ";
  auto id = message_id(message.from);
  if (!id.ok()) return id.status();
  int64_t date_ms = message.date_ms;
  if (date_ms == 0) {
    date_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }

  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlPtr handle(curl_easy_init());
  if (!handle) return error(Code::kInternal, where + "curl_easy_init failed");
  CURL* h = handle.get();

  std::string to_header;
  SlistPtr recipients;
  for (const auto& to : message.to) {
    to_header += (to_header.empty() ? "" : ", ") + to;
    std::string envelope = "<" + to + ">";
    curl_slist* next = curl_slist_append(recipients.get(), envelope.c_str());
    if (next == nullptr) return error(Code::kInternal, where + "out of memory");
    recipients.release();
    recipients.reset(next);
  }
  SlistPtr headers;
  for (const std::string& line :
       {"Date: " + rfc5322_date(date_ms), "From: " + message.from, "To: " + to_header,
        "Subject: " + encode_subject(message.subject), "Message-ID: " + *id}) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) return error(Code::kInternal, where + "out of memory");
    headers.release();
    headers.reset(next);
  }
  MimePtr mime(curl_mime_init(h));
  if (!mime) return error(Code::kInternal, where + "curl_mime_init failed");
  if (CURLcode rc = build_mime(h, message, mime.get()); rc != CURLE_OK) {
    return error(Code::kInternal, where + "building the message: " + curl_easy_strerror(rc));
  }

  const bool implicit_tls = smtp.url.rfind("smtps:", 0) == 0;
  const bool authenticate = !smtp.user.empty();
  // Credentials never cross the network in clear: STARTTLS becomes mandatory.
  const long use_ssl = authenticate && !implicit_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY;
  std::string mail_from = "<" + message.from + ">";
  char error_text[CURL_ERROR_SIZE] = {};
  ServerReplies replies;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
  };
  set(CURLOPT_URL, smtp.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  set(CURLOPT_PROXY, "");  // never route mail through an environment proxy
  set(CURLOPT_MAIL_FROM, mail_from.c_str());
  set(CURLOPT_MAIL_RCPT, recipients.get());
  set(CURLOPT_HTTPHEADER, headers.get());  // for SMTP: the message's top-level headers
  set(CURLOPT_MIMEPOST, mime.get());
  set(CURLOPT_USE_SSL, use_ssl);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!smtp.ca_file.empty()) {
    set(CURLOPT_CAINFO, smtp.ca_file.c_str());
    set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));  // that CA only
  }
  if (authenticate) {
    set(CURLOPT_USERNAME, smtp.user.c_str());
    set(CURLOPT_PASSWORD, smtp.password.c_str());
  }
  set(CURLOPT_TIMEOUT, smtp.timeout_seconds);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ERRORBUFFER, error_text);
  // Verbose output goes to record_reply only, to keep the server's refusals.
  set(CURLOPT_DEBUGFUNCTION, record_reply);
  set(CURLOPT_DEBUGDATA, &replies);
  set(CURLOPT_VERBOSE, 1L);
  if (rc != CURLE_OK) return error(Code::kInternal, where + curl_easy_strerror(rc));

  rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return Status::ok_status();
  std::string message_text = where + curl_easy_strerror(rc);
  std::string details;
  if (error_text[0] != '\0' && std::string(error_text) != curl_easy_strerror(rc)) {
    details = error_text;
  }
  if (!replies.first_error.empty()) {
    details += (details.empty() ? "" : "; server said ") + replies.first_error;
  }
  if (!details.empty()) message_text += " (" + details + ")";
  return error(rc == CURLE_LOGIN_DENIED ? Code::kPermissionDenied : Code::kUnavailable,
               message_text);
}

}  // namespace xc
