#include "ctl/report/request_section.h"

namespace xc {

ReportSection request_section(const Report& r) {
  ReportSection s{"requests",
                  "Requests and their outcome",
                  "服务申请",
                  "",
                  {"ID", "CREATED", "TENANT", "ACTION", "VM", "SIZE", "REQUESTER", "OUTCOME",
                   "DECIDED BY", "REASON"},
                  {},
                  {true, false, false, false, false, false, false, false, false, false}};
  if (r.requests.empty()) s.note = "No request was made or decided in this period.";
  auto dash = [](const std::string& t) { return t.empty() ? std::string("-") : t; };
  for (const RequestRecord& q : r.requests)
    s.rows.push_back({{std::to_string(q.id), local_time_text(q.created_ms, r.period.offset_ms),
                       tenant_text(r, q.tenant), q.action, q.vm, dash(q.size), q.requester, q.state,
                       dash(q.decided_by), dash(q.reason)}});
  return s;
}

}  // namespace xc
