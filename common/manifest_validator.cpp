#include "common/manifest_validator.h"

#include "common/guest_checks.h"
#include "common/manifest_loader.h"
#include "common/model_builder.h"
#include "common/schema_validator.h"
#include "common/semantic_checks.h"

namespace xc {

ManifestSet validate_documents(std::vector<YamlDocument> documents, std::vector<Diagnostic> errors,
                               const PriceCaps& caps) {
  static const SchemaValidator schemas;
  ManifestSet set;
  set.errors = std::move(errors);
  for (auto& doc : documents) {
    if (schemas.validate(doc, set.errors)) set.documents.push_back(std::move(doc));
  }
  std::vector<const YamlDocument*> docs;
  for (const auto& doc : set.documents) {
    set.objects.push_back(build_object(doc));
    docs.push_back(&doc);
  }
  for (auto& e : check_semantics(set.objects, docs, caps)) set.errors.push_back(std::move(e));
  for (const YamlDocument* doc : docs)
    for (auto& e : check_guest_section(*doc)) set.errors.push_back(std::move(e));
  sort_diagnostics(set.errors);
  return set;
}

ManifestSet load_manifest_set(const std::vector<std::string>& paths, const PriceCaps& caps) {
  ManifestFiles files = read_manifests(paths);
  return validate_documents(std::move(files.documents), std::move(files.errors), caps);
}

}  // namespace xc
