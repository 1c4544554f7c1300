// What each channel sends for a notification (SPEC §4.9): the request a webhook, Slack, email or
// PagerDuty notification becomes, from the notification row and its channel's configuration. The
// notification's stable id goes with every attempt (`webhook-id`, the JSON `id`, the PagerDuty
// dedup_key, the Message-ID) so that a receiver can recognize a resend.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/notify/curl_sender.h"
#include "runtime/store/notifications.h"

namespace wf::notify {

// A channel as `notify` renders it: `webhook:NAME`, `slack:#c`, `email:ADDR`, `pagerduty:NAME`.
struct ChannelName {
  store::ChannelKind kind;  // the configuration it needs: email's is the SMTP relay
  std::string config_name;  // the configured channel's name (slack and smtp: "default")
  std::string target;       // the Slack channel, the email address, the webhook's or service's name
};
// nullopt for a channel of no known kind.
std::optional<ChannelName> parse_channel(std::string_view channel);

// The id every attempt of a notification carries.
std::string stable_id(int64_t notification_id);

// What a notification is sent with, besides its row.
struct Context {
  std::string organization;
  int64_t now_ms = 0;
  int64_t timeout_ms = 15000;
};

// The request for `n` through the configured channel `config` (its JSON object); nullopt with
// `error` when the configuration cannot make one (a permanent failure).
std::optional<Outgoing> build_request(const store::NotificationRow& n, const ChannelName& channel, const nlohmann::json& config,
                                      const Context& context, std::string& error);

// The Standard Webhooks MAC: HMAC-SHA256 of "id.timestamp.body", keyed by the bytes of a
// `whsec_<base64>` secret's base64 part (by the secret's own bytes when it has no such form). What
// the service signs its notifications with and checks its hooks' deliveries against.
using WebhookMac = std::array<unsigned char, 32>;
WebhookMac webhook_mac(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body);
// Its `webhook-signature` form, `v1,<base64 of the MAC>`.
std::string webhook_signature(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body);
std::string webhook_signature(std::string_view secret, std::string_view id, int64_t timestamp_s, std::string_view body);

// An RFC 5322 message: Date, Message-ID, From, To, Subject (the first line), UTF-8 body.
std::string email_message(const store::NotificationRow& n, const std::string& from, const std::string& to,
                          const std::string& console_url, int64_t now_ms);

}  // namespace wf::notify
