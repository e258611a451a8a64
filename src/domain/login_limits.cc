// src/domain/login_limits.cc
#include "domain/login_limits.h"

#include <algorithm>
#include <chrono>

namespace rollcall::domain {

LoginLimits::LoginLimits(const LoginLimitsOptions& options)
    : per_address_(options.per_address_per_minute, std::chrono::minutes(1), options.max_keys),
      per_account_address_(options.per_account_address_per_minute, std::chrono::minutes(1),
                           options.max_keys),
      per_account_(options.per_account_per_hour, std::chrono::hours(1), options.max_keys) {}

std::string LoginLimits::pair_key(const std::string& account, const std::string& address) {
  // A newline is in neither a username nor an address, so pairs cannot
  // run into each other.
  return account + "\n" + address;
}

std::optional<LoginLimits::Attempt> LoginLimits::reserve(const std::string& account,
                                                         const std::string& address,
                                                         int& retry_after_s) {
  // Taken one by one, each under its limiter's lock, and given back when a
  // later one refuses: a concurrent attempt may then be refused for an
  // event about to be returned, never allowed one too many.
  if (!per_address_.try_take(address, retry_after_s)) return std::nullopt;
  const std::string pair = pair_key(account, address);
  if (!per_account_address_.try_take(pair, retry_after_s)) {
    per_address_.give_back(address);
    return std::nullopt;
  }
  Attempt attempt{account, address, !is_known_address(account, address)};
  if (attempt.took_account_total && !per_account_.try_take(account, retry_after_s)) {
    per_account_address_.give_back(pair);
    per_address_.give_back(address);
    return std::nullopt;
  }
  return attempt;
}

void LoginLimits::give_back(const Attempt& attempt) {
  per_address_.give_back(attempt.address);
  per_account_address_.give_back(pair_key(attempt.account, attempt.address));
  if (attempt.took_account_total) per_account_.give_back(attempt.account);
}

void LoginLimits::succeeded(const Attempt& attempt) {
  give_back(attempt);
  remember_address(attempt.account, attempt.address);
}

void LoginLimits::not_counted(const Attempt& attempt) { give_back(attempt); }

bool LoginLimits::is_known_address(const std::string& account, const std::string& address) {
  std::lock_guard lock(known_mutex_);
  const auto found = known_at_.find(account);
  if (found == known_at_.end()) return false;
  const auto& addresses = found->second->addresses;
  return std::find(addresses.begin(), addresses.end(), address) != addresses.end();
}

void LoginLimits::remember_address(const std::string& account, const std::string& address) {
  // Only an address a client cannot make long is worth a place: the peer's
  // or a trusted proxy's; anything longer is not remembered.
  if (address.empty() || address.size() > kMaxBoundedKeyBytes) return;
  std::lock_guard lock(known_mutex_);
  auto found = known_at_.find(account);
  if (found == known_at_.end()) {
    if (known_.size() >= kAccountsRemembered) {
      known_at_.erase(known_.back().account);
      known_.pop_back();
    }
    known_.push_front(Known{account, {}});
    found = known_at_.emplace(account, known_.begin()).first;
  } else {
    known_.splice(known_.begin(), known_, found->second);
  }
  auto& addresses = found->second->addresses;
  std::erase(addresses, address);
  addresses.insert(addresses.begin(), address);
  if (addresses.size() > kAddressesPerAccount) addresses.resize(kAddressesPerAccount);
}

std::size_t LoginLimits::size() {
  std::size_t accounts = 0;
  {
    std::lock_guard lock(known_mutex_);
    accounts = known_.size();
  }
  return per_address_.size() + per_account_address_.size() + per_account_.size() + accounts;
}

}  // namespace rollcall::domain
