// openapi_check SPEC.json PATH STATUS RESPONSE.json: validates a real answer
// of the supervision API against the schema its OpenAPI description gives
// for GET PATH with that status, with valijson (draft 7; the component
// schemas are written as JSON Schema). Exit 0 valid, 1 invalid, 2 usage.
// Used by tests/e2e/supervision_api.sh.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace {

nlohmann::json read_json(const char* path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: openapi_check SPEC.json PATH STATUS RESPONSE.json\n";
    return 2;
  }
  try {
    nlohmann::json spec = read_json(argv[1]);
    nlohmann::json answer = read_json(argv[4]);
    const nlohmann::json& response =
        spec.at("paths").at(argv[2]).at("get").at("responses").at(argv[3]);
    // The response's schema, with the components beside it so that its
    // "#/components/schemas/..." references resolve in this document.
    nlohmann::json root = response.at("content").at("application/json").at("schema");
    root["components"] = spec.at("components");
    valijson::Schema schema;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter root_adapter(root);
    parser.populateSchema(root_adapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter answer_adapter(answer);
    if (validator.validate(schema, answer_adapter, &results)) return 0;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      std::string where;
      for (const auto& c : e.context) where += c;
      std::cerr << "GET " << argv[2] << " " << argv[3] << ": " << where << ": " << e.description
                << "\n";
    }
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "openapi_check: " << e.what() << "\n";
    return 2;
  }
}
