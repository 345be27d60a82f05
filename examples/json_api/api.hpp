#pragma once
// The json_api example's routes: a status endpoint and a CRUD resource over ItemStore.
//
//   GET    /api/status       {"status":"ok","version":"0.1.0","uptime_seconds":12.5,"items":3}
//   GET    /api/items        {"items":[{"id":1,"name":"pen","quantity":3}, ...]}
//   POST   /api/items        201 + Location: /api/items/{id}, body: the new item
//   GET    /api/items/{id}   the item, or 404
//   PUT    /api/items/{id}   replaces name and quantity, or 404
//   DELETE /api/items/{id}   204, or 404
//
// Every error this code produces is JSON, {"error": "..."}: 400 for a malformed body or id,
// 415 for a body that is not JSON, 404 for a missing item, 503 when the store is full.
// Unknown paths (404) and wrong methods (405, with Allow) are answered by the ServeMux, in
// JSON too (set_error_writer); main.cpp does the same for the server's protocol errors.
//
// Header-only so that tests/integration/json_api_test.cpp mounts exactly these routes.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "item_store.hpp"
#include "nethttp/error_writer.hpp"
#include "nethttp/handler.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/json.hpp"
#include "nethttp/json_writer.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/status.hpp"
#include "nethttp/version.hpp"

namespace json_api {

using Json = nlohmann::json;

/// kMaxNameBytes bounds an item's name.
inline constexpr std::size_t kMaxNameBytes = 200;
/// kMaxQuantity bounds an item's quantity (and keeps it exact in JavaScript clients).
inline constexpr std::int64_t kMaxQuantity = 1'000'000'000;

/// write_error answers with status and {"error": message} (nethttp::json_error).
inline void write_error(nethttp::ResponseWriter& w, nethttp::Status status, std::string_view message) {
  nethttp::json_error(w, message, status);
}

/// to_json is an item's wire form.
inline Json to_json(const Item& item) {
  return Json{{"id", item.id}, {"name", item.fields.name}, {"quantity", item.fields.quantity}};
}

/// parse_item_fields reads {"name": string, "quantity": integer} from a parsed body into
/// out. quantity is optional (0). Returns "" on success, else what is wrong, for the client.
inline std::string parse_item_fields(const Json& j, ItemFields& out) {
  if (!j.is_object()) return "body must be a JSON object";
  auto name = j.find("name");
  if (name == j.end() || !name->is_string()) return "\"name\" must be a string";
  const auto& name_value = name->get_ref<const std::string&>();
  if (name_value.empty() || name_value.size() > kMaxNameBytes) {
    return "\"name\" must be 1 to " + std::to_string(kMaxNameBytes) + " bytes";
  }
  std::int64_t quantity = 0;
  if (auto q = j.find("quantity"); q != j.end()) {
    // The parser stores every non-negative integer as unsigned, so a negative quantity, a
    // fraction or a huge number all fail this one test.
    if (!q->is_number_unsigned() || q->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxQuantity)) {
      return "\"quantity\" must be an integer from 0 to " + std::to_string(kMaxQuantity);
    }
    quantity = q->get<std::int64_t>();
  }
  out.name = name_value;
  out.quantity = quantity;
  return {};
}

/// parse_id reads a path id: decimal digits only, greater than zero.
inline std::optional<std::uint64_t> parse_id(std::string_view s) {
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || id == 0) return std::nullopt;
  return id;
}

namespace detail {

// read_body_fields reads the JSON body (nethttp::read_json answers 400, 413 or 415 itself:
// a request without a Content-Type is read as JSON) and checks its fields, answering 400.
inline std::optional<ItemFields> read_body_fields(nethttp::ResponseWriter& w, const nethttp::Request& r) {
  std::optional<Json> body = nethttp::read_json(w, r);
  if (!body) return std::nullopt;
  ItemFields fields;
  if (std::string problem = parse_item_fields(*body, fields); !problem.empty()) {
    write_error(w, nethttp::Status::BadRequest, problem);
    return std::nullopt;
  }
  return fields;
}

// read_id parses the {id} path value, answering 400 itself when it is not an id.
inline std::optional<std::uint64_t> read_id(nethttp::ResponseWriter& w, const nethttp::Request& r) {
  auto id = parse_id(r.path_value("id"));
  if (!id) write_error(w, nethttp::Status::BadRequest, "item id must be a positive integer");
  return id;
}

}  // namespace detail

/// register_routes adds the API's routes to mux. The handlers share store (they keep it
/// alive) and run on every loop at once; started is the moment uptime_seconds counts from.
inline void register_routes(nethttp::ServeMux& mux, std::shared_ptr<ItemStore> store,
                            std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now()) {
  mux.set_error_writer(nethttp::json_error_writer());
  mux.handle("GET /api/status", [store, started](nethttp::ResponseWriter& w, nethttp::Request&) {
    std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - started;
    nethttp::write_json(w, Json{{"status", "ok"},
                                {"version", NETHTTP_VERSION_STRING},
                                {"uptime_seconds", uptime.count()},
                                {"items", store->size()}});
  });

  mux.handle("GET /api/items", [store](nethttp::ResponseWriter& w, nethttp::Request&) {
    Json items = Json::array();
    for (const Item& item : store->list()) items.push_back(to_json(item));
    nethttp::write_json(w, Json{{"items", std::move(items)}});
  });

  mux.handle("POST /api/items", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    auto fields = detail::read_body_fields(w, r);
    if (!fields) return;
    auto item = store->create(std::move(*fields));
    if (!item) {
      write_error(w, nethttp::Status::ServiceUnavailable, "the item store is full");
      return;
    }
    w.headers().set("Location", "/api/items/" + std::to_string(item->id));
    nethttp::write_json(w, to_json(*item), nethttp::Status::Created);
  });

  mux.handle("GET /api/items/{id}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    auto id = detail::read_id(w, r);
    if (!id) return;
    auto item = store->get(*id);
    if (!item) return write_error(w, nethttp::Status::NotFound, "no such item");
    nethttp::write_json(w, to_json(*item));
  });

  mux.handle("PUT /api/items/{id}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    auto id = detail::read_id(w, r);
    if (!id) return;
    auto fields = detail::read_body_fields(w, r);
    if (!fields) return;
    auto item = store->replace(*id, std::move(*fields));
    if (!item) return write_error(w, nethttp::Status::NotFound, "no such item");
    nethttp::write_json(w, to_json(*item));
  });

  mux.handle("DELETE /api/items/{id}", [store](nethttp::ResponseWriter& w, nethttp::Request& r) {
    auto id = detail::read_id(w, r);
    if (!id) return;
    if (!store->remove(*id)) return write_error(w, nethttp::Status::NotFound, "no such item");
    w.write_header(nethttp::Status::NoContent);
  });
}

}  // namespace json_api
