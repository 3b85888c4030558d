// The route table's pieces, one per back end (router.cpp joins them).
#pragma once

#include <kiosktwin/server/router.hpp>

#include <span>

namespace kiosktwin::server::detail {

std::span<const Route> system_routes();       // routes_system.cpp: health, OpenAPI, error table
std::span<const Route> catalogue_routes();    // routes_catalogue.cpp
std::span<const Route> terminal_routes();     // routes_terminals.cpp
std::span<const Route> identity_routes();     // routes_identity.cpp
std::span<const Route> application_routes();  // routes_applications.cpp
std::span<const Route> payment_routes();      // routes_payments.cpp: payments and e-licences
std::span<const Route> evaluation_routes();   // routes_evaluations.cpp
std::span<const Route> admin_routes();        // routes_admin.cpp: the platform side (/admin/v1)

}  // namespace kiosktwin::server::detail
