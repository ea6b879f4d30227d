// JSON forms of the model used inside the database documents (private to libs/store).
#pragma once

#include <nlohmann/json.hpp>

#include "gpram/store/model.hpp"

namespace gpram::store::detail {

nlohmann::json card_public(const Card& c);
nlohmann::json card_secrets(const Card& c);
Card card_from(const nlohmann::json& pub, const nlohmann::json& secrets);

nlohmann::json job_doc(const Job& j);  // everything except the sealed operations
void job_from_doc(Job& j, const nlohmann::json& doc);

}  // namespace gpram::store::detail
