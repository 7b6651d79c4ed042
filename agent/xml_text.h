// A pugixml document as the one-line text libvirt takes (no declaration, no
// indentation).
#pragma once

#include <pugixml.hpp>
#include <string>

namespace xc {

std::string xml_text(const pugi::xml_document& doc);

}  // namespace xc
