#include "hft/obs/ops_server.hpp"

#include "hft/net/server.hpp"

#include <nlohmann/json.hpp>

namespace hft::obs {
namespace {

using json = nlohmann::ordered_json;

// A failing check's reason may quote a library's error text in any encoding: invalid UTF-8 becomes U+FFFD.
net::http_response json_response(unsigned status, const json& body) {
    return net::http_response::json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

ops_server::ops_server(boost::asio::io_context& ioc, ops_options options, registry& metrics)
    : metrics_(metrics), gauges_(metrics) {
    net::router routes;
    routes.add("GET", "/metrics", [this](const net::http_request&) {
        net::http_response response;
        response.body = metrics_.render();
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return response;
    });
    routes.add("GET", "/healthz", [](const net::http_request&) {
        return json_response(200, json{{"status", "alive"}});
    });
    routes.add("GET", "/readyz", [this](const net::http_request&) {
        const auto verdict = evaluate();
        auto checks = json::object();
        for (const auto& [name, state] : verdict.checks) checks[name] = state;
        return json_response(verdict.ready ? 200 : 503,
                             json{{"status", verdict.ready ? "ready" : "not ready"}, {"checks", std::move(checks)}});
    });
    net::server_options server_options;
    server_options.address = std::move(options.address);
    server_options.port = options.port;
    server_options.max_connections = 64;  // scrapers and probes, not clients
    server_ = std::make_unique<net::server>(ioc, std::move(server_options), std::move(routes), nullptr);
}

ops_server::~ops_server() = default;

void ops_server::add_check(std::string name, readiness_check check) {
    auto& added = checks_.emplace_back(named_check{std::move(name), std::move(check)});
    gauges_.gauge("hft_ready_check", "1 while this readiness check passes, 0 while it fails (see /readyz)",
                  {{"check", added.name}}, [read = added.check] { return read() ? 0.0 : 1.0; });
}

readiness ops_server::evaluate() const {
    readiness verdict;
    for (const auto& [name, check] : checks_) {
        auto failure = check();
        if (failure) verdict.ready = false;
        verdict.checks.emplace_back(name, failure ? std::move(*failure) : std::string("ok"));
    }
    return verdict;
}

void ops_server::start() { server_->start(); }
void ops_server::stop() { server_->stop(); }
std::uint16_t ops_server::port() const noexcept { return server_->port(); }

}  // namespace hft::obs
