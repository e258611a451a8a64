// src/domain/login_limits.h
//
// LoginLimits: how many password guesses a login may cost, decided before
// the password is checked (issue 16, defects 3 and 5).
//
// Three allowances, each a RateLimiter:
//   - per address (login_attempts_per_minute_ip): one client guessing at
//     many accounts;
//   - per account and address (login_attempts_per_minute_account): one
//     client guessing at one account; a stranger elsewhere exhausting it
//     does not touch the owner's;
//   - per account over all addresses (login_attempts_per_hour_account): a
//     guesser with many addresses. This one a stranger CAN exhaust, so it
//     does not apply from an address this account has logged in from
//     successfully before (the last few per account, remembered here):
//     the owner at their usual desk still gets in, while new addresses
//     wait.
// An attempt takes one event from each allowance that applies, under
// each limiter's lock, before the hash is verified, so simultaneous
// guesses cannot all pass a check made before any of them counted. A
// login that succeeds gives them back (a user who logs in often is never
// limited), one that fails for another reason than a wrong password
// (account disabled, database down) likewise; a wrong password keeps them.
//
// In memory, bounded (rate_limiter.h; the remembered addresses are at most
// kAddressesPerAccount for each of kAccountsRemembered accounts, the least
// recently used forgotten first): with several instances behind a
// balancer each keeps its own counts and addresses (docs/OPERATIONS.md).
// Thread safety: all methods lock; safe from any thread.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/rate_limiter.h"

namespace rollcall::domain {

struct LoginLimitsOptions {
  int per_address_per_minute = 20;
  int per_account_address_per_minute = 5;
  int per_account_per_hour = 30;
  std::size_t max_keys = RateLimiter::kDefaultMaxKeys;  // per allowance
};

class LoginLimits {
 public:
  static constexpr std::size_t kAddressesPerAccount = 8;
  static constexpr std::size_t kAccountsRemembered = 10'000;

  explicit LoginLimits(const LoginLimitsOptions& options);

  // What an attempt took, to give back.
  struct Attempt {
    std::string account;  // lower case, at most the username's maximum
    std::string address;
    bool took_account_total = false;  // false when the address is known good
  };

  // Reserves an attempt for `account` (already folded and bounded) from
  // `address`; nullopt and `retry_after_s` when an allowance is used up.
  std::optional<Attempt> reserve(const std::string& account, const std::string& address,
                                 int& retry_after_s);
  // The password was right: gives the attempt back and remembers the address.
  void succeeded(const Attempt& attempt);
  // Not a guess after all (the account is disabled, the database failed).
  void not_counted(const Attempt& attempt);

  // Keys held in all allowances, and accounts with remembered addresses:
  // for tests that check the memory stays bounded.
  std::size_t size();

 private:
  static std::string pair_key(const std::string& account, const std::string& address);
  bool is_known_address(const std::string& account, const std::string& address);
  void remember_address(const std::string& account, const std::string& address);
  void give_back(const Attempt& attempt);

  RateLimiter per_address_;
  RateLimiter per_account_address_;
  RateLimiter per_account_;

  // Accounts by recent use, most recent first, each with its good
  // addresses (most recent first).
  struct Known {
    std::string account;
    std::vector<std::string> addresses;
  };
  std::mutex known_mutex_;
  std::list<Known> known_;                                                // guarded by known_mutex_
  std::unordered_map<std::string, std::list<Known>::iterator> known_at_;  // guarded by known_mutex_
};

}  // namespace rollcall::domain
