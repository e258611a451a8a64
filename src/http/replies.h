// src/http/replies.h
//
// The shapes every route shares: one record, a page of records
// ({"items": [...], "total": n}), a list.
// Thread safety: pure functions.
#pragma once

#include <vector>

#include "domain/views.h"
#include "http/router.h"
#include "store/records.h"

namespace rollcall::http {

template <typename T>
Result<Reply> item_reply(const Result<T>& item, int status = 200) {
  if (!item) return item.error();
  return Reply::json(domain::to_json(*item), status);
}

template <typename T>
Result<Reply> page_reply(const Result<store::Page<T>>& page) {
  if (!page) return page.error();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : page->items) items.push_back(domain::to_json(item));
  return Reply::json({{"items", items}, {"total", page->total}});
}

template <typename T>
Result<Reply> list_reply(const Result<std::vector<T>>& list) {
  if (!list) return list.error();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : *list) items.push_back(domain::to_json(item));
  return Reply::json({{"items", items}, {"total", items.size()}});
}

inline Result<Reply> done_reply(const Result<void>& done) {
  if (!done) return done.error();
  return Reply::no_content();
}

}  // namespace rollcall::http
